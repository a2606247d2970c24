"""Link-prediction metrics: AUROC, AUPRC (average precision) and filtered ranking."""

from __future__ import annotations

import torch
from torch import Tensor


def auroc(scores: Tensor, labels: Tensor) -> float:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if pos.numel() == 0 or neg.numel() == 0:
        raise ValueError("AUROC needs positives and negatives")
    greater = (pos[:, None] > neg[None, :]).float().sum()
    ties = (pos[:, None] == neg[None, :]).float().sum()
    return float((greater + 0.5 * ties) / (pos.numel() * neg.numel()))


def average_precision(scores: Tensor, labels: Tensor) -> float:
    """Area under the precision–recall curve as average precision (sklearn's definition, ties grouped)."""
    order = torch.argsort(scores, descending=True, stable=True)
    sorted_scores, hits = scores[order], labels[order].float()
    total = hits.sum()
    if total == 0:
        raise ValueError("AUPRC needs positives")
    _, counts = torch.unique_consecutive(sorted_scores, return_counts=True)
    ends = torch.cumsum(counts, 0) - 1  # last index of each group of tied scores
    tp = torch.cumsum(hits, 0)[ends]
    precision = tp / (ends + 1).float()
    recall_gain = torch.diff(tp, prepend=torch.zeros(1)) / total
    return float((precision * recall_gain).sum())


def filtered_ranks(all_scores: Tensor, true_gene: Tensor, known: Tensor) -> Tensor:
    """Realistic rank (1 = best) of each true gene among all genes, other known positives removed.

    Ties count half (the mean of the optimistic and pessimistic rank), so a model that gives
    many genes the same score gets no credit for it.

    Shapes:
        all_scores: ``[num_queries, num_genes]``; true_gene: ``[num_queries]``;
        known: ``[num_queries, num_genes]`` bool, the disease's other known genes.
    """
    target = all_scores.gather(1, true_gene[:, None])
    masked = all_scores.masked_fill(known, float("-inf"))
    masked.scatter_(1, true_gene[:, None], target)
    greater = (masked > target).sum(1).float()
    ties = (masked == target).sum(1).float() - 1  # the true gene itself is not a tie
    return greater + 0.5 * ties + 1


def ranking_metrics(ranks: Tensor, ks: tuple[int, ...] = (1, 10, 50)) -> dict[str, float]:
    """MRR and Hits@k of filtered ranks."""
    out = {"mrr": float((1.0 / ranks.float()).mean())}
    out.update({f"hits@{k}": float((ranks <= k).float().mean()) for k in ks})
    return out
