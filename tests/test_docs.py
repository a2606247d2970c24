"""The example queries in docs/schema.md run, read-only, on the default graph and return rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from etl.load import load_results
from etl.pipeline import build_release
from kg.cypher import run_read_only
from kg.settings import EtlSettings
from kg.store import Neo4jStore

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
BLOCK = re.compile(r"<!-- params: (\{.*?\}) -->\s*```cypher\n(.*?)```", re.S)
QUERIES = [(json.loads(p), q) for p, q in BLOCK.findall(DOC.read_text())]


@pytest.fixture(scope="module")
def default_graph(neo4j_server, tmp_path_factory: pytest.TempPathFactory) -> Neo4jStore:
    with Neo4jStore(neo4j_server.uri) as store:
        store.clear()
        report = build_release({}, EtlSettings(), tmp_path_factory.mktemp("home"))
        load_results(store, report.release, report.results, EtlSettings())
        yield store


def test_docs_have_queries() -> None:
    assert len(QUERIES) >= 6


@pytest.mark.parametrize(("params", "query"), QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_documented_query(default_graph: Neo4jStore, params: dict, query: str) -> None:
    result = run_read_only(default_graph, query, params)
    assert result.columns and result.rows and not result.truncated, query


def test_marfan_is_fbn1(default_graph: Neo4jStore) -> None:
    rows = run_read_only(
        default_graph, "MATCH (g:Gene)-[:ASSOCIATED_WITH]->(:Disease {id: 'OMIM:154700'}) RETURN g.symbol"
    ).rows
    assert ["FBN1"] in rows
