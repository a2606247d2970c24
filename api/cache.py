"""A whole-response cache for GraphQL, as the Open Targets Platform keeps one.

The key is the normalised document (parsed and printed again, so whitespace and comments do not
matter), the operation name, the variables and the *generation*: the current predictions'
model version plus the graph's loaded sources. ``kg predict`` changes the first and ``kg etl run``
the second, so both invalidate every entry (the cache is emptied when the generation changes).
Only complete answers are kept: a response with errors, or with a field that could not be served
(``GRAPH_UNAVAILABLE``, ``MODEL_UNAVAILABLE``), is never cached.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError, parse, print_ast

#: Marks of an answer that is not the whole truth (a source was down): never cached.
_PARTIAL = (b'"errors"', b"GRAPH_UNAVAILABLE", b"MODEL_UNAVAILABLE")


class ResponseCache:
    """A bounded LRU of response bodies keyed by request and generation (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._generation: object = None
        self._lock = threading.Lock()

    def key(self, body: bytes, generation: object) -> str | None:
        """The cache key of a GraphQL POST body, or ``None`` when it is not a cacheable query."""
        try:
            request = json.loads(body)
            document = self._normalised(str(request["query"]))
        except (ValueError, KeyError, TypeError, GraphQLError):
            return None  # let GraphQL answer it (with its error)
        if document is None:
            return None
        parts = [document, request.get("operationName") or "", request.get("variables") or {}, generation]
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _normalised(self, query: str) -> str | None:
        with self._lock:
            if query in self._documents:
                return self._documents[query]
        printed = print_ast(parse(query))
        if printed.lstrip().startswith(("mutation", "subscription")):
            return None
        with self._lock:
            self._documents[query] = printed
            while len(self._documents) > 1000:
                self._documents.popitem(last=False)
        return printed

    def get(self, key: str, generation: object) -> bytes | None:
        """The cached body, if any (a new generation empties the cache first)."""
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
                return None
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: str, generation: object, body: bytes) -> bool:
        """Keep ``body`` unless it is partial or the generation moved on; ``True`` if kept."""
        if any(mark in body for mark in _PARTIAL):
            return False
        with self._lock:
            if generation != self._generation:
                return False
            self._entries[key] = body
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._entries)


def generation_of(model_version: Any, graph: Any) -> object | None:
    """The cache generation: ``None`` (do not cache) while either part is unknown."""
    if model_version is None or graph is None:
        return None
    return (str(model_version), json.dumps(graph, sort_keys=True, default=str))
