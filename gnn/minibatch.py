"""One mini-batch training epoch: sampled subgraphs and a sampled softmax over genes.

Each batch takes ``batch_size`` supervision links, ``negatives`` random genes as extra
candidates, samples the computation graph of those genes and diseases with
:class:`gnn.sampling.NeighbourSampler`, and trains on the cross-entropy of the true gene
among the candidates (other known genes of the disease masked). Node features are computed
once per epoch on the full message-passing graph and sliced, so degrees are global.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from gnn.features import Featuriser
from gnn.model import HeteroGAT
from gnn.sampling import NeighbourSampler
from kg.typing import EdgeType


def minibatch_epoch(
    model: HeteroGAT,
    featuriser: Featuriser,
    edges: dict[EdgeType, Tensor],
    supervision: Tensor,
    step: Callable[[Tensor], None],
    batch_size: int,
    fanout: tuple[int, ...],
    negatives: int,
    gen: torch.Generator,
) -> float:
    """Train over ``supervision`` links in batches; returns the mean loss.

    Args:
        model: The model (in training mode).
        featuriser: Features of the message-passing graph ``edges``.
        edges: Message-passing edges of this epoch (supervision links hidden).
        supervision: ``[2, N]`` (gene, disease) links to learn.
        step: Back-propagates a loss and updates the parameters.
        batch_size: Links per batch.
        fanout: Incoming edges per node, relation and hop.
        negatives: Random candidate genes per batch.
        gen: Random generator.
    """
    num_nodes = featuriser.num_nodes
    device = supervision.device
    features = featuriser(edges)  # on the training device; sampling happens on the CPU
    sampler = NeighbourSampler({et: ei.cpu() for et, ei in edges.items()}, num_nodes, fanout, model.edge_types)
    supervision = supervision.cpu()
    order = torch.randperm(supervision.shape[1], generator=gen)
    losses = []
    for start in range(0, order.numel(), batch_size):
        batch = supervision[:, order[start : start + batch_size]]
        candidates = torch.unique(torch.cat([batch[0], torch.randint(num_nodes["Gene"], (negatives,), generator=gen)]))
        sub = sampler.sample({"Gene": candidates, "Disease": batch[1]}, gen)
        n_id = {t: ids.to(device) for t, ids in sub.n_id.items()}
        local_edges = {et: ei.to(device) for et, ei in sub.edges.items()}
        h, _ = model.encode({t: features[t][n_id[t]] for t in num_nodes}, local_edges, node_ids=n_id)
        genes = h["Gene"][sub.local("Gene", candidates).to(device)]
        diseases = h["Disease"][sub.local("Disease", batch[1]).to(device)]
        logits = model.score_all(genes, diseases)
        target = torch.searchsorted(candidates, batch[0])
        others = torch.zeros(logits.shape, dtype=torch.bool)
        same = batch[1][:, None] == batch[1][None, :]  # other links of the same disease in this batch
        rows, cols = same.nonzero(as_tuple=True)
        others[rows, target[cols]] = True
        others[torch.arange(batch.shape[1]), target] = False
        loss = nn.functional.cross_entropy(logits.masked_fill(others.to(device), float("-inf")), target.to(device))
        step(loss)
        losses.append(float(loss.detach()))
    return sum(losses) / max(len(losses), 1)
