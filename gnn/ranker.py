"""The evidence ranker: a listwise layer over the model's parts and the gene's evidence.

The ranker re-weighs the model's parts and the evidence about each (disease, gene) pair
(:data:`gnn.pair_features.FEATURES`, made by :class:`gnn.pair_features.RankerFeatures`).

``score = w · z + v · relu(W z + c)`` on standardised features ``z``: a softmax over the
candidate genes of a disease is fitted to its true genes (as PyKEEN's listwise losses do).
An explanation lists each feature's contribution: its linear term plus its exact share of the
ReLU layer's change from the average pair (integrated gradients, which for a ReLU layer on a
straight path have a closed form), and the average pair's score as one constant part, so the
parts sum to the score. Weights are plain JSON (no pickle).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gnn.pair_features import FEATURES

#: The constant part of an explanation: the score of an average pair (all features at their mean).
AVERAGE = "average pair"
#: A run folder's ranker file.
RANKER_FILE = "ranker.json"
#: The weights shipped with kg: fitted by ``kg benchmark`` on the prospective step HPO 2020-10 → 2021-10.
DEFAULT_RANKER = Path(__file__).parent / "data" / RANKER_FILE


@dataclass
class Ranker:
    """Standardised weights over :data:`FEATURES`: a linear part plus, optionally, a small ReLU layer.

    ``score = w · z + v · relu(W z + c)`` with ``z = (x − mean) / std``. A feature's contribution
    is its linear term plus its integrated-gradients share of the hidden layer's change from
    ``z = 0`` (the average pair); with :data:`AVERAGE` (the score at ``z = 0``) the parts of an
    explanation always sum to the score. ``fitted_on`` records where the weights were learned.
    """

    features: tuple[str, ...]
    mean: list[float]
    std: list[float]
    weight: list[float]
    fitted_on: dict[str, Any] = field(default_factory=dict)
    hidden_weight: list[list[float]] = field(default_factory=list)  # [H, F]
    hidden_bias: list[float] = field(default_factory=list)  # [H]
    output_weight: list[float] = field(default_factory=list)  # [H]

    def __post_init__(self) -> None:
        self.features = tuple(self.features)
        if not len(self.features) == len(self.mean) == len(self.std) == len(self.weight):
            raise ValueError("ranker: features, mean, std and weight must have the same length")
        if not len(self.hidden_weight) == len(self.hidden_bias) == len(self.output_weight):
            raise ValueError("ranker: hidden_weight, hidden_bias and output_weight must have the same length")
        if any(len(row) != len(self.features) for row in self.hidden_weight):
            raise ValueError("ranker: each hidden_weight row needs one weight per feature")

    def _standardised(self, x: Tensor) -> Tensor:
        """``[..., len(FEATURES)]`` features → this ranker's standardised ``[..., len(self.features)]``.

        A ranker fitted before features were added reads only its own columns.
        """
        if self.features != FEATURES and x.shape[-1] == len(FEATURES):
            x = x[..., [FEATURES.index(f) for f in self.features]]
        return (x - torch.tensor(self.mean)) / torch.tensor(self.std)

    def _interactions(self, z: Tensor) -> Tensor:
        if not self.hidden_weight:
            return torch.zeros(z.shape[:-1])
        hidden = torch.relu(z @ torch.tensor(self.hidden_weight).t() + torch.tensor(self.hidden_bias))
        return hidden @ torch.tensor(self.output_weight)

    def score(self, x: Tensor) -> Tensor:
        """``[..., F]`` features → ``[...]`` scores."""
        z = self._standardised(x)
        return z @ torch.tensor(self.weight) + self._interactions(z)

    def contributions(self, x: Tensor) -> dict[str, float]:
        """One pair's ``[F]`` features → each feature's part of its score, plus :data:`AVERAGE`.

        The linear term ``w_f z_f`` plus the feature's integrated gradients through the hidden
        layer along the straight path from the average pair (``z = 0``) to ``z``: unit ``h``'s
        pre-activation ``c_h + t (W z)_h`` is active on a sub-interval of ``t ∈ [0, 1]``, so its
        gradient share is ``v_h W_hf z_f`` times the active fraction, exactly. The parts sum to
        :meth:`score` (completeness).
        """
        z = self._standardised(x)
        share = z * torch.tensor(self.weight)
        if not self.hidden_weight:
            return {name: float(p) for name, p in zip(self.features, share, strict=True)}
        w1, c = torch.tensor(self.hidden_weight), torch.tensor(self.hidden_bias)
        v = torch.tensor(self.output_weight)
        slope = w1 @ z  # [H]: d(pre-activation)/dt along the path
        safe = torch.where(slope == 0, torch.ones_like(slope), slope)
        crossing = -c / safe  # where the unit switches on or off
        active = torch.where(
            slope > 0,
            (1 - crossing).clamp(0, 1),
            torch.where(slope < 0, crossing.clamp(0, 1), (c > 0).float()),
        )
        share = share + ((v * active)[:, None] * w1).sum(0) * z
        parts = {name: float(p) for name, p in zip(self.features, share, strict=True)}
        parts[AVERAGE] = float(self._interactions(torch.zeros_like(z)))  # the score at z = 0
        return parts

    @classmethod
    def fit(
        cls,
        x: Tensor,
        answers: Tensor,
        candidates: Tensor,
        hidden: int = 16,
        weight_decay: float = 1e-2,
        steps: int = 300,
        batch: int = 64,
        lr: float = 0.01,
        seed: int = 0,
        bag: int = 3,
        fitted_on: dict[str, Any] | None = None,
    ) -> Ranker:
        """Fit the listwise softmax over ``candidates`` to the true genes of each query.

        Args:
            x: ``[Q, G, F]`` features.
            answers: ``[2, N]`` (gene index, query index) true pairs; genes < 0 (outside the graph) are ignored.
            candidates: ``[G]`` bool, the genes ranked.
            hidden: ReLU units of the interaction layer (0: linear only).
            weight_decay: Adam's weight decay on every weight (keeps the layer from fitting noise).
            steps: Adam steps, each over a random batch of queries.
            batch: Queries per step.
            lr: Adam's learning rate.
            seed: Seed of the initial weights and the batches.
            bag: Fits from seeds ``seed``, ``seed + 1``, … averaged into one ranker: their linear weights
                averaged, their hidden units side by side with output weights divided by
                ``bag`` (the score is exactly the mean of theirs; less dependence on one seed).
            fitted_on: Provenance kept with the weights (releases, counts, settings).
        """
        xc = x[:, candidates]
        flat = xc.reshape(-1, xc.shape[-1])
        mean, std = flat.mean(0), flat.std(0).clamp(min=1e-6)
        xs = (xc - mean) / std
        position = torch.full((x.shape[1],), -1, dtype=torch.long)
        position[candidates] = torch.arange(int(candidates.sum()))
        inside = (answers[0] >= 0) & (position[answers[0].clamp(min=0)] >= 0)
        target = torch.zeros(xc.shape[:2])
        target[answers[1][inside], position[answers[0][inside]]] = 1.0
        queries = torch.nonzero(target.sum(1) > 0).flatten()
        fits = [
            _fit_one(xs, target, queries, hidden, weight_decay, steps, batch, lr, seed + b) for b in range(max(bag, 1))
        ]
        weight = torch.stack([w for w, _, _, _ in fits]).mean(0)
        w1, b1 = torch.cat([h for _, h, _, _ in fits]), torch.cat([c for _, _, c, _ in fits])
        w2 = torch.cat([v for _, _, _, v in fits]) / len(fits)
        provenance = {**(fitted_on or {}), "hidden": hidden, "weight_decay": weight_decay, "steps": steps, "bag": bag}
        return cls(
            FEATURES, mean.tolist(), std.tolist(), weight.tolist(), provenance, w1.tolist(), b1.tolist(), w2.tolist()
        )

    def save(self, path: Path) -> None:
        """Write the weights as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> Ranker:
        """Read weights written by :meth:`save` (a clear error if they use a feature this version lacks).

        Weights fitted on fewer features (an earlier version's) still load and read only those.
        """
        data = json.loads(path.read_text())
        ranker = cls(**data)
        unknown = [f for f in ranker.features if f not in FEATURES]
        if unknown:
            raise ValueError(f"{path}: ranker features {unknown} are not among this version's {FEATURES}")
        return ranker


