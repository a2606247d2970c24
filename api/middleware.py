"""The API's one middleware, written against ASGI directly: API keys, the response cache, metrics.

Starlette's ``@app.middleware("http")`` runs the rest of the app in a task and streams its answer
back through memory channels; on a cold GraphQL request that bookkeeping cost about as much as a
tenth of the request. This class does the same work in the request's own task:

* **API keys** (when configured): every path but the open ones needs ``X-API-Key: <key>`` or
  ``Authorization: Bearer <key>``, compared in constant time, else 401;
* **the whole-response cache** (:mod:`api.cache`) for GraphQL POSTs: a hit is answered without
  running GraphQL; a complete 200 answer is kept;
* **metrics**: request counts, latencies and error statuses per path;
* **the explorer's headers**: its pages get a Content-Security-Policy and ``nosniff``;
* ``/graphql`` goes straight to strawberry's ASGI GraphQL app, past the web framework's routing
  and dependency injection (about a tenth of a cold request's cost).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.cache import ResponseCache

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
EXPLORER = "/explore/"
# the page and its libraries come from this server only; data only from /graphql
EXPLORER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_EXPLORER_HEADERS = [(b"content-security-policy", EXPLORER_CSP.encode()), (b"x-content-type-options", b"nosniff")]


def open_path(path: str, explorer: bool) -> bool:
    """Paths answered without an API key: health probes and, when on, the explorer's static files."""
    return path in OPEN_PATHS or (explorer and (path == EXPLORER.rstrip("/") or path.startswith(EXPLORER)))


def key_ok(headers: Headers, keys: list[bytes]) -> bool:
    """Whether the request carries one of ``keys`` (constant-time comparison)."""
    supplied = headers.get("x-api-key")
    auth = headers.get("authorization", "")
    if supplied is None and auth.lower().startswith("bearer "):
        supplied = auth[7:]
    if not supplied:
        return False
    candidate = supplied.encode()
    return any(hmac.compare_digest(candidate, key) for key in keys)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class Gate:
    """API keys, response cache, metrics and explorer headers around the app (see the module docstring).

    Args:
        app: The application it wraps.
        keys: Accepted API keys (empty: no key needed).
        explorer: Whether the explorer's paths are served (open, with their headers).
        cache: The response cache, or ``None`` when it is off.
        generation: The current cache generation (``None``: unknown, do not cache).
        metrics: Where counts and latencies go (``api.app.Metrics``).
        graphql: The GraphQL ASGI app that answers ``/graphql`` (``None``: ``app`` does).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: list[bytes],
        explorer: bool,
        cache: ResponseCache | None,
        generation: Callable[[], Awaitable[object]],
        metrics: Any,
        graphql: ASGIApp | None = None,
    ) -> None:
        self.app, self.keys, self.explorer, self.cache = app, keys, explorer, cache
        self.graphql = graphql or app
        self.generation, self.metrics = generation, metrics
        self.labels = OPEN_PATHS | {"/graphql", "/metrics"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the key, answer from the cache or the app, and record the request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        start = time.perf_counter()
        status = 500
        explorer_page = self.explorer and path.startswith(EXPLORER)

        async def measured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if explorer_page:
                    message["headers"] = [*message.get("headers", []), *_EXPLORER_HEADERS]
            await send(message)

        try:
            if self.keys and not open_path(path, self.explorer) and not key_ok(Headers(scope=scope), self.keys):
                await JSONResponse({"error": "missing or invalid API key"}, status_code=401)(scope, receive, measured)
            elif self.cache is not None and scope["method"] == "POST" and path == "/graphql":
                await self._cached(self.cache, scope, receive, measured)
            else:
                await (self.graphql if path == "/graphql" else self.app)(scope, receive, measured)
        finally:
            label = path if path in self.labels else "other"
            self.metrics.latency.labels(label).observe(time.perf_counter() - start)
            self.metrics.requests.labels(label, str(status)).inc()
            if status >= 400:
                self.metrics.errors.labels(label).inc()

    async def _cached(self, cache: ResponseCache, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a GraphQL POST from the cache, or run it and keep a complete answer."""
        body = await _read_body(receive)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # a disconnect, if the client goes

        try:
            generation = await self.generation()
        except Exception:  # noqa: BLE001 - whatever broke, GraphQL answers (and masks) it: no cache
            generation = None
        key = cache.key(body, generation) if generation is not None else None
        if key is None:
            self.metrics.cache.labels("bypass").inc()
            await self.graphql(scope, replay, send)
            return
        hit = cache.get(key, generation)
        if hit is not None:
            self.metrics.cache.labels("hit").inc()
            await Response(hit, media_type="application/json", headers={"x-kg-cache": "hit"})(scope, replay, send)
            return
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.graphql(scope, replay, keep)
        self.metrics.cache.labels("miss").inc()
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if start is None or start["status"] != 200:
            for message in messages:
                await send(message)
            return
        data = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        cache.put(key, generation, data)
        await Response(data, media_type="application/json", headers={"x-kg-cache": "miss"})(scope, replay, send)
