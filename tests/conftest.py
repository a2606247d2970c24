"""Shared fixtures: the real local Neo4j server, an empty store, small sources.

Integration tests (marked ``neo4j``) run against the real Neo4j 5.26 server: the one CI
started (``KG_TEST_NEO4J_HOME`` + ``KG_NEO4J_URI``) or, when those are unset, one this
session starts itself on a free port in a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.cohorts import CohortTable
from etl.genemap import GeneResolver
from etl.io import LocalFile, fetch
from etl.rejects import Rejects
from etl.sources import REGISTRY, SourceContext
from kg import local_neo4j
from kg.schema import Node, NodeLabel
from kg.settings import EtlSettings
from kg.store import Neo4jStore

FIXTURES = Path(__file__).parent / "fixtures"
# `kg explain`/`kg rank` start a background model worker; tests that want one turn it on themselves
os.environ.setdefault("KG_WORKER", "0")
# the suite clears and reloads graphs many times: keep little transaction log (Neo4j keeps two days)
TX_LOG_RETENTION = "100M size"


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_neo4j.ServerConfig]:
    """The running real Neo4j server (started here unless CI started one)."""
    home = os.environ.get("KG_TEST_NEO4J_HOME")
    if home:
        uri = os.environ.get("KG_NEO4J_URI", "bolt://127.0.0.1:7687")
        port = int(uri.rsplit(":", 1)[1])
        config = local_neo4j.ServerConfig(
            home=Path(home), port=port, heap_mb=1024, pagecache_mb=512, tx_log_retention=TX_LOG_RETENTION
        )
        local_neo4j.start(config)
        yield config
        return
    config = local_neo4j.ServerConfig(
        home=tmp_path_factory.mktemp("neo4j"),
        port=local_neo4j.free_port(),
        heap_mb=1024,
        pagecache_mb=512,
        tx_log_retention=TX_LOG_RETENTION,
    )
    local_neo4j.start(config)
    yield config
    local_neo4j.stop(config)


@pytest.fixture()
def store(neo4j_server: local_neo4j.ServerConfig) -> Iterator[Neo4jStore]:
    """An empty graph on the real server (schema created)."""
    local_neo4j.start(neo4j_server)  # a previous test may have killed it
    with Neo4jStore(neo4j_server.uri, retry_s=2.0) as s:
        s.clear()
        s.ensure_schema()
        yield s


@pytest.fixture(scope="session")
def cohorts() -> CohortTable:
    """The shipped TCGA project table."""
    return CohortTable()


@pytest.fixture(scope="session")
def genes(tmp_path_factory: pytest.TempPathFactory) -> GeneResolver:
    """The resolver over the shipped real gene reference."""
    source = REGISTRY["genes"]
    loc = source.default_location()
    assert loc
    ctx = SourceContext("genes", [fetch(loc, tmp_path_factory.mktemp("cache"))], EtlSettings(), Rejects("genes"))
    return GeneResolver(r for r in source.read(ctx) if isinstance(r, Node) and r.label is NodeLabel.GENE)


def local(path: Path) -> LocalFile:
    """A LocalFile for a test file."""
    return fetch(str(path), path.parent)


def make_ctx(
    name: str,
    paths: list[Path],
    genes: GeneResolver | None = None,
    cohorts: CohortTable | None = None,
    **settings: object,
) -> SourceContext:
    """A SourceContext over test files."""
    etl = EtlSettings(**settings)  # type: ignore[arg-type]
    return SourceContext(
        name,
        [local(p) for p in paths],
        etl,
        Rejects(name, etl.max_reject_fraction, etl.max_rejects),
        genes,
        cohorts or CohortTable(),
    )
