"""Training the evidence network listwise, on known diseases held out fold by fold and on simulated patients.

Each training disease is a query once its own links are out of the graph: the training diseases
are split into folds, and fold ``k``'s diseases are ranked on the graph without fold ``k``'s links
(so nothing about their genes — the link itself, its mode of inheritance, its source, the gene's
degree — leaks into their scores). A batch also holds simulated patients of the same diseases
(each annotation present with its HPO frequency, :func:`gnn.term_weights.simulate_patients`). The
loss is the softmax cross-entropy of each query's true genes over every gene (listwise).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from gnn.evidence import EvidenceGraph, EvidenceNet, Query
from gnn.ontology import HAS_PHENOTYPE
from gnn.prior import PhenotypePrior
from gnn.split import TARGET
from gnn.term_weights import TermWeightConfig, grouped, simulate_patients
from kg.typing import EdgeType


@dataclass(frozen=True)
class FitConfig:
    """How the evidence network is trained.

    Args:
        epochs: Passes over the training diseases.
        batch: Queries per step (diseases; as many simulated patients again with ``patients`` 1).
        lr: Adam's learning rate.
        weight_decay: Adam's weight decay.
        folds: Folds of training diseases whose links are hidden together.
        patients: Simulated patients per disease query in a batch (0: diseases only).
        seed: Seed of the folds, batches and patients.
    """

    epochs: int = 1
    batch: int = 64
    lr: float = 0.02
    weight_decay: float = 0.0
    folds: int = 5
    patients: float = 1.0
    seed: int = 0


def listwise_loss(logits: Tensor, truth: Tensor) -> Tensor:
    """Mean over queries of the mean ``−log softmax`` of their true genes (``truth`` ``[Q, G]`` 0/1)."""
    log_p = torch.log_softmax(logits, dim=1)
    return -((log_p * truth).sum(1) / truth.sum(1).clamp(min=1)).mean()


def _truth(rows: Tensor, genes_of: list[Tensor], num_genes: int) -> Tensor:
    truth = torch.zeros(rows.numel(), num_genes)
    for i, d in enumerate(rows.tolist()):
        truth[i, genes_of[d]] = 1.0
    return truth


def fit(
    net: EvidenceNet,
    prior: PhenotypePrior,
    edges: dict[EdgeType, Tensor],
    num_genes: int,
    modes: Tensor,
    config: FitConfig = FitConfig(),
    validate: Callable[[EvidenceNet], float] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    loeuf: Tensor | None = None,
) -> list[dict[str, float]]:
    """Train ``net`` on the links of ``edges`` (every linked disease with phenotypes is a query).

    ``validate`` scores the net after each epoch (higher is better); the best epoch's weights are
    kept, the untrained net's (epoch 0) included. ``loeuf``: the genes' constraint
    (:class:`gnn.evidence.EvidenceGraph`). Returns one row per epoch.
    """
    gen = torch.Generator().manual_seed(config.seed)
    links = edges[TARGET]
    annotations = edges.get(HAS_PHENOTYPE, torch.empty(2, 0, dtype=torch.long))
    annotated = torch.zeros(prior.num_diseases, dtype=torch.bool)
    annotated[annotations[0]] = True
    diseases = torch.unique(links[1])
    diseases = diseases[annotated[diseases]]
    fold = torch.randperm(diseases.numel(), generator=gen) % config.folds
    genes_of = grouped(links[[1, 0]], prior.num_diseases)
    by_disease = grouped(torch.stack([annotations[0], torch.arange(annotations.shape[1])]), prior.num_diseases)
    graphs = []
    for k in range(config.folds):
        hidden = torch.isin(links[1], diseases[fold == k])
        graphs.append(EvidenceGraph(prior, {**edges, TARGET: links[:, ~hidden]}, num_genes, modes, loeuf=loeuf))
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history: list[dict[str, float]] = []
    best = validate(net) if validate else float("-inf")
    best_state, best_epoch = copy.deepcopy(net.state_dict()), 0
    history.append({"epoch": 0.0, "loss": float("nan"), "val": best})
    simulation = TermWeightConfig()
    for epoch in range(1, config.epochs + 1):
        start, total, steps = time.perf_counter(), 0.0, 0
        batches = []
        for k in range(config.folds):
            mine = diseases[fold == k]
            mine = mine[torch.randperm(mine.numel(), generator=gen)]
            batches += [(k, b) for b in mine.split(config.batch)]
        order = torch.randperm(len(batches), generator=gen).tolist()
        net.train()
        for i in order:
            k, rows = batches[i]
            graph = graphs[k]
            queries = [graph.for_rows(rows)]
            truths = [_truth(rows, genes_of, num_genes)]
            n = int(round(config.patients * rows.numel()))
            if n:
                picked = rows[torch.randint(rows.numel(), (n,), generator=gen)]
                profiles = simulate_patients(picked, annotations[1], by_disease, prior, simulation, gen)
                queries.append(graph.for_profiles(profiles))
                truths.append(_truth(picked, genes_of, num_genes))
            query = Query(
                *(torch.cat(parts) for parts in zip(*((q.similarity, q.modes, q.source) for q in queries), strict=True))
            )
            loss = listwise_loss(net.logits(net(graph, query)), torch.cat(truths))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total, steps = total + float(loss.detach()), steps + 1
        net.eval()
        score = validate(net) if validate else -total
        row = {
            "epoch": float(epoch),
            "loss": total / max(steps, 1),
            "val": score,
            "seconds": time.perf_counter() - start,
        }
        history.append(row)
        if on_epoch:
            on_epoch(row)
        if score > best:
            best, best_state, best_epoch = score, copy.deepcopy(net.state_dict()), epoch
    net.load_state_dict(best_state)
    history.append({"epoch": float(best_epoch), "loss": float("nan"), "val": best})
    return history
