"""The docs match the code: docs/schema.md's example queries run, read-only, on the default graph and
return rows (in ``tests/test_cli.py``, on the graph its end-to-end ``kg etl run`` loads), and
docs/architecture.md names only modules that exist."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from kg.cypher import run_read_only
from kg.store import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "schema.md"
BLOCK = re.compile(r"<!-- params: (\{.*?\}) -->\s*```cypher\n(.*?)```", re.S)
QUERIES = [(json.loads(p), q) for p, q in BLOCK.findall(DOC.read_text())]


def test_docs_have_queries() -> None:
    assert len(QUERIES) >= 6


def documented_queries_fail(store: Neo4jStore) -> list[str]:
    """The documented queries that fail or return no rows on the default graph (empty: all good).

    Called by the CLI's end-to-end test on the graph `kg etl run` just loaded, so that the
    suite loads the default graph once.
    """
    failed = []
    for params, query in QUERIES:
        try:
            result = run_read_only(store, query, params)
        except Exception as e:  # noqa: BLE001 - reported with the query
            failed.append(f"{query}\n  -> {type(e).__name__}: {e}")
            continue
        if not (result.columns and result.rows) or result.truncated:
            failed.append(f"{query}\n  -> {len(result.rows)} rows, truncated={result.truncated}")
    rows = run_read_only(
        store, "MATCH (g:Gene)-[:ASSOCIATED_WITH]->(:Disease {id: 'OMIM:154700'}) RETURN g.symbol"
    ).rows
    if ["FBN1"] not in rows:
        failed.append(f"Marfan syndrome's genes are {rows}, without FBN1")
    return failed


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


def test_the_architecture_page_names_only_modules_that_exist() -> None:
    """docs/architecture.md is the map of the house: every path it names is there."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = {m.rstrip("/") for m in re.findall(r"`((?:kg|etl|gnn|api|tests|bench)/[A-Za-z0-9_/.-]*)`", text)}
    assert len(named) > 30
    assert not [p for p in sorted(named) if not (ROOT / p).exists()]


def test_every_module_names_its_concept_in_its_docstring() -> None:
    missing = [
        str(f.relative_to(ROOT))
        for pkg in ("kg", "etl", "gnn", "api")
        for f in sorted((ROOT / pkg).rglob("*.py"))
        if not (ast.get_docstring(ast.parse(f.read_text())) or "").strip()
    ]
    assert missing == []
