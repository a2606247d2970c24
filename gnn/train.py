"""Full-batch training of :class:`gnn.model.HeteroGAT` on a leakage-free split.

Each epoch a fresh 30 % of the training edges is used as supervision and removed from
message passing for that epoch (so the model cannot learn to recognise edges it is shown),
with one random gene per positive as negative. Early stopping keeps the weights of the
epoch with the best validation AUROC.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch_geometric.typing import EdgeType, NodeType

from gnn.metrics import auroc, average_precision, filtered_ranks, ranking_metrics
from gnn.model import HeteroGAT, ModelConfig, structural_features
from gnn.split import TARGET, Split, reverse


@dataclass
class TrainConfig:
    """Optimisation settings.

    Args:
        epochs: Maximum number of epochs.
        lr: Adam learning rate.
        patience: Epochs without validation improvement before stopping.
        supervision_ratio: Share of training edges used as supervision each epoch.
        max_grad_norm: Gradient clipping (the first epochs on the full graph diverge without it).
        seed: Seed of sampling.
    """

    epochs: int = 200
    lr: float = 0.01
    patience: int = 20
    supervision_ratio: float = 0.3
    max_grad_norm: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.supervision_ratio < 1:
            raise ValueError(f"supervision_ratio must be in (0, 1), got {self.supervision_ratio}")


@dataclass
class TrainResult:
    """The trained model and its history."""

    model: HeteroGAT
    best_epoch: int
    history: list[dict[str, float]] = field(default_factory=list)


def _with_target(split: Split, target_edges: Tensor) -> dict[EdgeType, Tensor]:
    edges = dict(split.message_edges)
    edges[TARGET] = target_edges
    edges[reverse(TARGET)] = target_edges.flip(0)
    return edges


def _pair_scores(model: HeteroGAT, h: dict[NodeType, Tensor], pairs: Tensor) -> Tensor:
    return model.score(h["Gene"][pairs[0]], h["Disease"][pairs[1]])


def _negatives(pos: Tensor, num_genes: int, gen: torch.Generator) -> Tensor:
    return torch.stack([torch.randint(num_genes, (pos.shape[1],), generator=gen), pos[1]])


def evaluate(model: HeteroGAT, num_nodes: dict[NodeType, int], split: Split, pairs: Tensor, seed: int = 1) -> dict:
    """AUROC/AUPRC against random-gene negatives and filtered ranking over all genes."""
    model.eval()
    edges = _with_target(split, split.train)
    with torch.no_grad():
        h, _ = model.encode(structural_features(num_nodes, edges), edges)
        gen = torch.Generator().manual_seed(seed)
        neg = _negatives(pairs, num_nodes["Gene"], gen)
        scores = torch.cat([_pair_scores(model, h, pairs), _pair_scores(model, h, neg)])
        labels = torch.cat([torch.ones(pairs.shape[1]), torch.zeros(neg.shape[1])]).long()
        all_pos = torch.cat([split.train, split.val, split.test], dim=1)
        diseases = pairs[1]
        all_scores = model.score_all(h["Gene"], h["Disease"][diseases])
        known = torch.zeros_like(all_scores, dtype=torch.bool)
        # query i's known genes: every positive (any part) of its disease
        match = diseases[:, None] == all_pos[1][None, :]
        qi, pi = match.nonzero(as_tuple=True)
        known[qi, all_pos[0][pi]] = True
        ranks = filtered_ranks(all_scores, pairs[0], known)
    return {"auroc": auroc(scores, labels), "auprc": average_precision(scores, labels), **ranking_metrics(ranks)}


def train(
    num_nodes: dict[NodeType, int],
    split: Split,
    model_config: ModelConfig,
    config: TrainConfig,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> TrainResult:
    """Train with early stopping on validation AUROC; returns the best model."""
    edges0 = _with_target(split, split.train)
    feats0 = structural_features(num_nodes, edges0)
    model = HeteroGAT(
        (list(num_nodes), list(edges0)), {t: f.shape[1] for t, f in feats0.items()}, num_nodes, model_config
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(config.seed)
    best, best_epoch, best_state, history = -1.0, 0, copy.deepcopy(model.state_dict()), []
    for epoch in range(1, config.epochs + 1):
        model.train()
        mask = torch.rand(split.train.shape[1], generator=gen) < config.supervision_ratio
        sup, mp = split.train[:, mask], split.train[:, ~mask]
        edges = _with_target(split, mp)
        h, _ = model.encode(structural_features(num_nodes, edges), edges)
        neg = _negatives(sup, num_nodes["Gene"], gen)
        logits = torch.cat([_pair_scores(model, h, sup), _pair_scores(model, h, neg)])
        labels = torch.cat([torch.ones(sup.shape[1]), torch.zeros(neg.shape[1])])
        loss = loss_fn(logits, labels)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimiser.step()
        val = evaluate(model, num_nodes, split, split.val)
        row = {"epoch": float(epoch), "loss": float(loss.detach()), **{f"val_{k}": v for k, v in val.items()}}
        history.append(row)
        if on_epoch:
            on_epoch(row)
        if val["auroc"] > best:
            best, best_epoch, best_state = val["auroc"], epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= config.patience:
            break
    model.load_state_dict(best_state)
    return TrainResult(model, best_epoch, history)
