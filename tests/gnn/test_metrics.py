import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from gnn.metrics import (
    RankResult,
    auroc,
    average_precision,
    bootstrap_ratio,
    filtered_ranks,
    per_pair,
    ranking_metrics,
)


def test_auroc_and_ap_match_sklearn() -> None:
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(200, generator=g)
    labels = (torch.rand(200, generator=g) < 0.3).long()
    scores[labels == 1] += 0.8
    scores[:10] = 0.5  # ties
    assert abs(auroc(scores, labels) - roc_auc_score(labels, scores)) < 1e-6
    assert abs(average_precision(scores, labels) - average_precision_score(labels, scores)) < 1e-6


def test_filtered_ranks() -> None:
    scores = torch.tensor([[0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.4]])
    true = torch.tensor([2, 0])
    known = torch.tensor([[True, False, False, False], [False, False, False, False]])
    ranks = filtered_ranks(scores, true, known)
    assert ranks.tolist() == [2, 4]  # gene 0 is filtered for the first query
    m = ranking_metrics(ranks, ks=(1, 2))
    assert m == {"mrr": (1 / 2 + 1 / 4) / 2, "hits@1": 0.0, "hits@2": 0.5}


def test_ties_get_no_credit() -> None:
    scores = torch.zeros(1, 101)  # every gene tied
    ranks = filtered_ranks(scores, torch.tensor([7]), torch.zeros(1, 101, dtype=torch.bool))
    assert ranks.tolist() == [51.0]
    assert ranking_metrics(ranks)["hits@10"] == 0.0


def test_rank_result_is_typed_and_flat() -> None:

    result = RankResult.from_ranks(torch.tensor([1.0, 2.0, 20.0]), ks=(1, 10), auroc=0.9)
    assert result.count == 3
    assert result.mrr == pytest.approx((1 + 0.5 + 0.05) / 3)
    assert result.hits == {1: pytest.approx(1 / 3), 10: pytest.approx(2 / 3)}
    assert result.to_flat_dict() == {
        "auroc": 0.9,
        "mrr": result.mrr,
        "hits@1": result.hits[1],
        "hits@10": result.hits[10],
    }
    assert result.get("hits@10") == result.hits[10]
    with pytest.raises(KeyError, match="auprc"):
        result.get("auprc")  # not measured
    assert RankResult.from_ranks(torch.tensor([])).count == 0


def test_bootstrap_ratio_is_paired_seeded_and_brackets_the_ratio() -> None:
    generator = torch.Generator().manual_seed(1)
    unit = torch.randint(0, 200, (300,), generator=generator)
    theirs = (torch.rand(300, generator=generator) < 0.3).float()
    # the same model twice: every resample gives 1 exactly (paired, not two independent samples)
    assert bootstrap_ratio(theirs, theirs, unit) == (1.0, 1.0)
    # a model that finds every pair the baseline finds, plus more: the whole interval lies above 1
    mine = torch.maximum(theirs, (torch.rand(300, generator=generator) < 0.2).float())
    low, high = bootstrap_ratio(mine, theirs, unit)
    ratio = float(mine.mean() / theirs.mean())
    assert 1 < low < ratio < high
    assert bootstrap_ratio(mine, theirs, unit) == (low, high)  # seeded
    # resampling whole units: one unit holding most pairs makes the interval much wider
    lumped = torch.where(torch.arange(300) < 150, 0, unit)
    low2, high2 = bootstrap_ratio(mine, theirs, lumped)
    assert high2 - low2 > high - low
    with pytest.raises(ValueError):
        bootstrap_ratio(mine, theirs[:10], unit)


def test_per_pair_values() -> None:
    ranks = torch.tensor([1.0, 4.0, 20.0])
    assert per_pair(ranks, "mrr").tolist() == pytest.approx([1.0, 0.25, 0.05])
    assert per_pair(ranks, "hits@10").tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(KeyError):
        per_pair(ranks, "auroc")
