"""One disease space on the live graph: equivalents share known genes, cohorts get candidates and evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Service
from gnn.export import export_graph
from gnn.inference import ModelContext
from gnn.model import ModelConfig
from gnn.pipeline import train_on_export
from gnn.train import TrainConfig
from kg import local_neo4j, queries
from kg.diseases import read_disease_space
from kg.export import ExportSpec
from kg.predictions import PredictionStore
from kg.schema import NodeLabel, RelType
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore
from tests.api.test_live import gql
from tests.gnn.test_end_to_end import load_planted

pytestmark = pytest.mark.neo4j

COHORT = "MONDO:0006256"  # TCGA-BRCA
CLASS = "MONDO:0000999"  # a MONDO class both planted syndromes 0 and 4 are exact matches of


def _edge(start: str, end: str, source: str, **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": source, "release": "r1", "source_version": "v", **props}}


def _genes(store: Neo4jStore, disease: str) -> set[str]:
    return {r["id"] for r in queries.known_genes(store, [disease])[disease] if r["via"] is None}


@pytest.fixture()
def spaced(store: Neo4jStore, neo4j_server: local_neo4j.ServerConfig, tmp_path: Path) -> Iterator[Settings]:
    load_planted(store)
    store.merge_nodes(
        NodeLabel.DISEASE,
        [{"id": COHORT, "name": "invasive breast carcinoma", "tcga_project": "TCGA-BRCA"}, {"id": CLASS}],
    )
    store.merge_edges(RelType.HEREDITARY_FORM, [_edge(COHORT, "OMIM:100000", "tcga-projects", relation="site")])
    same = [_edge(d, CLASS, "mondo", predicate="skos:exactMatch") for d in ("OMIM:100000", "OMIM:100004")]
    store.merge_edges(RelType.SAME_AS, same)
    mutated = sorted(_genes(store, "OMIM:100000"))[0]
    store.merge_edges(
        RelType.MUTATED_IN,
        [_edge(mutated, COHORT, "tcga-maf", n_mutated=3, n_samples=30, frequency=0.1, synthetic=True)],
    )
    home = tmp_path / "home"
    spec = ExportSpec(rel_types=(RelType.ASSOCIATED_WITH, RelType.HAS_PHENOTYPE, RelType.IS_A))
    graph, _ = export_graph(store, spec, home / "exports")
    run = tmp_path / "run"
    train_on_export(
        graph, run, ModelConfig(hidden=16, sketch_dim=16, dropout=0.0), TrainConfig(epochs=5, lr=0.01), "disease"
    )
    ctx = ModelContext(graph, run)
    rows = ctx.predict(top=45, space=read_disease_space(store))
    info = {"model_version": ctx.version, "graph_release": graph.graph_release, "release": graph.graph_release}
    PredictionStore(home / "predictions.sqlite").replace(info, rows)
    yield load_settings(neo4j_uri=neo4j_server.uri, home=home, api={"model_dir": str(run)})


@pytest.fixture()
def client(spaced: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(spaced, Service(spaced))) as c:
        yield c


CANDIDATES = """query($d: String!) { candidateGenes(disease: $d, first: 50, includeKnown: true) { __typename
  ... on CandidateConnection { edges { node { known via disease { id } gene { id }
      evidence { ... on Evidence { overall datatypes { datatype via synthetic } } } } } } } }"""


def test_equivalent_diseases_share_known_genes(client: TestClient, store: Neo4jStore) -> None:
    only_0 = _genes(store, "OMIM:100000") - _genes(store, "OMIM:100004")
    assert only_0, "the planted graph should give syndrome 0 a gene syndrome 4 lacks"
    edges = gql(client, CANDIDATES, d="OMIM:100004")["candidateGenes"]["edges"]
    by_gene = {e["node"]["gene"]["id"]: e["node"] for e in edges}
    for gene in only_0 & set(by_gene):
        assert by_gene[gene]["known"], f"{gene} is known for an exact-match equivalent, not a new candidate"
    known = gql(
        client,
        '{ disease(id: "OMIM:100004") { ... on Disease { knownGenes { ... on KnownGenes { items { id via } } } } } }',
    )
    vias = {i["id"]: i["via"] for i in known["disease"]["knownGenes"]["items"]}
    assert all(vias[g] == "OMIM:100000" for g in only_0)


def test_cohort_gets_candidates_with_evidence_through_its_hereditary_form(
    client: TestClient, store: Neo4jStore
) -> None:
    result = gql(client, CANDIDATES, d=COHORT)["candidateGenes"]
    assert result["__typename"] == "CandidateConnection", result
    nodes = [e["node"] for e in result["edges"]]
    forms = {"OMIM:100000", "OMIM:100004"}  # the hereditary form and its exact-match equivalent
    assert nodes and {n["via"] for n in nodes} <= forms, "scored by its best-scoring hereditary form per gene"
    known = {n["gene"]["id"] for n in nodes if n["known"]}
    assert known == _genes(store, "OMIM:100000") | _genes(store, "OMIM:100004")
    mutated = sorted(_genes(store, "OMIM:100000"))[0]
    evidence = next(n["evidence"] for n in nodes if n["gene"]["id"] == mutated)
    kinds = {(d["datatype"], d["via"], d["synthetic"]) for d in evidence["datatypes"]}
    assert ("somatic_mutation", None, True) in kinds  # the cohort's own (synthetic) mutation data
    assert ("curated_association", "OMIM:100000", False) in kinds  # rolled up from the hereditary form
    assert evidence["overall"] > 0
    explained = gql(
        client,
        "query($d: String!) { candidateGenes(disease: $d, first: 1) { ... on CandidateConnection { edges { node { "
        "explanation { __typename ... on Explanation { disease { id } } } } } } } }",
        d=COHORT,
    )
    explanation = explained["candidateGenes"]["edges"][0]["node"]["explanation"]
    assert explanation["__typename"] == "Explanation" and explanation["disease"]["id"] in forms


def test_a_mondo_class_is_answered_by_its_equivalent(client: TestClient) -> None:
    result = gql(client, CANDIDATES, d=CLASS)["candidateGenes"]
    assert result["__typename"] == "CandidateConnection", result
    nodes = [e["node"] for e in result["edges"]]
    assert nodes and {n["via"] for n in nodes} == {"OMIM:100000"}  # OMIM:100000 sorts before OMIM:100004
    assert all(n["disease"]["id"] == CLASS for n in nodes)
