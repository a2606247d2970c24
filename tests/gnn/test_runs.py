"""The run service builds the full gene resolver once per gene reference, whichever surface asks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import gnn.runs
from gnn.runs import RunService
from kg import queries
from kg.errors import KGError
from kg.ids import Ambiguous
from kg.schema import NodeLabel
from kg.store import Neo4jStore


@pytest.fixture()
def counting(store: Neo4jStore) -> tuple[Callable[[Callable[[Neo4jStore], Any]], Any], list[str]]:
    store.merge_nodes(
        NodeLabel.GENE,
        [
            {"id": "NCBIGene:1", "symbol": "GENE1", "aliases": ["OLDNAME1"], "ensembl": "ENSG00000000001"},
            {"id": "NCBIGene:2", "symbol": "GENE2", "aliases": ["SHARED"]},
            {"id": "NCBIGene:3", "symbol": "GENE3", "aliases": ["SHARED"]},
        ],
    )
    calls: list[str] = []

    def read(query: Callable[[Neo4jStore], Any]) -> Any:
        calls.append(query.__name__)
        return query(store)

    gnn.runs._GENE_INDEXES.clear()
    return read, calls


def test_the_gene_resolver_is_built_once_per_fingerprint(counting: Any, tmp_path: Path) -> None:
    read, calls = counting
    first = RunService(tmp_path, read).gene_index("fp-a")
    assert first.resolve("oldname1") == "NCBIGene:1"
    assert first.resolve("ENSG00000000001") == "NCBIGene:1"
    assert isinstance(first.resolve("SHARED"), Ambiguous)
    assert calls == [queries.gene_symbols.__name__]
    # another surface in the same process: the same object, no read
    assert RunService(tmp_path, read, live=False).gene_index("fp-a") is first
    assert len(calls) == 1
    # a new process: the JSON cache under the home, no read
    gnn.runs._GENE_INDEXES.clear()
    again = RunService(tmp_path, None).gene_index("fp-a")
    assert again.resolve("OLDNAME1") == "NCBIGene:1" and len(calls) == 1
    # another gene reference is read anew
    RunService(tmp_path, read).gene_index("fp-b")
    assert len(calls) == 2


def test_no_graph_and_no_cache_is_a_clear_error(tmp_path: Path) -> None:
    gnn.runs._GENE_INDEXES.clear()
    with pytest.raises(KGError, match="no graph"):
        RunService(tmp_path, None).gene_index("fp-missing")
