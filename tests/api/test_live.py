"""The API against the live Neo4j: pages, evidence, no N+1, degraded mode, the real server over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Service
from kg import local_neo4j
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore
from tests.api.conftest import serve_http

pytestmark = pytest.mark.neo4j

PAGE = """query($d: String!, $n: Int!, $after: String) {
  candidateGenes(disease: $d, first: $n, after: $after, includeKnown: true) {
    __typename
    ... on CandidateConnection { totalCount modelVersion pageInfo { hasNextPage endCursor }
      edges { cursor node { rank known score percentile synthetic gene { id symbol name }
        evidence { __typename ... on Evidence { overall datatypes { datatype score source } }
                   ... on Unavailable { code } } } } } } }"""


@pytest.fixture()
def client(served: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(served, Service(served))) as c:
        yield c


def gql(client: TestClient | httpx.Client, query: str, **variables: object) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_pages_evidence_and_round_trips_do_not_grow_with_page_size(client: TestClient) -> None:
    service = client.app.state.kg["service"]  # type: ignore[attr-defined]
    service.cache_generation = lambda: None  # count GraphQL's own round trips (no response cache here)
    trips = []
    for n in (3, 50):
        before = service.round_trips
        page = gql(client, PAGE, d="OMIM:100000", n=n)["candidateGenes"]
        trips.append(service.round_trips - before)
        assert len(page["edges"]) == min(n, page["totalCount"])
    assert page["totalCount"] == len(page["edges"]) >= 40  # the whole ranking fits in one page of 50
    assert trips[0] == trips[1] <= 2, trips  # one evidence batch + one gene batch, whatever the page size
    known = [e["node"] for e in page["edges"] if e["node"]["known"]]
    assert known and all(
        k["evidence"]["datatypes"][0] == {"datatype": "curated_association", "score": 1.0, "source": "hpo"}
        and k["evidence"]["overall"] == 1.0  # one curated link is full support, not 0.608
        for k in known
    )
    nodes = [e["node"] for e in page["edges"]]
    assert [n["rank"] for n in nodes] == list(range(1, len(nodes) + 1))  # one rank per position, known genes mixed in
    assert [n["score"] for n in nodes] == sorted((n["score"] for n in nodes), reverse=True)
    percentiles = [n["percentile"] for n in nodes]
    assert percentiles == sorted(percentiles, reverse=True) and 0 <= percentiles[-1] < percentiles[0] < 100
    assert not any(n["synthetic"] for n in nodes)
    new = [e["node"] for e in page["edges"] if not e["node"]["known"]]
    assert new and all(n["evidence"] == {"__typename": "Evidence", "overall": 0.0, "datatypes": []} for n in new)
    first = gql(client, PAGE, d="OMIM:100000", n=4)["candidateGenes"]
    second = gql(client, PAGE, d="OMIM:100000", n=4, after=first["pageInfo"]["endCursor"])["candidateGenes"]
    ids = [e["node"]["gene"]["id"] for e in first["edges"] + second["edges"]]
    assert len(set(ids)) == 8 and ids == [e["node"]["gene"]["id"] for e in page["edges"][:8]]


def test_lookup_aliases_not_found_and_explain(client: TestClient) -> None:
    gene = gql(client, '{ gene(symbol: "oldname1") { __typename ... on Gene { id symbol } } }')["gene"]
    assert gene == {"__typename": "Gene", "id": "NCBIGene:1", "symbol": "GENE1"}
    for key in ("ncbigene:1", "ENSG00000000001.3"):
        assert gql(client, "query($k: String!) { gene(id: $k) { ... on Gene { id } } }", k=key)["gene"] == {
            "id": "NCBIGene:1"
        }
    shared = gql(client, '{ gene(symbol: "shared") { __typename ... on Ambiguous { code candidates } } }')["gene"]
    assert shared == {"__typename": "Ambiguous", "code": "AMBIGUOUS", "candidates": ["GENE2", "GENE3"]}
    lower = gql(
        client,
        '{ disease(id: "omim:100000") { __typename ... on Disease { id } } '
        'candidateGenes(disease: "omim:100000", first: 1) { __typename } }',
    )
    assert lower == {
        "disease": {"__typename": "Disease", "id": "OMIM:100000"},
        "candidateGenes": {"__typename": "CandidateConnection"},
    }
    by_alias = gql(
        client,
        '{ explain(gene: "OLDNAME1", disease: "omim:100000") { __typename ... on Explanation { gene { id } } } }',
    )["explain"]
    assert by_alias == {"__typename": "Explanation", "gene": {"id": "NCBIGene:1"}}
    ambiguous = gql(client, '{ explain(gene: "SHARED", disease: "OMIM:100000") { __typename } }')["explain"]
    assert ambiguous == {"__typename": "Ambiguous"}
    limits = gql(
        client,
        '{ explain(gene: "GENE1", disease: "OMIM:100000", topK: 21) { ... on BadInput { code message } } '
        "candidateGenesForPhenotypes(phenotypes: []) { ... on BadInput { message } } }",
    )
    assert limits["explain"] == {"code": "BAD_INPUT", "message": "topK must be between 1 and 20, got 21"}
    assert limits["candidateGenesForPhenotypes"] == {"message": "give between 1 and 100 HPO terms, got 0"}
    search = "query($t: String!) { search(text: $t, first: 5) { __typename ... on SearchHits { items { id name } } } }"
    exact = gql(client, search, t="gene1")["search"]["items"]
    assert exact[0] == {"id": "NCBIGene:1", "name": "GENE1"} and len(exact) == 5  # before GENE10…GENE19
    assert gql(client, search, t="OLDNAME1")["search"]["items"][0]["id"] == "NCBIGene:1"  # an alias
    operators = gql(client, search, t="syndrome AND 1")["search"]  # Lucene words are text, not syntax
    assert operators["__typename"] == "SearchHits" and operators["items"][0]["name"] == "syndrome 1"
    assert gql(client, search, t='AND OR "(')["search"] == {"__typename": "SearchHits", "items": []}
    missing = gql(client, '{ gene(symbol: "GENE48X") { ... on NotFound { code closeMatches } } }')["gene"]
    assert missing["code"] == "NOT_FOUND" and "GENE48" in missing["closeMatches"]
    disease = gql(
        client,
        '{ disease(id: "OMIM:100000") { ... on Disease { name phenotypes { ... on Phenotypes { items { id } } } '
        "knownGenes { ... on KnownGenes { items { symbol } } } } } }",
    )["disease"]
    assert disease["name"] == "syndrome 0" and disease["phenotypes"]["items"] and disease["knownGenes"]["items"]
    explained = gql(
        client,
        '{ explain(gene: "GENE1", disease: "OMIM:100000", topK: 3) { __typename ... on Explanation { '
        "paths { hops relations kind value weight nodes { id } } "
        "evidence { score probability gate parts { feature value contribution kind } } "
        "} } }",
    )["explain"]
    evidence = explained["evidence"]  # the served score is the sum of its paths' shares and the baseline
    assert sum(p["contribution"] for p in evidence["parts"]) == pytest.approx(evidence["score"], rel=1e-5)
    assert "baseline (no path)" in {p["feature"] for p in evidence["parts"]}
    assert evidence["gate"] > 0 and 0 < evidence["probability"] <= 1
    assert explained["__typename"] == "Explanation" and 1 <= len(explained["paths"]) <= 3
    paths = explained["paths"]
    assert all(p["nodes"][-1]["id"] == "OMIM:100000" and p["nodes"][0]["id"] == "NCBIGene:1" for p in paths)
    assert paths == sorted(paths, key=lambda p: -p["weight"])
    for p in paths:
        assert p["kind"] in {"similar disease", "interaction partner", "shared GO term"}
        if p["kind"] == "similar disease":  # the similar disease is another one, its value a cosine
            assert p["nodes"][1]["id"] != "OMIM:100000" and 0 < p["value"] <= 1
    ranked = gql(
        client,
        '{ candidateGenesForPhenotypes(phenotypes: ["HP:0001021"], first: 5) '
        "{ ... on PhenotypeRanking { genes { rank } } } }",
    )["candidateGenesForPhenotypes"]
    assert [g["rank"] for g in ranked["genes"]] == [1, 2, 3, 4, 5]
    strict = gql(
        client,
        '{ candidateGenes(disease: "OMIM:100000", minScore: 2.0) '
        "{ __typename ... on CandidateConnection { totalCount } } "
        'unknown: candidateGenes(disease: "OMIM:10000") { __typename ... on NotFound { closeMatches } } '
        'gene(symbol: "GENE2") { ... on Gene { predictedDiseases(first: 2) { __typename '
        "... on PredictedDiseases { modelVersion items { rank score disease { id name } } } } "
        "tooMany: predictedDiseases(first: 101) { __typename ... on BadInput { message } } } } }",
    )
    assert strict["candidateGenes"] == {"__typename": "CandidateConnection", "totalCount": 0}  # filtered, not unknown
    assert strict["unknown"]["__typename"] == "NotFound" and strict["unknown"]["closeMatches"][0].startswith(
        "OMIM:1000"
    )
    predicted = strict["gene"]["predictedDiseases"]["items"]
    assert predicted and all(p["disease"]["id"].startswith("OMIM:") and p["disease"]["name"] for p in predicted)
    assert [p["score"] for p in predicted] == sorted((p["score"] for p in predicted), reverse=True)
    assert strict["gene"]["tooMany"] == {
        "__typename": "BadInput",
        "message": "first must be between 1 and 100, got 101",
    }


def test_degraded_mode_and_recovery(client: TestClient, neo4j_server: local_neo4j.ServerConfig) -> None:
    assert client.get("/readyz").status_code == 200
    local_neo4j.stop(neo4j_server)
    try:
        page = gql(client, PAGE, d="OMIM:100000", n=5)["candidateGenes"]
        assert page["__typename"] == "CandidateConnection" and len(page["edges"]) == 5  # predictions still served
        assert {e["node"]["evidence"]["__typename"] for e in page["edges"]} == {"Unavailable"}
        assert page["edges"][0]["node"]["evidence"]["code"] == "GRAPH_UNAVAILABLE"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and not ready.json()["graph"]["ok"] and ready.json()["model"]["ok"]
    finally:
        local_neo4j.start(neo4j_server)
    back = time.monotonic()  # the same app, no restart (bench/neo4j_outage.py times the recovery under load)
    while True:
        page = gql(client, PAGE, d="OMIM:100000", n=5)["candidateGenes"]
        kinds = {e["node"]["evidence"]["__typename"] for e in page["edges"]}
        if kinds == {"Evidence"} or time.monotonic() - back > 15.0:  # cold plans: graph_probe_timeout_s
            break
        assert kinds == {"Unavailable"}  # typed while it recovers, never an error
        time.sleep(0.1)
    assert kinds == {"Evidence"}, f"graph fields still unavailable {time.monotonic() - back:.1f} s after Neo4j is back"
    assert client.get("/readyz").status_code == 200


def test_kg_serve_over_http(served: Settings) -> None:
    with serve_http(served) as base, httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/readyz").json()["ready"]
        page = gql(http, PAGE, d="OMIM:100001", n=5)["candidateGenes"]
        assert page["totalCount"] > 0 and page["edges"][0]["node"]["rank"] >= 1
        assert 'kg_api_requests_total{path="/graphql",status="200"}' in http.get("/metrics").text


def test_evidence_stored_at_predict_time_is_served_while_the_graph_has_its_sources(
    served: Settings, store: Neo4jStore
) -> None:
    from kg import queries
    from kg.predictions import PredictionStore, store_evidence
    from kg.schema import RelType
    from tests.gnn.test_end_to_end import _edge

    predictions = PredictionStore(served.home / "predictions.sqlite")
    version = predictions.current_model()["model_version"]  # type: ignore[index]
    pairs = predictions.pairs(version)
    assert store_evidence(store, predictions, version) == len(pairs)
    fresh = load_settings(
        neo4j_uri=served.neo4j_uri,
        home=served.home,
        api={"model_dir": str(served.api.model_dir), "response_cache_recheck_s": 0, "evidence_ttl_s": 0},
    )
    service = Service(fresh, load_model=False)
    sample = pairs[:40]
    assert service.evidence(sample) == queries.evidence(store, sample)  # the same rows, JSON round trip
    new = next(p for p in pairs if not queries.evidence(store, [p])[p])
    # a relationship written without a source load: the stored evidence (same graph state) is still served
    store.merge_edges(RelType.ASSOCIATED_WITH, [_edge(new[0], new[1], source="late")])
    assert service.evidence([new])[new] == []
    # a source load changes the graph state: evidence comes from the graph again, with the new edge
    store.mark_source("late", "loaded", {"fingerprint": "x", "release": "r2", "version": "v2"})
    assert [r["props"]["source"] for r in service.evidence([new])[new]] == ["late"]
    service.close()
