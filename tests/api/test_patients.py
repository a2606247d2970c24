"""A patient over GraphQL: genes and a differential diagnosis from terms or a real phenopacket; bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Service
from kg.schema import NodeLabel, RelType
from kg.settings import Settings
from kg.store import Neo4jStore
from tests.api.test_live import gql
from tests.gnn.test_end_to_end import _edge
from tests.gnn.test_patients import AGAINST, MARFAN, PHENOPACKET

pytestmark = pytest.mark.neo4j

PATIENT = """query($p: PatientInput!, $first: Int!) {
  candidateGenesForPatient(patient: $p, first: $first) { __typename
    ... on PatientGenes { modelVersion observed excluded notes genes { rank score logit gene { id symbol } } }
    ... on BadInput { message } ... on NotFound { message closeMatches } }
  differentialDiagnosis(patient: $p, first: $first) { __typename
    ... on Diagnosis { observed excluded diseases { rank score similarity bestMatch exclusionFactor equivalents
      disease { id name } matched { id weight matchedAs } excludedPresent { id weight } missingFrequent { id }
      genes { id symbol } } }
    ... on BadInput { message } ... on NotFound { message } } }"""


@pytest.fixture()
def client(served_patient: Settings, store: Neo4jStore) -> Iterator[TestClient]:
    # Marfan's Orphanet twin: one entry in the diagnosis
    store.merge_nodes(NodeLabel.DISEASE, [{"id": "MONDO:0007947"}, {"id": "ORPHA:558", "name": "Marfan syndrome"}])
    store.merge_edges(RelType.SAME_AS, [_edge(MARFAN, "MONDO:0007947"), _edge("ORPHA:558", "MONDO:0007947")])
    with TestClient(create_app(served_patient, Service(served_patient))) as c:
        yield c


def test_a_real_phenopacket_gets_genes_and_a_diagnosis(client: TestClient) -> None:
    data = gql(client, PATIENT, p={"phenopacket": PHENOPACKET.read_text()}, first=5)
    genes, dx = data["candidateGenesForPatient"], data["differentialDiagnosis"]
    assert genes["__typename"] == "PatientGenes" and len(genes["genes"]) == 5
    assert [g["rank"] for g in genes["genes"]] == [1, 2, 3, 4, 5]
    assert len(genes["observed"]) == 7 and len(genes["excluded"]) == 11
    top = dx["diseases"][0]
    assert top["disease"] == {"id": MARFAN, "name": "Marfan syndrome"}
    assert top["equivalents"] == ["MONDO:0007947", "ORPHA:558"]
    assert {t["id"]: t["weight"] for t in top["excludedPresent"]} == pytest.approx(AGAINST)
    assert top["score"] == pytest.approx(top["similarity"] * top["bestMatch"] * top["exclusionFactor"])
    assert top["genes"] == [{"id": "NCBIGene:1", "symbol": "GENE1"}]


def test_observed_and_excluded_terms_answer_like_the_phenopacket(client: TestClient) -> None:
    doc = json.loads(PHENOPACKET.read_text())
    observed = [f["type"]["id"] for f in doc["phenotypicFeatures"] if not f.get("excluded")]
    excluded = [f["type"]["id"] for f in doc["phenotypicFeatures"] if f.get("excluded")]
    by_terms = gql(client, PATIENT, p={"observed": observed, "excluded": excluded}, first=5)
    by_file = gql(client, PATIENT, p={"phenopacket": PHENOPACKET.read_text()}, first=5)
    # the phenopacket says which HPO release annotated it: a note; the answer is the same
    assert by_file["candidateGenesForPatient"].pop("notes") == ["annotated with HPO 2025-10-22; the graph has HPO v"]
    assert by_terms["candidateGenesForPatient"].pop("notes") == []
    assert by_terms == by_file
    without = gql(client, PATIENT, p={"observed": observed}, first=5)["differentialDiagnosis"]["diseases"]
    marfan = next(d for d in without if d["disease"]["id"] == MARFAN)
    assert (
        marfan["exclusionFactor"] == 1.0 and marfan["score"] > by_file["differentialDiagnosis"]["diseases"][0]["score"]
    )


BAD = [
    ({"phenopacket": "{not json"}, "malformed JSON"),
    ({"observed": ["MP:0001234"]}, "$.observed[0]: 'MP:0001234' is not an HPO term"),
    ({"observed": [], "excluded": ["HP:0001166"]}, "no observed phenotype"),
    ({"phenopacket": '{"phenotypicFeatures": [{"type": {"id": "HP:1"}}]}'}, "$.phenotypicFeatures[0].type.id"),
    ({"observed": ["HP:0001166"], "phenopacket": "{}"}, "not both"),
    ({"observed": ["HP:9999999"]}, "none of the observed terms (HP:9999999)"),
]


def test_bad_patients_are_typed_errors_naming_the_field(client: TestClient) -> None:
    for patient, message in BAD:
        data = gql(client, PATIENT, p=patient, first=5)
        for field in ("candidateGenesForPatient", "differentialDiagnosis"):
            assert data[field]["__typename"] == "BadInput", (patient, data[field])
            assert message in data[field]["message"], (patient, data[field])
    data = gql(client, PATIENT, p={"observed": ["HP:0001166"]}, first=0)
    assert data["differentialDiagnosis"]["__typename"] == "BadInput"
