"""The service's graph circuit breaker: fail at once while Neo4j is unreachable, recover by itself."""

from __future__ import annotations

import socket
import time

import pytest

from api.service import GraphDown, Service
from kg import local_neo4j, queries
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore


def _closed_port() -> int:
    with socket.socket() as s:  # bound then released: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.neo4j
def test_breaker_fails_fast_while_unreachable_and_closes_when_neo4j_answers(
    neo4j_server: local_neo4j.ServerConfig, tmp_path: object
) -> None:
    settings: Settings = load_settings(
        neo4j_uri=f"bolt://127.0.0.1:{_closed_port()}", home=tmp_path, api={"graph_retry_s": 0.5}
    )
    service = Service(settings, load_model=False)
    try:
        with pytest.raises(GraphDown):
            service.graph(queries.ping)  # the driver finds nobody there (within neo4j_timeout_s)
        started = time.monotonic()
        for _ in range(50):
            with pytest.raises(GraphDown):
                service.graph(queries.ping)
        assert time.monotonic() - started < 0.5  # open: no driver, no retries
        assert service.graph_state() is None

        service.store.close()
        service.store = Neo4jStore(neo4j_server.uri)  # Neo4j is back (the real server)
        with pytest.raises(GraphDown):
            service.graph(queries.ping)  # still inside the window
        time.sleep(0.6)
        assert service.graph(queries.ping) >= 0  # the probe gets through and closes the breaker
        assert service.graph(queries.ping) >= 0
    finally:
        service.close()
