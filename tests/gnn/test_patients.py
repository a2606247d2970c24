"""Patients on a trained model: genes and a differential diagnosis from a real phenopacket, excluded terms.

The planted graph of :mod:`tests.gnn.test_end_to_end` gets the real HPO terms of a real
phenopacket-store patient (FBN1, Marfan syndrome) under module 0's branch, and Marfan syndrome
with frequencies: its observed terms, and two terms the patient was examined for and lacks.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from gnn.answers import Answers
from gnn.cohort import rank_cohort
from gnn.export import export_graph
from gnn.inference import ModelContext
from gnn.model import ModelConfig
from gnn.patient_benchmark import PatientBenchmark
from gnn.patients import IGNORE_EXCLUDED, Exclusion, PatientScorer
from gnn.pipeline import train_on_export
from gnn.train import TrainConfig
from kg import local_neo4j
from kg.diseases import DiseaseSpace
from kg.export import ExportSpec
from kg.patient import Patient, read_phenopacket
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore
from tests.gnn.test_end_to_end import _edge, load_planted

pytestmark = pytest.mark.neo4j

PHENOPACKET = Path(__file__).parent.parent / "fixtures" / "phenopackets" / "PMID_10756346_Patient_B13.json"
MARFAN = "OMIM:154700"
#: Terms the patient lacks that Marfan syndrome has (and how often): they count against it.
AGAINST = {"HP:0002650": 0.545, "HP:0000767": 1.0}  # scoliosis, pectus excavatum


def load_patient_terms(store: Neo4jStore) -> None:
    """The phenopacket's terms under module 0 and Marfan syndrome (linked to GENE1, a module-0 gene)."""
    doc = json.loads(PHENOPACKET.read_text())
    terms = {f["type"]["id"]: f["type"]["label"] for f in doc["phenotypicFeatures"]}
    rows = [{"id": t, "name": name} for t, name in terms.items()]
    rows[0]["alt_ids"] = ["HP:0009999"]  # an obsolete id that HP:0004970 replaced
    store.merge_nodes(NodeLabel.PHENOTYPE, rows)
    store.merge_nodes(NodeLabel.DISEASE, [{"id": MARFAN, "name": "Marfan syndrome"}])
    store.merge_edges(RelType.IS_A, [_edge(t, "HP:0001000") for t in terms])
    observed = [f["type"]["id"] for f in doc["phenotypicFeatures"] if not f.get("excluded")]
    has = [_edge(MARFAN, t, frequency_value=0.895) for t in observed]
    has += [_edge(MARFAN, t, frequency_value=f) for t, f in AGAINST.items()]
    store.merge_edges(RelType.HAS_PHENOTYPE, has)
    store.merge_edges(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:1", MARFAN)])


@pytest.fixture(scope="module")
def patient_model(neo4j_server: local_neo4j.ServerConfig, tmp_path_factory: pytest.TempPathFactory) -> ModelContext:
    """One trained model for the module's tests (none of them reads Neo4j or changes the model)."""
    local_neo4j.start(neo4j_server)  # a previous test may have killed it
    home = tmp_path_factory.mktemp("patients")
    with Neo4jStore(neo4j_server.uri, retry_s=2.0) as store:
        store.clear()
        store.ensure_schema()
        load_planted(store)
        load_patient_terms(store)
        graph, _ = export_graph(store, ExportSpec(), home / "exports")
    run = home / "run"
    config = ModelConfig(hidden=16, layers=2, heads=2, dropout=0.0, sketch_dim=16)
    train_on_export(graph, run, config, TrainConfig(epochs=10, lr=0.01), "disease")
    return ModelContext(graph, run, alternatives=lambda: {"HP:0009999": "HP:0004970"})


def test_a_real_phenopacket_is_diagnosed_with_its_reasons(patient_model: ModelContext) -> None:
    patient = patient_model.term_resolver().resolve(read_phenopacket(PHENOPACKET))
    hits = PatientScorer(patient_model).diagnose(patient, top=5)
    top = hits[0]
    assert top.disease_id == MARFAN and top.rank == 1 and len(hits) == 5
    assert {t.id for t in top.matched} == set(patient.observed)
    assert all(t.matched_as == t.id for t in top.matched)  # Marfan has each observed term itself
    # the two excluded terms Marfan shows count against it, by their frequency
    assert {t.id: t.weight for t in top.excluded_present} == pytest.approx(AGAINST)
    e = Exclusion()  # scoliosis in 54.5 %: examined, absent; pectus excavatum obligate, absent: 0.05 at least
    factor = ((1 - 0.545) / e.checked * 0.05 / e.checked) ** e.temper
    assert top.exclusion_factor == pytest.approx(factor)
    assert top.best_match == 1.0  # Marfan explains every observed term best: the top best match
    assert top.score == pytest.approx(top.similarity * top.best_match * factor)
    assert top.genes == (("NCBIGene:1", "GENE1"),)
    assert top.missing_frequent == ()  # every frequent term of Marfan is observed or excluded


def test_the_patient_benchmark_reads_what_the_graph_knows_and_skips_the_rest(patient_model: ModelContext) -> None:
    real = dataclasses.replace(read_phenopacket(PHENOPACKET), genes=("GENE1",), diseases=(MARFAN,))
    unreadable = dataclasses.replace(real, id="unknown terms", observed=("HP:7777777",))
    elsewhere = dataclasses.replace(real, id="gene outside", genes=("NOT_A_GENE",))
    bench = PatientBenchmark(patient_model, DiseaseSpace([]), set())
    read = list(bench.resolved([real, unreadable, elsewhere]))
    assert [p.id for p, *_ in read] == [real.id, "gene outside"]  # a patient with no known term is skipped
    (_, observed, excluded, gene, entry), (*_, outside, _) = read
    assert observed.numel() and gene == patient_model.lookup("Gene", "GENE1") and outside == -1
    assert entry is not None and excluded.numel() == len(set(real.excluded))  # Marfan is annotated; absent terms read
    ranks = bench.run([real, unreadable, elsewhere])
    assert ranks.skipped and len(ranks.genes["model"]) == 2
    assert ranks.genes["model"][1] == patient_model.num_nodes["Gene"]  # a gene outside the graph ranks last


def test_a_diagnosis_without_reasons_keeps_the_ranks_and_scores(patient_model: ModelContext) -> None:
    patient = patient_model.term_resolver().resolve(read_phenopacket(PHENOPACKET))
    scorer = PatientScorer(patient_model)
    full, bare = scorer.diagnose(patient, top=5), scorer.diagnose(patient, top=5, reasons=False)
    assert [(h.rank, h.disease_id, h.name, h.score) for h in bare] == [
        (h.rank, h.disease_id, h.name, pytest.approx(h.score)) for h in full
    ]
    assert all(h.matched == h.excluded_present == h.missing_frequent == h.genes == () for h in bare)


def test_excluded_terms_change_only_the_diseases_that_have_them(patient_model: ModelContext) -> None:
    scorer = PatientScorer(patient_model)
    patient = patient_model.term_resolver().resolve(read_phenopacket(PHENOPACKET))
    observed, excluded = scorer.terms(patient)
    with_excluded = scorer.disease_scores(observed, excluded)
    factor = scorer.disease_parts(observed, excluded)[2]
    without = scorer.disease_scores(observed, torch.empty(0, dtype=torch.long))
    ones = scorer.disease_parts(observed, torch.empty(0, dtype=torch.long))[2]
    marfan = patient_model.lookup("Disease", MARFAN)
    assert float(factor[marfan]) < 1 and bool((ones == 1).all())
    assert float(with_excluded[marfan]) == pytest.approx(float(without[marfan] * factor[marfan]))
    untouched = factor == 1  # diseases without any excluded term keep their score
    assert bool(untouched.any()) and torch.equal(with_excluded[untouched], without[untouched])
    # the same factor reaches the genes: GENE1's score moves, and strength 0 ignores excluded terms
    genes = scorer.gene_scores(observed, excluded)
    assert not torch.equal(genes, scorer.gene_scores(observed, torch.empty(0, dtype=torch.long)))
    off = PatientScorer(patient_model, IGNORE_EXCLUDED)
    assert torch.equal(off.gene_scores(observed, excluded), off.gene_scores(observed, torch.empty(0, dtype=torch.long)))


def test_equivalent_ids_collapse_into_one_entry(patient_model: ModelContext) -> None:
    scorer = PatientScorer(patient_model)
    patient = Patient.of_terms(["HP:0001001", "HP:0001002", "HP:0001003"])
    plain = [h.disease_id for h in scorer.diagnose(patient, top=6)]
    space = DiseaseSpace([(plain[0], "MONDO:0000001"), (plain[1], "MONDO:0000001")])
    collapsed = scorer.diagnose(patient, top=5, space=space)
    assert collapsed[0].disease_id == plain[0] and collapsed[0].equivalents == tuple(
        sorted((plain[1], "MONDO:0000001"))
    )
    assert [h.disease_id for h in collapsed[1:]] == plain[2:6]


def test_obsolete_ids_are_replaced_and_reported(patient_model: ModelContext) -> None:
    answer = Answers(patient_model)(
        {"op": "rank", "top": 3, "patient": {"observed": ["HP:0009999", "HP:0001166", "HP:0001234"]}}
    )
    assert answer["phenotypes"] == ["HP:0004970", "HP:0001166"]
    assert any("HP:0009999 is obsolete or an alternative id: replaced by HP:0004970" in n for n in answer["notes"])
    assert any("HP:0001234 is not in HPO" in n for n in answer["notes"])
    assert [g["rank"] for g in answer["genes"]] == [1, 2, 3]


def test_a_cohort_is_written_in_phevals_formats(patient_model: ModelContext, tmp_path: Path) -> None:
    import pandas as pd

    bad = tmp_path / "in" / "broken.json"
    bad.parent.mkdir()
    bad.write_text("{")
    files = [PHENOPACKET, bad]
    run = rank_cohort(Answers(patient_model), files, tmp_path / "out", top=5)
    assert run.ranked == 1 and run.skipped[0][0] == str(bad) and "malformed JSON" in run.skipped[0][2]
    stem = PHENOPACKET.stem
    genes = pd.read_csv(tmp_path / "out" / "pheval_gene_results" / f"{stem}-pheval_gene_result.tsv", sep="\t")
    diseases = pd.read_csv(tmp_path / "out" / "pheval_disease_results" / f"{stem}-pheval_disease_result.tsv", sep="\t")
    assert list(genes.columns) == ["rank", "score", "gene_symbol", "gene_identifier"] and len(genes) == 5
    assert list(diseases.columns) == ["rank", "score", "disease_name", "disease_identifier"]
    assert diseases.iloc[0]["disease_identifier"] == MARFAN and genes["score"].is_monotonic_decreasing
    top = pd.read_parquet(tmp_path / "out" / "top.parquet")
    assert set(top["kind"]) == {"gene", "disease"} and (top["patient"] == "PMID_10756346_Patient_B13").all()
    assert (tmp_path / "out" / "skipped.tsv").read_text().count("\n") == 2


def test_threads_answer_bit_for_bit_what_one_thread_answers(patient_model: ModelContext) -> None:
    """8 threads on one cold context (its lazy parts built under contention) = the sequential answers."""
    from concurrent.futures import ThreadPoolExecutor

    terms = patient_model.graph.node_ids["Phenotype"]
    queries = [terms[i::8][:4] for i in range(8)] * 2
    sequential = ModelContext(patient_model.graph, patient_model.folder)
    expected = [sequential.rank_phenotypes(q, top=50) for q in queries]
    cold = ModelContext(patient_model.graph, patient_model.folder)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: cold.rank_phenotypes(q, top=50), queries))
    assert got == expected  # floats compared exactly
    assert torch.are_deterministic_algorithms_enabled()  # set once for the process, not per request
