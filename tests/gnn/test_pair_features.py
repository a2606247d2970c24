"""The evidence ranker's pair features on a hand-made graph (each feature, patients, the baseline walk)."""

from __future__ import annotations

import pytest
import torch

from gnn.ontology import HAS_PHENOTYPE, IS_A, DiseaseFacts
from gnn.pair_features import FEATURES, RankerFeatures
from gnn.prior import PhenotypePrior
from gnn.prospective import PhenotypeSpace, RandomWalk
from gnn.split import TARGET
from gnn.walk import GeneWalk

# phenotypes: 0 root, 1 AD mode, 2 AR mode, 3 and 4 organ terms; 1–4 are children of 0
IS = torch.tensor([[1, 2, 3, 4], [0, 0, 0, 0]])
# diseases: 0 (AD, term 3), 1 (AR, term 4), 2 (AD, terms 3+4) and a query 3 (AR, term 3)
ANNOTATIONS = torch.tensor([[0, 0, 1, 1, 2, 2, 2, 3, 3], [1, 3, 2, 4, 1, 3, 4, 2, 3]])
# genes: 0 → disease 0, 1 → disease 1, 2 → disease 2 and 1; gene 3 has none; interactions 3–0; GO: 0, 3 share term 0
LINKS = torch.tensor([[0, 1, 2, 2], [0, 1, 2, 1]])
EDGES = {
    IS_A: IS,
    HAS_PHENOTYPE: ANNOTATIONS,
    TARGET: LINKS,
    ("Gene", "INTERACTS_WITH", "Gene"): torch.tensor([[3], [0]]),
    ("Gene", "rev_INTERACTS_WITH", "Gene"): torch.tensor([[0], [3]]),
    ("Gene", "ANNOTATED_WITH", "GOTerm"): torch.tensor([[0, 3], [0, 0]]),
}
NUM = {"Phenotype": 5, "Disease": 4, "Gene": 4}


def _features() -> torch.Tensor:
    prior = PhenotypePrior(NUM, EDGES, power=1.0)
    make = RankerFeatures(prior, EDGES, 4, mode_terms=torch.tensor([2, 1]))  # order does not matter
    q = torch.tensor([3])
    raw = prior.scores(q, LINKS)
    zero = torch.zeros(1, 4)
    return make.for_rows(q, zero, raw, {"INTERACTS_WITH": zero})[0]


def test_features_of_a_query_disease() -> None:
    x = _features()
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert x.shape == (4, len(FEATURES))
    # the query (AR) matches genes 1 (AR) and 2 (AD + AR), mismatches gene 0 (AD only); gene 3 has no mode
    assert col["inheritance match"].tolist() == [0, 1, 1, 0]
    assert col["inheritance mismatch"].tolist() == [1, 0, 0, 0]
    assert col["gene diseases"].tolist() == pytest.approx(torch.log1p(torch.tensor([1.0, 1, 2, 0])).tolist())
    assert col["partners"][3] > 0 and col["partners"][1] == 0
    assert col["GO terms"][0] > 0 and col["GO terms"][2] == 0
    # best disease: the cosine of the gene's most similar disease; gene 3 has none (0); the gap is ≤ 0
    assert col["best disease"][3] == 0 and col["best disease"][2] >= col["best disease"][0] > 0
    assert torch.all(col["best gap"] <= 1e-6) and float(col["best gap"].max()) == pytest.approx(0.0, abs=1e-6)
    # gene 2 sums diseases 1 and 2 in the prior (top gene, log 1 ≈ 0), its best single disease ties gene 1's
    assert int(col["prior"].argmax()) == 2 and float(col["prior"][2]) == pytest.approx(0.0, abs=1e-3)
    assert col["best disease"][1] == col["best disease"][2]


def test_source_features_say_whether_the_querys_source_has_described_the_genes_diseases() -> None:
    # diseases 0 and 2 from OMIM, 1 from Orphanet; the query (3) is an Orphanet disease
    facts = DiseaseFacts(source=DiseaseFacts.source_codes(["OMIM:1", "ORPHA:2", "OMIM:3", "ORPHA:4"]))
    prior = PhenotypePrior(NUM, EDGES, power=1.0, facts=facts)
    make = RankerFeatures(prior, EDGES, 4, mode_terms=torch.tensor([1, 2]))
    zero = torch.zeros(1, 4)
    x = make.for_rows(torch.tensor([3]), zero, prior.scores(torch.tensor([3]), LINKS), {})[0]
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    # gene 0: OMIM only (Orphanet has not described it); 1 and 2: Orphanet already has; 3: no disease
    assert col["source covered"].tolist() == [0, 1, 1, 0]
    assert col["other source only"].tolist() == [1, 0, 0, 0]
    # a patient has no curation source: neither feature says anything
    patient = make.for_terms(torch.tensor([2, 3]), zero, prior.scores_for_terms(torch.tensor([2, 3]), LINKS), {})[0]
    assert patient[:, FEATURES.index("source covered")].sum() == 0
    assert patient[:, FEATURES.index("other source only")].sum() == 0


def test_phenotype_set_features_equal_the_same_disease_as_a_row() -> None:
    prior = PhenotypePrior(NUM, EDGES, power=1.0)
    make = RankerFeatures(prior, EDGES, 4, mode_terms=torch.tensor([1, 2]))
    zero = torch.zeros(1, 4)
    raw = prior.scores_for_terms(torch.tensor([2, 3]), LINKS)
    terms = make.for_terms(torch.tensor([2, 3]), zero, raw, {})
    rows = make.for_rows(torch.tensor([3]), zero, prior.scores(torch.tensor([3]), LINKS), {})
    assert torch.allclose(terms, rows, atol=1e-5)


def test_walk_feature_is_the_baseline_walk_of_a_new_disease() -> None:
    # disease 3 as the benchmark's query: IC from diseases 0–2, genes scored by the hiPHIVE-like baseline
    prior = PhenotypePrior(NUM, EDGES, power=1.0, ic_rows=3, term_factor=torch.tensor([1.0, 3, 1, 1, 5]))
    make = RankerFeatures(prior, EDGES, 4, mode_terms=torch.tensor([1, 2]))
    zero = torch.zeros(1, 4)
    x = make.for_rows(torch.tensor([3]), zero, prior.scores(torch.tensor([3]), LINKS), {})[0]
    old = ANNOTATIONS[:, ANNOTATIONS[0] < 3]
    query = ANNOTATIONS[:, ANNOTATIONS[0] == 3] - torch.tensor([[3], [0]])
    space = PhenotypeSpace(5, IS, (old, 3), (query, 1), LINKS, 4)
    interactions, annotations = EDGES[("Gene", "INTERACTS_WITH", "Gene")], EDGES[("Gene", "ANNOTATED_WITH", "GOTerm")]
    walk = GeneWalk(interactions, annotations, space.num_genes, 1)
    baseline = RandomWalk(space, walk)
    expected = baseline.score_all(torch.tensor([0]))[0]
    walk = x[:, FEATURES.index("similar-disease walk")]
    assert torch.allclose(walk, torch.log(1e-4 + expected / expected.max()), atol=1e-5)
    # gene 3 has no disease: it ranks through its partner and GO term (gene 0) above nothing
    assert walk[3] > torch.log(torch.tensor(1e-4)) + 1
