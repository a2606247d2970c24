"""The pure-torch neighbour sampler and the mini-batch training path."""

from __future__ import annotations

import torch

from gnn.model import ModelConfig
from gnn.sampling import NeighbourSampler
from gnn.split import make_split, reverse
from gnn.train import TrainConfig, evaluate, train
from tests.gnn.test_train import planted


def test_fanout_and_relabelling() -> None:
    n, edges = planted()
    full = {**edges, **{reverse(et): ei.flip(0) for et, ei in edges.items()}}
    sampler = NeighbourSampler(full, n, (3, 2))
    seeds = {"Disease": torch.tensor([0, 5])}
    sub = sampler.sample(seeds, torch.Generator().manual_seed(0))
    assert set(sub.n_id["Disease"][:2].tolist()) == {0, 5}  # seeds first
    for et, ei in sub.edges.items():
        src, dst = sub.n_id[et[0]][ei[0]], sub.n_id[et[2]][ei[1]]
        real = set(zip(full[et][0].tolist(), full[et][1].tolist(), strict=True))
        assert set(zip(src.tolist(), dst.tolist(), strict=True)) <= real  # only real edges
    hop1 = sub.edges[("Gene", "ASSOCIATED_WITH", "Disease")]
    seed_rows = sub.local("Disease", torch.tensor([0, 5]))
    for row in seed_rows.tolist():
        assert 1 <= int((hop1[1] == row).sum()) <= 3  # at most fanout[0] per node and relation


def test_minibatch_training_learns() -> None:
    n, edges = planted()
    split = make_split(edges, "random", 0.15, 0.15, seed=0)
    result = train(
        n,
        split,
        ModelConfig(hidden=16, layers=2, dropout=0.0, sketch_dim=0, prior=False),
        TrainConfig(epochs=40, lr=0.01, patience=40, batch_size=16, fanout=(5, 5), negatives=32),
    )
    assert evaluate(result.model, result.featuriser, n, split, split.test, result.prior).get("auroc") > 0.75
