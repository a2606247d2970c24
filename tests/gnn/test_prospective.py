"""Baselines of the prospective benchmark on a tiny hand-made ontology, and its metrics."""

import pytest
import torch

from gnn.leaderboard import GROUPS, BenchmarkResult, GroupMetrics, PairRanks
from gnn.prospective import DiseaseNeighbours, IcCosine, PhenotypeSpace, Popularity, RandomWalk, SimGIC
from gnn.walk import GeneWalk

# terms: 0 root; 1, 2 children of 0; 3 child of 1; 4 child of 2
IS_A = torch.tensor([[1, 2, 3, 4], [0, 0, 1, 2]])
# old diseases: 0 → {3}, 1 → {4}, 2 → {3, 4}; genes: 0–d0, 1–d1, 2–d2, 1–d2; gene 3 has no disease
OLD = (torch.tensor([[0, 1, 2, 2], [3, 4, 3, 4]]), 3)
LINKS = torch.tensor([[0, 1, 2, 1], [0, 1, 2, 2]])
QUERIES = (torch.tensor([[0, 1], [3, 4]]), 2)  # query 0 looks like d0, query 1 like d1


def _space() -> PhenotypeSpace:
    return PhenotypeSpace(5, IS_A, OLD, QUERIES, LINKS, num_genes=5)


def test_phenotype_baselines_rank_the_matching_diseases_gene_first() -> None:
    space = _space()
    for model in (IcCosine(space), SimGIC(space), DiseaseNeighbours(space)):
        scores = model.score_all(torch.tensor([0, 1]))
        assert scores.shape == (2, 5)
        assert int(scores[0].argmax()) == 0 and int(scores[1].argmax()) == 1, type(model).__name__
        assert scores[0, 3] == 0  # a gene without diseases gets nothing from phenotypes
    assert Popularity(space).score_all(torch.tensor([0])).tolist() == [[1.0, 2.0, 1.0, 0.0, 0.0]]


def test_ic_comes_from_the_old_diseases_only() -> None:
    space = _space()
    # term 0 is in every old disease: zero information; terms 3 and 4 in two of three
    assert space.ic[0] == 0 and torch.isclose(space.ic[3], torch.log(torch.tensor(1.5)))


def test_random_walk_reaches_a_gene_without_diseases_through_an_interaction() -> None:
    space = _space()
    interactions = torch.tensor([[0], [3]])  # gene 3 interacts with gene 0 (query 0's gene)
    annotations = torch.tensor([[1, 4], [0, 0]])  # genes 1 and 4 share a GO term
    walk = RandomWalk(space, GeneWalk(interactions, annotations, space.num_genes, num_terms=1))
    s = walk.score_all(torch.tensor([0, 1]))
    assert s[0, 3] > s[0, 4] and s[0, 3] > 0  # the interactor of the seed, not the unrelated gene
    assert s[1, 4] > s[1, 3]  # query 1 seeds gene 1, which shares GO with gene 4
    assert int(s[0].argmax()) == 0


def test_group_metrics() -> None:
    m = GroupMetrics.of(torch.tensor([1.0, 2.0, 200.0]), diseases=2)
    assert abs(m.mrr - (1 + 0.5 + 1 / 200) / 3) < 1e-6
    assert m.hits == pytest.approx({1: 1 / 3, 10: 2 / 3, 100: 2 / 3})