def _fit_one(
    xs: Tensor,
    target: Tensor,
    queries: Tensor,
    hidden: int,
    weight_decay: float,
    steps: int,
    batch: int,
    lr: float,
    seed: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """One listwise fit from ``seed``: linear weights ``[F]``, hidden ``[H, F]``, ``[H]`` and output ``[H]``."""
    gen = torch.Generator().manual_seed(seed)
    f = xs.shape[-1]
    weight = torch.empty(f).uniform_(-0.1, 0.1, generator=gen).requires_grad_(True)
    bound = 1 / f**0.5
    w1 = torch.empty(hidden, f).uniform_(-bound, bound, generator=gen).requires_grad_(True)
    b1 = torch.empty(hidden).uniform_(-bound, bound, generator=gen).requires_grad_(True)
    w2 = torch.empty(hidden).uniform_(-1 / max(hidden, 1) ** 0.5, 1 / max(hidden, 1) ** 0.5, generator=gen)
    w2.requires_grad_(True)
    opt = torch.optim.Adam([weight, w1, b1, w2], lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        idx = queries[torch.randperm(queries.numel(), generator=gen)[:batch]]
        z = xs[idx]
        scores = z @ weight + (torch.relu(z @ w1.t() + b1) @ w2 if hidden else 0.0)
        log_p = torch.log_softmax(scores, dim=-1)
        y = target[idx]
        loss = -(log_p * y).sum() / y.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return weight.detach(), w1.detach(), b1.detach(), w2.detach()


def cross_validated(
    x: Tensor, answers: Tensor, candidates: Tensor, folds: int = 5, **fit: Any
) -> tuple[Tensor, list[Ranker]]:
    """``[Q, G]`` scores of each query by a ranker fitted on the other folds (query ``i`` is in fold ``i % folds``)."""
    fold = torch.arange(x.shape[0]) % folds
    scores = torch.zeros(x.shape[:2])
    rankers = []
    for k in range(folds):
        train = fold != k
        keep = train[answers[1]]
        remap = torch.cumsum(train.long(), 0) - 1
        sub = torch.stack([answers[0][keep], remap[answers[1][keep]]])
        ranker = Ranker.fit(x[train], sub, candidates, **fit)
        scores[~train] = ranker.score(x[~train])
        rankers.append(ranker)
    return scores, rankers
