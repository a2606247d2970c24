"""Per-request context: the service plus DataLoaders that batch graph reads.

Each loader collects the keys requested while one level of the query resolves and answers
them with a single :mod:`kg.queries` call (one Neo4j round trip), run in a worker thread
because the Neo4j driver is synchronous.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.breaker import GraphDown
from api.service import Service
from kg import queries


class GraphDownMarker:
    """What a loader yields for every key while Neo4j is down (an exception would be raised)."""


DOWN = GraphDownMarker()


def _loader(
    service: Service, fn: Callable[..., dict[Any, Any]], *extra: Any, direct: bool = False
) -> DataLoader[Any, Any]:
    async def load(keys: Sequence[Any]) -> list[Any]:
        try:
            if direct:  # a Service method with its own cache
                found = await asyncio.to_thread(fn, list(keys))
            else:
                found = await asyncio.to_thread(service.graph, fn, *extra, list(keys))
        except GraphDown:
            return [DOWN for _ in keys]  # each field reports it as a typed Unavailable
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _per_request(make: Callable[[Service], DataLoader[Any, Any]], doc: str) -> Any:
    """A loader made the first time a request's resolvers ask for it (a candidates page asks for none)."""

    def get(context: Context) -> DataLoader[Any, Any]:
        return make(context.service)

    get.__doc__ = doc
    return cached_property(get)


class Context(BaseContext):
    """What every resolver can reach: ``service`` and the request's loaders (made when first used)."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service

    genes = _per_request(lambda s: _loader(s, queries.nodes, "Gene"), "Gene nodes by id.")
    diseases = _per_request(lambda s: _loader(s, queries.nodes, "Disease"), "Disease nodes by id.")
    evidence = _per_request(lambda s: _loader(s, s.evidence, direct=True), "Evidence per (gene, disease).")
    phenotypes = _per_request(lambda s: _loader(s, queries.disease_phenotypes), "A disease's phenotypes.")
    known_genes = _per_request(lambda s: _loader(s, queries.known_genes), "A disease's known genes.")
    associations = _per_request(lambda s: _loader(s, queries.gene_associations), "A gene's curated associations.")
    expression = _per_request(lambda s: _loader(s, queries.gene_expression), "A gene's tissue expression.")


async def run_sync(fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work (SQLite, model) off the event loop."""
    return await asyncio.to_thread(fn, *args)
