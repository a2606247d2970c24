"""Baselines of the prospective benchmark on a tiny hand-made ontology, and its metrics."""

import pytest
import torch

from gnn.benchmark import GroupMetrics
from gnn.prospective import DiseaseNeighbours, IcCosine, PhenotypeSpace, Popularity, RandomWalk, SimGIC

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
    walk = RandomWalk(space, interactions, annotations, num_terms=1)
    s = walk.score_all(torch.tensor([0, 1]))
    assert s[0, 3] > s[0, 4] and s[0, 3] > 0  # the interactor of the seed, not the unrelated gene
    assert s[1, 4] > s[1, 3]  # query 1 seeds gene 1, which shares GO with gene 4
    assert int(s[0].argmax()) == 0


def test_group_metrics() -> None:
    m = GroupMetrics.of(torch.tensor([1.0, 2.0, 200.0]), diseases=2)
    assert abs(m.mrr - (1 + 0.5 + 1 / 200) / 3) < 1e-6
    assert m.hits == pytest.approx({1: 1 / 3, 10: 2 / 3, 100: 2 / 3})


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
