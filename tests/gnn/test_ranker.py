"""The evidence ranker: its listwise fit, its bag, its cross-validation and its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from gnn.pair_features import FEATURES
from gnn.ranker import AVERAGE, Ranker, cross_validated


def _planted(queries: int = 40, genes: int = 30, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Feature 0 carries the answer, feature 1 is noise; the rest are zero."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(queries, genes, len(FEATURES))
    x[..., 1] = torch.randn(queries, genes, generator=gen)
    x[..., 0] = torch.randn(queries, genes, generator=gen)
    truth = torch.randint(0, genes, (queries,), generator=gen)
    x[torch.arange(queries), truth, 0] += 3.0
    return x, torch.stack([truth, torch.arange(queries)])


def test_fit_learns_the_informative_feature_and_ranks_the_answers_first() -> None:
    x, answers = _planted()
    ranker = Ranker.fit(x, answers, torch.ones(30, dtype=torch.bool), hidden=0, weight_decay=0.0, steps=300)
    assert ranker.weight[0] > 1.0 and abs(ranker.weight[1]) < 0.5 * ranker.weight[0]
    top = ranker.score(x).argmax(dim=1)
    assert (top == answers[0]).float().mean() > 0.8
    parts = ranker.contributions(x[0, int(answers[0, 0])])
    assert max(parts, key=lambda k: parts[k]) == FEATURES[0]


def test_a_bag_scores_the_mean_of_its_members_and_explains_it_completely() -> None:
    x, answers = _planted()
    candidates = torch.ones(30, dtype=torch.bool)
    bag = Ranker.fit(x, answers, candidates, hidden=4, steps=30, seed=5, bag=3)
    members = [Ranker.fit(x, answers, candidates, hidden=4, steps=30, seed=5 + b, bag=1) for b in range(3)]
    assert len(bag.hidden_weight) == 12 and bag.fitted_on["bag"] == 3
    mean = torch.stack([m.score(x) for m in members]).mean(0)
    assert torch.allclose(bag.score(x), mean, atol=1e-5)
    assert not torch.allclose(members[0].score(x), mean, atol=1e-3)  # the members differ
    parts = bag.contributions(x[3, 7])
    assert sum(parts.values()) == pytest.approx(float(bag.score(x[3, 7])), abs=1e-4)


def test_cross_validation_never_scores_a_query_with_its_own_answers() -> None:
    x, answers = _planted()
    candidates = torch.ones(30, dtype=torch.bool)
    scores, rankers = cross_validated(x, answers, candidates, folds=4, steps=50)
    assert len(rankers) == 4
    wrong = answers.clone()
    wrong[0, torch.arange(40) % 4 == 0] = 0  # fold 0's answers changed
    again, _ = cross_validated(x, wrong, candidates, folds=4, steps=50)
    fold0 = torch.arange(40) % 4 == 0
    assert torch.equal(scores[fold0], again[fold0])
    assert not torch.equal(scores[~fold0], again[~fold0])


def test_saved_weights_round_trip_and_refuse_other_features(tmp_path: Path) -> None:
    x, answers = _planted()
    ranker = Ranker.fit(x, answers, torch.ones(30, dtype=torch.bool), steps=20, fitted_on={"old": "2020-10-12"})
    path = tmp_path / "ranker.json"
    ranker.save(path)
    again = Ranker.load(path)
    assert again == ranker and torch.equal(again.score(x), ranker.score(x))
    data = json.loads(path.read_text())
    data["features"] = data["features"][:-1] + ["something else"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="something else"):
        Ranker.load(path)


def test_weights_fitted_on_an_earlier_feature_set_read_only_their_own_columns(tmp_path: Path) -> None:
    x, answers = _planted()
    earlier = [f for f in FEATURES if not f.endswith("source only") and f != "source covered"]
    keep = [FEATURES.index(f) for f in earlier]
    fitted = Ranker.fit(x, answers, torch.ones(30, dtype=torch.bool), steps=20)
    data = json.loads(json.dumps(fitted.__dict__))
    data["features"] = earlier
    for key in ("mean", "std", "weight"):
        data[key] = [data[key][i] for i in keep]
    data["hidden_weight"] = [[row[i] for i in keep] for row in data["hidden_weight"]]
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(data))
    old = Ranker.load(path)
    assert torch.allclose(old.score(x), old.score(x[..., keep]))  # full rows: its columns are picked by name
    parts = old.contributions(x[0, 0])
    assert set(parts) == {*earlier, AVERAGE} and sum(parts.values()) == pytest.approx(
        float(old.score(x[0, 0])), abs=1e-4
    )


def test_the_interaction_layer_learns_what_a_linear_score_cannot_and_its_parts_still_sum() -> None:
    # the answer has feature 0 near zero and feature 1 large: |x0| small is not linear in x0
    gen = torch.Generator().manual_seed(1)
    queries, genes = 60, 30
    x = torch.zeros(queries, genes, len(FEATURES))
    x[..., 0] = torch.randn(queries, genes, generator=gen) * 2
    x[..., 1] = torch.randn(queries, genes, generator=gen)
    truth = torch.randint(0, genes, (queries,), generator=gen)
    x[torch.arange(queries), truth, 0] = 0.0
    x[torch.arange(queries), truth, 1] = 1.0
    answers = torch.stack([truth, torch.arange(queries)])
    everything = torch.ones(genes, dtype=torch.bool)
    linear = Ranker.fit(x, answers, everything, hidden=0, weight_decay=0.0, steps=400)
    layered = Ranker.fit(x, answers, everything, hidden=16, weight_decay=0.0, steps=400)

    def hits(r: Ranker) -> float:
        return float((r.score(x).argmax(dim=1) == truth).float().mean())

    assert hits(layered) > hits(linear) + 0.1
    parts = layered.contributions(x[0, int(truth[0])])
    assert AVERAGE in parts
    assert sum(parts.values()) == pytest.approx(float(layered.score(x[0, int(truth[0])])), abs=1e-4)


def test_contributions_are_exact_integrated_gradients_that_sum_to_the_score() -> None:
    gen = torch.Generator().manual_seed(3)
    f, hidden = len(FEATURES), 16
    ranker = Ranker(
        FEATURES,
        mean=torch.randn(f, generator=gen).tolist(),
        std=(torch.rand(f, generator=gen) + 0.5).tolist(),
        weight=torch.randn(f, generator=gen).tolist(),
        hidden_weight=torch.randn(hidden, f, generator=gen).tolist(),
        hidden_bias=torch.randn(hidden, generator=gen).tolist(),
        output_weight=torch.randn(hidden, generator=gen).tolist(),
    )
    mean, std = torch.tensor(ranker.mean), torch.tensor(ranker.std)
    for _ in range(5):
        x = mean + std * 2 * torch.randn(f, generator=gen)
        parts = ranker.contributions(x)
        assert sum(parts.values()) == pytest.approx(float(ranker.score(x)), abs=1e-4)  # completeness
        assert parts[AVERAGE] == pytest.approx(float(ranker.score(mean)), abs=1e-5)  # the average pair's score
        # a Riemann sum of the gradient along the straight path from the average pair agrees per feature
        steps = 4000
        path = mean + (torch.arange(steps) + 0.5)[:, None] / steps * (x - mean)
        path.requires_grad_(True)
        ranker.score(path).sum().backward()
        assert path.grad is not None
        numeric = path.grad.mean(0) * (x - mean)
        for name, value in zip(FEATURES, numeric.tolist(), strict=True):
            assert parts[name] == pytest.approx(value, rel=1e-3, abs=2e-3)  # the Riemann sum misses kinks by ~1/steps


def test_a_linear_rankers_contributions_are_its_terms() -> None:
    f = len(FEATURES)
    ranker = Ranker(FEATURES, mean=[0.0] * f, std=[2.0] * f, weight=[float(i) for i in range(f)])
    parts = ranker.contributions(torch.ones(f))
    assert AVERAGE not in parts and parts[FEATURES[3]] == pytest.approx(1.5)
