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


def test_compose_runs_replicas_behind_a_proxy_with_their_own_prediction_copies() -> None:
    import yaml

    compose = yaml.safe_load((Path(__file__).parents[1] / "docker-compose.yml").read_text())
    api, proxy = compose["services"]["api"], compose["services"]["proxy"]
    assert "replicas" in api["deploy"] and "ports" not in api  # only the proxy is published
    env = api["environment"]
    assert not env["KG_PREDICTIONS_FILE"].startswith(env["KG_HOME"])  # not on the shared volume
    assert env["KG_NEO4J_URI"].startswith("neo4j://") and float(env["KG_API__PREDICTIONS_SYNC_S"]) > 0
    nginx = compose["configs"][proxy["configs"][0]["source"]]["content"]
    assert "server api:8000" in nginx and "proxy_pass http://kg_api;" in nginx
