"""One scoring protocol for every model: the attention GNN and each baseline.

A model is anything with ``score_all(diseases) -> [num_queries, num_genes]``; metrics are
computed from those matrices the same way for all of them, on the same pairs, with the same
random negatives and the same filter, so the evaluation table compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
from torch import Tensor

from gnn.metrics import RankResult, auroc, average_precision, filtered_ranks
from gnn.split import Split


class GeneScorer(Protocol):
    """Scores every gene for each query disease."""

    def score_all(self, diseases: Tensor) -> Tensor:
        """``[num_queries]`` disease indices → ``[num_queries, num_genes]`` scores (higher = more likely)."""
        ...


def known_mask(queries: Tensor, positives: Tensor, num_genes: int) -> Tensor:
    """``[len(queries), num_genes]``: True where the gene is a known positive of query i's disease."""
    known = torch.zeros(queries.numel(), num_genes, dtype=torch.bool, device=queries.device)
    match = queries[:, None] == positives[1][None, :]
    qi, pi = match.nonzero(as_tuple=True)
    known[qi, positives[0][pi]] = True
    return known


@dataclass
class Scored:
    """Typed metrics plus the scores behind the AUROC/AUPRC (for PR curves)."""

    result: RankResult
    scores: Tensor
    labels: Tensor

    @property
    def metrics(self) -> dict[str, float]:
        """The metrics as a flat JSON-ready dict."""
        return self.result.to_flat_dict()


def score_pairs(model: GeneScorer, split: Split, pairs: Tensor, num_genes: int, seed: int = 1) -> Scored:
    """AUROC/AUPRC against one random gene per positive, and filtered ranks over all genes.

    Args:
        model: The scorer.
        split: The split (all its positives are filtered from the rankings).
        pairs: ``[2, N]`` (gene, disease) evaluation pairs.
        num_genes: Number of candidate genes.
        seed: Seed of the random negatives (the same for every model).
    """
    pairs = pairs.cpu()
    with torch.no_grad():
        diseases, unique_inverse = torch.unique(pairs[1], return_inverse=True)
        per_disease = model.score_all(diseases).float().cpu()
        all_scores = per_disease[unique_inverse]
        gen = torch.Generator().manual_seed(seed)
        negatives = torch.randint(num_genes, (pairs.shape[1],), generator=gen)
        rows = torch.arange(pairs.shape[1])
        scores = torch.cat([all_scores[rows, pairs[0]], all_scores[rows, negatives]])
        labels = torch.cat([torch.ones(pairs.shape[1]), torch.zeros(pairs.shape[1])]).long()
        positives = torch.cat([split.train, split.val, split.test], dim=1).cpu()
        ranks = filtered_ranks(all_scores, pairs[0], known_mask(pairs[1], positives, num_genes))
    result = RankResult.from_ranks(ranks, auroc=auroc(scores, labels), auprc=average_precision(scores, labels))
    return Scored(result, scores, labels)
