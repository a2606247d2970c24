"""Baselines and the shared scoring protocol, on the planted module graph."""

from __future__ import annotations

import torch

from gnn.baselines import DistMult, DistMultConfig, PhenotypeSimilarity, Popularity
from gnn.evaluation import score_pairs
from gnn.split import make_split
from tests.gnn.test_train import planted


class Oracle:
    """Scores the true module highest: ranking metrics must come out perfect-ish."""

    def __init__(self, genes: int, modules: int) -> None:
        self.genes, self.modules = genes, modules

    def score_all(self, diseases: torch.Tensor) -> torch.Tensor:
        gm = torch.arange(self.genes) % self.modules
        return (gm[None, :] == (diseases % self.modules)[:, None]).float()


def test_protocol_rewards_the_right_module_and_punishes_ties() -> None:
    n, edges = planted()
    split = make_split(edges, "disease", 0.2, 0.2, seed=0)
    oracle = score_pairs(Oracle(n["Gene"], 4), split, split.test, n["Gene"]).metrics
    assert oracle["auroc"] > 0.7 and oracle["hits@50"] == 1.0
    # a module holds 20 genes: the true gene ties with the unknown ones of its module
    assert 0.05 < oracle["mrr"] < 0.5
    flat = score_pairs(Popularity({"Gene": n["Gene"]}, split), split, split.test, n["Gene"]).metrics
    assert flat["mrr"] < oracle["mrr"]


def test_phenotype_similarity_finds_the_module() -> None:
    n, edges = planted()
    split = make_split(edges, "disease", 0.2, 0.2, seed=0)
    sim = PhenotypeSimilarity(n, split)
    scores = sim.score_all(torch.unique(split.test[1]))
    assert scores.shape == (torch.unique(split.test[1]).numel(), n["Gene"])
    assert ((scores >= 0) & (scores <= 1 + 1e-6)).all()  # simGIC is a ratio of IC sums
    assert score_pairs(sim, split, split.test, n["Gene"]).metrics["hits@10"] > 0.3


def test_distmult_learns_on_a_random_split() -> None:
    n, edges = planted()
    split = make_split(edges, "random", 0.15, 0.15, seed=0)
    model = DistMult(n, split, DistMultConfig(dim=16, epochs=60, batch_size=256))
    assert score_pairs(model, split, split.test, n["Gene"]).metrics["auroc"] > 0.6