def test_every_row_gets_a_paired_interval_against_the_model() -> None:
    ranks = {
        "model": torch.tensor([1.0, 2.0, 1.0, 4.0]),
        "ablation: x": torch.tensor([2.0, 4.0, 1.0, 8.0]),
        "baseline": torch.tensor([3.0, 3.0, 3.0, 3.0]),
    }
    disease = torch.tensor([0, 0, 1, 2])
    groups = {g: torch.ones(4, dtype=torch.bool) for g in GROUPS}
    models = {name: {g: GroupMetrics.of(r, diseases=3) for g in GROUPS} for name, r in ranks.items()}
    result = BenchmarkResult(models, "model", pairs=PairRanks(ranks, disease, groups))
    versus = result.versus("all", "mrr", "ablation: x")
    assert versus.ratio == pytest.approx(models["model"]["all"].mrr / models["ablation: x"]["all"].mrr)
    assert versus.low <= versus.ratio <= versus.high
    assert result.to_flat_dict()["vs_model"]["all"]["ablation: x"]["ratio"] == pytest.approx(versus.ratio)
    row = next(line for line in result.markdown().splitlines() if line.startswith("| ablation: x |"))
    assert row.endswith(f"| {versus.ratio:.2f}× ({versus.low:.2f}–{versus.high:.2f}) |")


def test_phenotype_prior_matches_the_cosine_and_ignores_the_diseases_own_links() -> None:
    from gnn.ontology import HAS_PHENOTYPE
    from gnn.ontology import IS_A as IS_A_TYPE
    from gnn.prior import PhenotypePrior
    from gnn.split import TARGET

    edges = {IS_A_TYPE: IS_A, HAS_PHENOTYPE: OLD[0], TARGET: LINKS}
    prior = PhenotypePrior({"Phenotype": 5, "Disease": 3, "Gene": 5}, edges, power=1.0)
    space = _space()
    old = space.old.to_dense() * space.ic
    old = old / old.norm(dim=1, keepdim=True)
    expected = old @ old.t()
    every = torch.arange(3)
    assert torch.allclose(prior.similarity(every, every), expected, atol=1e-6)
    prior.precompute()
    assert torch.allclose(prior.similarity(torch.tensor([2, 0]), torch.tensor([1])), expected[[2, 0]][:, [1]])
    scores = prior.scores(torch.tensor([0]), LINKS)
    # disease 0's own gene (0) gets nothing from disease 0 itself; gene 2 and 1 come via disease 2
    assert scores[0, 0] == 0 and scores[0, 2] == 1.0 and 0 < scores[0, 1] <= 1.0


def test_the_prior_counts_a_rare_feature_of_a_known_disease_less() -> None:
    from gnn.ontology import HAS_PHENOTYPE, DiseaseFacts
    from gnn.ontology import IS_A as IS_A_TYPE
    from gnn.prior import PhenotypePrior, annotation_weights
    from gnn.split import TARGET

    # d0 → {3}, d1 → {3, 4}, d2 → {0}; the query d3 → {3, 4}. d1's 4 is occasional (17 %), its 3 unknown.
    annotations = torch.tensor([[0, 1, 1, 2, 3, 3], [3, 3, 4, 0, 3, 4]])
    edges = {IS_A_TYPE: IS_A, HAS_PHENOTYPE: annotations, TARGET: torch.tensor([[0, 1], [0, 1]])}
    num = {"Phenotype": 5, "Disease": 4, "Gene": 2}
    frequency = torch.tensor([float("nan"), float("nan"), 0.17, 1.0])  # the query's own (last two) count in full
    plain = PhenotypePrior(num, edges, power=1.0)
    weighted = PhenotypePrior(num, edges, power=1.0, facts=DiseaseFacts(frequency), frequency_power=0.5)
    query, others = torch.tensor([3]), torch.tensor([0, 1])
    assert weighted.similarity(query, others)[0, 1] < plain.similarity(query, others)[0, 1]
    assert weighted.similarity(query, others)[0, 0] == pytest.approx(float(plain.similarity(query, others)[0, 0]))
    # d1's vector: term 4 (and its parent 2) weighted by √0.17, term 3 (and 1) in full
    profile = weighted.profile.to_dense()
    assert profile[1, 4] == pytest.approx(0.17**0.5) and profile[1, 3] == 1.0 and profile[1, 0] == 1.0
    # power 0 and no frequencies are the unweighted prior
    off = PhenotypePrior(num, edges, power=1.0, facts=DiseaseFacts(frequency), frequency_power=0.0)
    assert torch.equal(off.vectors.to_dense(), plain.vectors.to_dense())
    assert annotation_weights(torch.tensor([0.0, 1.0]), 3, 1.0).tolist() == pytest.approx([0.01, 1.0, 1.0])
    with pytest.raises(ValueError, match="3 annotation frequencies for 2"):
        annotation_weights(torch.ones(3), 2, 0.5)


