"""The service's graph circuit breaker: fail at once while Neo4j is unreachable, recover by itself."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from api.breaker import GraphDown
from api.service import Service
from kg import local_neo4j, queries
from kg.predictions import PredictionStore
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

        breaker = service.breaker
        for store in (breaker.store, breaker.patient):
            store.close()
        breaker.store = Neo4jStore(neo4j_server.uri)  # Neo4j is back (the real server)
        breaker.patient = Neo4jStore(neo4j_server.uri)  # (the first read of each query after an outage)
        with pytest.raises(GraphDown):
            service.graph(queries.ping)  # still inside the window
        time.sleep(0.6)
        before = breaker.store.round_trips
        assert service.graph(queries.ping) >= 0  # the probe gets through and closes the breaker
        assert breaker.store.round_trips == before  # (patiently: the server may be cold)
        assert not breaker.tripped
        assert service.graph(queries.ping) >= 0
        assert breaker.store.round_trips == before + 1  # warm: the quick store again
    finally:
        service.close()


REPLICA_QUERY = """query($d: String!) { candidateGenes(disease: $d, first: 50, includeKnown: true) {
  ... on CandidateConnection { totalCount edges { node { rank score known percentile gene { id symbol }
  evidence { ... on Evidence { overall } } } } } } }"""


@pytest.mark.neo4j
def test_a_replica_without_local_predictions_serves_the_published_set(served: Settings, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    replica = served.model_copy(update={"home": tmp_path / "replica"})
    assert not (replica.home / "predictions.sqlite").exists()
    answers = []
    for settings in (served, replica):  # the primary ran `kg predict`; the replica only shares Neo4j
        with TestClient(create_app(settings, Service(settings, load_model=False))) as client:
            response = client.post("/graphql", json={"query": REPLICA_QUERY, "variables": {"d": "OMIM:100000"}})
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            answers.append(response.json())
    assert answers[0]["data"]["candidateGenes"]["totalCount"] > 0
    assert answers[1] == answers[0]
    current = PredictionStore(replica.home / "predictions.sqlite").current_model()
    assert (
        current is not None
        and current["model_version"]
        == PredictionStore(served.home / "predictions.sqlite").current_model()["model_version"]
    )  # type: ignore[index]


def test_a_replica_starts_quickly_while_neo4j_is_down(tmp_path: Path) -> None:
    settings = load_settings(
        neo4j_uri=f"bolt://127.0.0.1:{_closed_port()}", home=tmp_path, api={"neo4j_timeout_s": 0.5}
    )
    service = Service(settings, load_model=False)
    try:
        started = time.monotonic()
        service.start_sync()  # the pull at start-up gives up like a request would, not after 15 s of retries
        assert time.monotonic() - started < 3.0
        assert service.predictions.current_model() is None
    finally:
        service.close()
