"""Link-prediction metrics: AUROC, AUPRC (average precision) and filtered ranking."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """MRR and Hits@k of filtered ranks, as a flat dict (see :class:`RankResult`)."""
    return RankResult.from_ranks(ranks, ks).to_flat_dict()


@dataclass(frozen=True)
class RankResult:
    """Rank-based (and, where measured, classification) metrics of one model on one set of pairs.

    Plain floats only (no tensors): safe to store, compare and print.

    Args:
        count: Number of ranked pairs.
        mrr: Mean reciprocal rank.
        hits: Hits@k per k.
        auroc: Area under the ROC curve against random negatives, if measured.
        auprc: Average precision against random negatives, if measured.
    """

    count: int
    mrr: float
    hits: dict[int, float] = field(default_factory=dict)
    auroc: float | None = None
    auprc: float | None = None

    @classmethod
    def from_ranks(
        cls, ranks: Tensor, ks: tuple[int, ...] = (1, 10, 50), auroc: float | None = None, auprc: float | None = None
    ) -> RankResult:
        """Metrics of filtered ranks (1 = best); NaN for an empty set."""
        if ranks.numel() == 0:
            return cls(0, float("nan"), dict.fromkeys(ks, float("nan")), auroc, auprc)
        r = ranks.float()
        return cls(
            int(r.numel()), float((1.0 / r).mean()), {k: float((r <= k).float().mean()) for k in ks}, auroc, auprc
        )

    def get(self, metric: str) -> float:
        """One metric by name: ``mrr``, ``hits@10``, ``auroc``, ``auprc``."""
        value = self.to_flat_dict().get(metric)
        if value is None:
            raise KeyError(f"no metric {metric!r} (have {', '.join(self.to_flat_dict())})")
        return value

    def to_flat_dict(self) -> dict[str, float]:
        """``{"auroc": …, "auprc": …, "mrr": …, "hits@1": …}`` (measured metrics only)."""
        out: dict[str, float] = {}
        if self.auroc is not None:
            out["auroc"] = self.auroc
        if self.auprc is not None:
            out["auprc"] = self.auprc
        out["mrr"] = self.mrr
        out.update({f"hits@{k}": v for k, v in self.hits.items()})
        return out


def per_pair(ranks: Tensor, metric: str) -> Tensor:
    """Each pair's share of a rank metric: ``1/rank`` for ``mrr``, ``rank <= k`` for ``hits@k``."""
    r = ranks.float()
    if metric == "mrr":
        return 1.0 / r
    if metric.startswith("hits@"):
        return (r <= int(metric.removeprefix("hits@"))).float()
    raise KeyError(f"no rank metric {metric!r} (mrr, hits@k)")


def bootstrap_ratio(
    mine: Tensor, theirs: Tensor, unit: Tensor, draws: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of ``mean(mine) / mean(theirs)``, resampling whole units (paired).

    ``mine`` and ``theirs`` are two models' per-pair values (:func:`per_pair`) on the same pairs;
    ``unit`` says which unit (a disease) each pair belongs to. Each draw resamples the units with
    replacement and keeps every pair of a drawn unit, for both models at once: a disease with many
    genes moves both means together, as it does in the benchmark. Seeded, so reports repeat.
    """
    if not mine.shape == theirs.shape == unit.shape or mine.numel() == 0:
        raise ValueError("bootstrap_ratio: mine, theirs and unit must be equal, non-empty lengths")
    units, index = torch.unique(unit, return_inverse=True)
    n = units.numel()
    sum_mine = torch.zeros(n, dtype=torch.float64).index_add_(0, index, mine.double())
    sum_theirs = torch.zeros(n, dtype=torch.float64).index_add_(0, index, theirs.double())
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randint(n, (draws, n), generator=generator)
    ones = torch.ones(draws, n, dtype=torch.float64)
    counts = torch.zeros(draws, n, dtype=torch.float64).scatter_add_(1, picks, ones)  # times each unit is drawn
    ratios = (counts @ sum_mine) / (counts @ sum_theirs)  # the pair counts cancel: same pairs for both
    ratios = ratios[torch.isfinite(ratios)]  # draws where the baseline found nothing have no ratio
    if ratios.numel() == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    lo, hi = torch.quantile(ratios, torch.tensor([tail, 1 - tail], dtype=torch.float64))
    return float(lo), float(hi)
