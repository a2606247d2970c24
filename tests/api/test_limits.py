"""Schema drift, limits, masking and API keys (no database needed: refused before resolvers run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.sdl import COMMITTED, sdl
from api.service import Service
from kg.settings import load_settings


def test_committed_sdl_matches_the_code() -> None:
    assert COMMITTED.read_text() == sdl(), "schema drifted: run `python -m api.sdl > api/schema.graphql`"


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(
        neo4j_uri="bolt://127.0.0.1:1", home=tmp_path, api={"model_dir": str(tmp_path / "none"), "max_cost": 500}
    )
    with TestClient(create_app(settings, Service(settings))) as c:
        yield c


def gql(client: TestClient, query: str, **variables: object) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def messages(body: dict) -> str:
    return " | ".join(e["message"] for e in body.get("errors", []))


def test_depth_limit_counts_through_fragments(client: TestClient) -> None:
    deep = (
        '{ disease(id: "X") { ... on Disease { candidateGenes { ... on CandidateConnection { edges { node {'
        " gene { predictedDiseases { gene { predictedDiseases { gene { id } } } } } } } } } } } }"
    )
    assert "exceeds maximum operation depth" in messages(gql(client, deep))
    hidden = """
    fragment F on Gene { predictedDiseases { gene { predictedDiseases { gene { predictedDiseases { gene {
        predictedDiseases { gene { id } } } } } } } } }
    { gene(symbol: "A") { ... on Gene { ...F } } }"""
    assert "exceeds maximum operation depth" in messages(gql(client, hidden))


def test_alias_limit_sees_aliases_hidden_in_fragment_spreads(client: TestClient) -> None:
    many = " ".join(f"a{i}: __typename" for i in range(10))
    body = gql(client, f"fragment F on Query {{ {many} }} fragment G on Query {{ {many} }} {{ ...F ...G }}")
    assert "aliases found" in messages(body)
    assert body.get("data") is None  # refused before anything ran


def test_token_limit(client: TestClient) -> None:
    huge = "{ " + " ".join("__typename" for _ in range(2000)) + " }"
    assert "token" in messages(gql(client, huge)).lower()


def test_cyclic_fragments_are_refused_not_looped(client: TestClient) -> None:
    body = gql(client, "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }")
    assert "Cannot spread fragment" in messages(body)


def test_cost_limit_is_reported_and_enforced(client: TestClient) -> None:
    cheap = gql(client, "{ model { version } }")
    assert cheap["extensions"]["cost"] == {"requested": 2, "limit": 500}
    pricey = """{ candidateGenes(disease: "X", first: 100) { ... on CandidateConnection { edges { node {
        gene { id symbol } evidence { __typename } explanation { __typename } } } } } }"""
    body = gql(client, pricey)
    assert "query cost" in messages(body) and "exceeds the limit of 500" in messages(body)
    assert body["data"] is None
    via_variable = gql(
        client,
        'query($n: Int!) { candidateGenes(disease: "X", first: $n) { ... on CandidateConnection { totalCount } } }',
        n=1000,
    )
    assert via_variable["extensions"]["cost"]["requested"] > 1000  # variables count too


def test_first_is_capped_with_a_typed_error(client: TestClient) -> None:
    body = gql(client, '{ search(text: "x", first: 101) { __typename ... on BadInput { code message } } }')
    assert body["data"]["search"] == {
        "__typename": "BadInput",
        "code": "BAD_INPUT",
        "message": "first must be between 1 and 100, got 101",
    }


def test_unexpected_errors_are_masked(client: TestClient) -> None:
    service = client.app.state.kg["service"]  # type: ignore[attr-defined]

    def boom() -> None:
        raise RuntimeError("MATCH (n) at bolt://secret-host:7687 Traceback")

    service.predictions.current_model = boom
    body = gql(client, '{ candidateGenes(disease: "OMIM:1") { __typename } }')
    text = str(body)
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret-host" not in text and "MATCH" not in text and "Traceback" not in text


def test_graph_down_is_typed_and_readiness_says_why(client: TestClient) -> None:
    body = gql(client, '{ search(text: "fbn1") { __typename ... on Unavailable { code } } }')
    assert body["data"]["search"] == {"__typename": "Unavailable", "code": "GRAPH_UNAVAILABLE"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert not ready.json()["graph"]["ok"] and "model not loaded" in ready.json()["model"]["reason"]
    assert client.get("/healthz").json() == {"status": "ok"}


def test_api_keys(tmp_path: Path) -> None:
    settings = load_settings(
        neo4j_uri="bolt://127.0.0.1:1", home=tmp_path, api={"api_keys": ["s3cret"], "model_dir": "none"}
    )
    with TestClient(create_app(settings, Service(settings, load_model=False))) as c:
        query = {"query": "{ __typename }"}
        assert c.post("/graphql", json=query).status_code == 401
        assert c.post("/graphql", json=query, headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.post("/graphql", json=query, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.post("/graphql", json=query, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/metrics").status_code == 401
        assert c.get("/healthz").status_code == 200  # probes stay open
        metrics = c.get("/metrics", headers={"X-API-Key": "s3cret"}).text
        assert 'kg_api_requests_total{path="/graphql",status="401"} 2.0' in metrics


def test_graphiql_off_in_production(tmp_path: Path) -> None:
    settings = load_settings(
        neo4j_uri="bolt://127.0.0.1:1", home=tmp_path, environment="production", neo4j_password="a-real-secret"
    )
    with TestClient(create_app(settings, Service(settings, load_model=False))) as c:
        assert c.get("/graphql", headers={"Accept": "text/html"}).status_code in (404, 405)
    local = load_settings(neo4j_uri="bolt://127.0.0.1:1", home=tmp_path)
    with TestClient(create_app(local, Service(local, load_model=False))) as c:
        assert "graphiql" in c.get("/graphql", headers={"Accept": "text/html"}).text.lower()


def test_introspection_is_depth_limited_and_can_be_switched_off(client: TestClient, tmp_path: Path) -> None:
    from graphql import get_introspection_query

    standard = gql(client, get_introspection_query())  # what GraphiQL and codegen tools send
    assert "errors" not in standard and standard["data"]["__schema"]["queryType"]["name"] == "Query"
    nested = "ofType { " * 12 + "name" + " }" * 12
    deep = gql(client, f"{{ __schema {{ types {{ fields {{ type {{ {nested} }} }} }} }} }}")
    assert "introspection depth 17 exceeds the limit of 15" in messages(deep) and deep.get("data") is None
    hidden = gql(
        client, f"fragment T on __Type {{ {nested} }} {{ __schema {{ types {{ fields {{ type {{ ...T }} }} }} }} }}"
    )
    assert "exceeds the limit" in messages(hidden)  # fragments are expanded
    settings = load_settings(
        neo4j_uri="bolt://127.0.0.1:1", home=tmp_path, api={"model_dir": str(tmp_path / "none"), "introspection": False}
    )
    with TestClient(create_app(settings, Service(settings))) as closed:
        off = gql(closed, '{ __type(name: "Gene") { name } }')
        assert "introspection is disabled" in messages(off)
        assert gql(closed, "{ __typename }")["data"] == {"__typename": "Query"}


def test_without_a_model_or_predictions_the_errors_are_typed(client: TestClient) -> None:
    body = gql(
        client,
        '{ candidateGenes(disease: "OMIM:154700") { __typename ... on Unavailable { code message } } '
        'explain(gene: "FBN1", disease: "OMIM:154700") { __typename ... on Unavailable { code } } '
        'candidateGenesForPhenotypes(phenotypes: ["HP:0001166"]) { __typename ... on Unavailable { code } } '
        'badCursor: candidateGenes(disease: "OMIM:154700", after: "not-a-cursor") '
        "{ __typename ... on BadInput { message } } }",
    )["data"]
    assert body["candidateGenes"] == {
        "__typename": "Unavailable",
        "code": "MODEL_UNAVAILABLE",
        "message": "no predictions written yet (run `kg predict`)",
    }
    assert body["explain"] == {"__typename": "Unavailable", "code": "MODEL_UNAVAILABLE"}
    assert body["candidateGenesForPhenotypes"] == {"__typename": "Unavailable", "code": "MODEL_UNAVAILABLE"}
    assert body["badCursor"] == {"__typename": "BadInput", "message": "after: not a cursor returned by this API"}