def test_twins_curated_by_different_sources_count_more_and_a_patient_gets_no_factor() -> None:
    from gnn.ontology import HAS_PHENOTYPE, DiseaseFacts
    from gnn.ontology import IS_A as IS_A_TYPE
    from gnn.prior import PhenotypePrior
    from gnn.split import TARGET

    # d0 (OMIM) → {3}, d1 (ORPHA) → {3}, d2 (ORPHA) → {3, 4}, d3 (no source) → {4}
    annotations = torch.tensor([[0, 1, 2, 2, 3], [3, 3, 3, 4, 4]])
    edges = {IS_A_TYPE: IS_A, HAS_PHENOTYPE: annotations, TARGET: torch.tensor([[0, 1, 2], [0, 1, 2]])}
    num = {"Phenotype": 5, "Disease": 4, "Gene": 3}
    facts = DiseaseFacts(None, DiseaseFacts.source_codes(["OMIM:1", "ORPHA:2", "ORPHA:3"]))  # d3: beyond, unknown
    assert facts.source is not None and facts.source.tolist() == [1, 2, 2]
    plain = PhenotypePrior(num, edges, power=1.0)
    twin = PhenotypePrior(num, edges, power=1.0, facts=facts, cross_source=1.3)
    every = torch.arange(4)
    ratio = twin.similarity(every, every) / plain.similarity(every, every).clamp(min=1e-9)
    assert ratio[2, 0] == pytest.approx(1.3) and ratio[0, 1] == pytest.approx(1.3)  # ORPHA ↔ OMIM
    assert ratio[2, 1] == pytest.approx(1.0) and ratio[3, 2] == pytest.approx(1.0)  # same source; unknown
    twin.precompute()
    assert torch.allclose(twin.similarity(every, every), ratio * plain.similarity(every, every), atol=1e-6)
    # an ORPHA query's prior: the OMIM gene (0) now ties the ORPHA gene (1) it trailed
    scores = twin.scores(torch.tensor([2]), edges[TARGET])
    before = plain.scores(torch.tensor([2]), edges[TARGET])
    assert scores[0, 0] / scores[0, 1] == pytest.approx(1.3 * float(before[0, 0] / before[0, 1]))
    # a patient's terms have no source: the same similarities as without the factor
    patient = torch.tensor([3, 4])
    assert torch.allclose(twin.term_similarity(patient), plain.term_similarity(patient))
    extended = facts.extended(torch.empty(0), ["ORPHA:9"])
    assert extended.source is not None and extended.source.tolist() == [1, 2, 2, 2] and extended.frequency is None


def test_phenomizer_matches_each_term_to_its_most_informative_shared_ancestor() -> None:
    from gnn.ontology import ancestor_closure
    from gnn.prospective import Phenomizer, PhenotypeSpace

    # 0 root; 1, 2 children of 0; 3 child of 1. Disease 0 has term 3, disease 1 has term 2.
    is_a = torch.tensor([[1, 2, 3], [0, 0, 1]])
    old = (torch.tensor([[0, 1], [3, 2]]), 2)
    space = PhenotypeSpace(4, is_a, old, (torch.empty(2, 0, dtype=torch.long), 0), torch.tensor([[0], [0]]), 1)
    ic = space.ic  # IC: root 0, terms 1, 2, 3 ln 2
    scores = Phenomizer(space, ancestor_closure(is_a, 4)).scores_for_terms(torch.tensor([1, 2]))
    # term 1 meets disease 0 in itself (an ancestor of 3), disease 1 only at the root; term 2: the other way
    assert scores.tolist() == pytest.approx([float(ic[1] + ic[0]) / 2, float(ic[0] + ic[2]) / 2])
