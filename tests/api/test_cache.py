"""The whole-response cache: hits on the same normalised request, invalidated by `kg predict` and `kg etl run`."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cache import ResponseCache
from api.service import Service
from kg.predictions import PredictionStore
from kg.settings import Settings
from kg.store import Neo4jStore

QUERY = """query($d: String!) { candidateGenes(disease: $d, first: 5) { ... on CandidateConnection {
  edges { node { rank gene { symbol } evidence { ... on Evidence { overall } } } } } } }"""


def _post(client: TestClient, query: str, **variables: object) -> tuple[str | None, dict]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.headers.get("x-kg-cache"), response.json()


@pytest.mark.neo4j
def test_hits_misses_and_invalidation(served: Settings, store: Neo4jStore) -> None:
    settings = served.model_copy(update={"api": served.api.model_copy(update={"response_cache_recheck_s": 0.0})})
    with TestClient(create_app(settings, Service(settings))) as client:
        first, body = _post(client, QUERY, d="OMIM:100000")
        again, same = _post(client, QUERY, d="OMIM:100000")
        assert (first, again) == ("miss", "hit") and same == body and body["data"]["candidateGenes"]["edges"]
        reformatted = "  # the same query, written differently\n" + " ".join(QUERY.split())
        assert _post(client, reformatted, d="OMIM:100000")[0] == "hit"
        assert _post(client, QUERY, d="OMIM:100001")[0] == "miss"  # other variables
        metrics = client.get("/metrics").text
        assert 'kg_api_response_cache_total{result="hit"} 2.0' in metrics
        assert 'kg_api_response_cache_total{result="miss"} 2.0' in metrics

        # `kg etl run` (a source reloaded) invalidates
        store.mark_source("hpo", "loaded", {"fingerprint": "reloaded", "release": "r2", "version": "v2"})
        assert _post(client, QUERY, d="OMIM:100000")[0] == "miss"
        assert _post(client, QUERY, d="OMIM:100000")[0] == "hit"

        # `kg predict` (a new current model) invalidates
        predictions = PredictionStore(settings.home / "predictions.sqlite")
        current = predictions.current_model()
        assert current is not None
        rows, _ = predictions.for_disease("OMIM:100000", 100, 0, True)
        predictions.replace({**current, "model_version": "next"}, rows)
        time.sleep(1.1)  # the service re-reads the current model at most once a second
        assert _post(client, QUERY, d="OMIM:100000")[0] == "miss"

        # an answer with errors is never kept
        for _ in range(2):
            bad = client.post("/graphql", json={"query": "{ nope }"})
            assert "errors" in bad.json() and bad.headers.get("x-kg-cache") != "hit"


@pytest.mark.neo4j
def test_the_cache_can_be_switched_off(served: Settings) -> None:
    settings = served.model_copy(update={"api": served.api.model_copy(update={"response_cache": False})})
    with TestClient(create_app(settings, Service(settings))) as client:
        assert _post(client, QUERY, d="OMIM:100000")[0] is None
        assert _post(client, QUERY, d="OMIM:100000")[0] is None


def test_partial_answers_are_never_kept() -> None:
    cache = ResponseCache(2)
    generation = ("m1", "{}")
    key = cache.key(b'{"query": "{ a }"}', generation)
    assert key is not None and cache.get(key, generation) is None
    assert not cache.put(key, generation, b'{"data": {"a": {"code": "GRAPH_UNAVAILABLE"}}}')
    assert not cache.put(key, generation, b'{"data": null, "errors": [{"message": "x"}]}')
    assert cache.put(key, generation, b'{"data": {"a": 1}}') and cache.get(key, generation) == b'{"data": {"a": 1}}'
    assert cache.get(key, ("m2", "{}")) is None and len(cache) == 0  # a new generation empties it
    assert cache.key(b'{"query": "mutation { x }"}', generation) is None
    assert cache.key(b"not json", generation) is None
    for i in range(3):  # bounded LRU
        k = cache.key(f'{{"query": "{{ a{i} }}"}}'.encode(), ("m2", "{}"))
        assert k is not None
        cache.get(k, ("m2", "{}"))
        cache.put(k, ("m2", "{}"), b'{"data": {}}')
    assert len(cache) == 2
