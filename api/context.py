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

from api.service import GraphDown, Service
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


class Context(BaseContext):
    """What every resolver can reach: ``service`` and the request's loaders (made when first used)."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service

    @cached_property
    def genes(self) -> DataLoader[Any, Any]:
        """Gene nodes by id."""
        return _loader(self.service, queries.nodes, "Gene")

    @cached_property
    def diseases(self) -> DataLoader[Any, Any]:
        """Disease nodes by id."""
        return _loader(self.service, queries.nodes, "Disease")

    @cached_property
    def evidence(self) -> DataLoader[Any, Any]:
        """Evidence per (gene, disease), through the service's cache."""
        return _loader(self.service, self.service.evidence, direct=True)

    @cached_property
    def phenotypes(self) -> DataLoader[Any, Any]:
        """A disease's phenotypes."""
        return _loader(self.service, queries.disease_phenotypes)

    @cached_property
    def known_genes(self) -> DataLoader[Any, Any]:
        """A disease's known genes."""
        return _loader(self.service, queries.known_genes)

    @cached_property
    def associations(self) -> DataLoader[Any, Any]:
        """A gene's curated associations."""
        return _loader(self.service, queries.gene_associations)

    @cached_property
    def expression(self) -> DataLoader[Any, Any]:
        """A gene's tissue expression."""
        return _loader(self.service, queries.gene_expression)


async def run_sync(fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work (SQLite, model) off the event loop."""
    return await asyncio.to_thread(fn, *args)
