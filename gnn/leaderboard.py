"""The prospective benchmark's results: per model and group metrics, and the model's margin.

A margin is a ratio of two means over a few hundred diseases, so it comes with a paired
bootstrap interval over diseases (:func:`gnn.metrics.bootstrap_ratio`). "1.20×, 95 % CI
1.10–1.34×" (the default step's Hits@10) says how far the point estimate can be trusted; the
ratio alone does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor

from gnn.metrics import RankResult, bootstrap_ratio, per_pair
from gnn.ranker import Ranker

KS = (1, 10, 100)
GROUPS = ("all", "OMIM", "ORPHA", "novel-gene")
#: The metrics the model is compared on against the best baseline.
COMPARED = ("mrr", "hits@10", "hits@100")


@dataclass(frozen=True)
class GroupMetrics:
    """Rank-based metrics of one model on one group of queries."""

    diseases: int
    result: RankResult

    @staticmethod
    def of(ranks: Tensor, diseases: int) -> GroupMetrics:
        """Metrics of ``ranks`` (1 = best) of the group's gene links."""
        return GroupMetrics(diseases if ranks.numel() else 0, RankResult.from_ranks(ranks, KS))

    @property
    def pairs(self) -> int:
        """Ranked gene links."""
        return self.result.count

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank."""
        return self.result.mrr

    @property
    def hits(self) -> dict[int, float]:
        """Hits@k for k in 1, 10, 100."""
        return self.result.hits

    def to_flat_dict(self) -> dict[str, float]:
        """``{"diseases": …, "pairs": …, "mrr": …, "hits@1": …}``."""
        return {"diseases": self.diseases, "pairs": self.pairs, **self.result.to_flat_dict()}


@dataclass(frozen=True)
class Comparison:
    """The model against the best baseline on one group and metric.

    ``low``–``high``: the 95 % paired bootstrap interval of ``ratio`` (diseases resampled);
    NaN when the baseline scores 0 (no ratio).
    """

    metric: str
    baseline: str
    model: float
    best: float
    ratio: float
    low: float
    high: float

    def to_flat_dict(self) -> dict[str, object]:
        """JSON-ready."""

        def number(x: float) -> float | None:  # JSON has no NaN
            return None if x != x else x

        return {
            "baseline": self.baseline,
            "model": number(self.model),
            "best": number(self.best),
            "ratio": number(self.ratio),
            "ci95": [number(self.low), number(self.high)],
        }


@dataclass
class PairRanks:
    """Every model's rank of every (gene, query) pair, and the pairs' diseases and groups."""

    ranks: dict[str, Tensor]
    disease: Tensor
    groups: dict[str, Tensor]


@dataclass
class BenchmarkResult:
    """Per model, per group (``all``, ``OMIM``, ``ORPHA``, ``novel-gene``) metrics."""

    models: dict[str, dict[str, GroupMetrics]]
    model_name: str
    counts: dict[str, int] = field(default_factory=dict)
    train_seconds: float = 0.0
    #: The evidence ranker fitted on every query (its cross-validated scores are the model's row).
    ranker: Ranker | None = None
    #: The per-pair ranks behind ``models`` (for the intervals of :meth:`compare`).
    pairs: PairRanks | None = None

    def to_flat_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "model": self.model_name,
            "counts": self.counts,
            "train_seconds": self.train_seconds,
            "results": {m: {g: v.to_flat_dict() for g, v in groups.items()} for m, groups in self.models.items()},
            "vs_best_baseline": {
                group: {metric: self.compare(group, metric).to_flat_dict() for metric in COMPARED}
                for group in GROUPS
                if group in self.models[self.model_name]
            },
            # every other row against the model, on MRR (the paired interval of each ablation and baseline)
            "vs_model": {
                group: {
                    name: self.versus(group, "mrr", name).to_flat_dict()
                    for name in self.models
                    if name != self.model_name
                }
                for group in GROUPS
                if group in self.models[self.model_name]
            },
        }

    def best_baseline(self, group: str, metric: str) -> tuple[str, float]:
        """The best baseline (not the model, not ablations) on one group and metric."""
        rows = [
            (name, _get(groups[group], metric))
            for name, groups in self.models.items()
            if name != self.model_name and "ablation" not in name
        ]
        return max(rows, key=lambda r: r[1])

    def compare(self, group: str, metric: str) -> Comparison:
        """The model's ratio to the best baseline on ``group``'s ``metric``, with its interval."""
        return self.versus(group, metric, self.best_baseline(group, metric)[0])

    def versus(self, group: str, metric: str, other: str) -> Comparison:
        """The model's ratio to row ``other`` on ``group``'s ``metric``, with its paired interval."""
        best, theirs = other, _get(self.models[other][group], metric)
        mine = _get(self.models[self.model_name][group], metric)
        nan = float("nan")
        if not theirs > 0:  # 0, or NaN for a group without pairs
            return Comparison(metric, best, mine, theirs, nan, nan, nan)
        low = high = nan
        if self.pairs is not None:
            keep = self.pairs.groups[group]
            low, high = bootstrap_ratio(
                per_pair(self.pairs.ranks[self.model_name][keep], metric),
                per_pair(self.pairs.ranks[best][keep], metric),
                self.pairs.disease[keep],
            )
        return Comparison(metric, best, mine, theirs, mine / theirs, low, high)

    def markdown(self) -> str:
        """One table per group, plus the model's relative gain over the best baseline."""
        out = []
        for group in GROUPS:
            n = self.models[self.model_name][group]
            out.append(f"\n**{group}** ({n.diseases} diseases, {n.pairs} gene links)\n")
            out.append(
                "| model | MRR | Hits@1 | Hits@10 | Hits@100 | model's MRR ÷ this row's (95 % CI) |\n"
                "|---|---|---|---|---|---|"
            )
            for name, groups in self.models.items():
                m = groups[group]
                versus = "" if name == self.model_name else _ratio(self.versus(group, "mrr", name))
                out.append(
                    f"| {name} | {m.mrr:.3f} | {m.hits[1]:.3f} | {m.hits[10]:.3f} | {m.hits[100]:.3f} | {versus} |"
                )
            gains = [_gain(self.compare(group, metric)) for metric in COMPARED]
            out.append("\nmodel vs best baseline (95 % CI, diseases resampled): " + "; ".join(gains))
        return "\n".join(out)


def _ratio(c: Comparison) -> str:
    if c.ratio != c.ratio:
        return "n/a"
    return f"{c.ratio:.2f}×" + (f" ({c.low:.2f}–{c.high:.2f})" if c.low == c.low else "")


def _gain(c: Comparison) -> str:
    if c.ratio != c.ratio:  # NaN: the baseline scores 0
        return f"{c.metric} n/a"
    interval = f" ({100 * (c.low - 1):+.0f} to {100 * (c.high - 1):+.0f} %)" if c.low == c.low else ""
    return f"{c.metric} {100 * (c.ratio - 1):+.0f} %{interval} vs {c.baseline}"


def _get(m: GroupMetrics, metric: str) -> float:
    return m.result.get(metric)
