"""The evidence ranker: a listwise layer over the model's parts and the gene's evidence.

The attention model's logit is a fixed sum: attention part + ``w · log(prior + spreads)``. The
ranker re-weighs those parts and adds what the graph says about each (disease, gene) pair that
the sum cannot express:

* ``attention``: the attention part of the logit (representations' similarity);
* ``prior``, ``spread INTERACTS_WITH``, ``spread ANNOTATED_WITH``: the phenotype prior and what
  reached the gene from interaction partners and GO terms (attention-weighted), on a log scale;
* ``best disease``, ``best gap``: the cosine of the gene's most similar known disease, and its gap
  to the query's most similar disease overall;
* ``gene diseases``, ``GO terms``, ``partners``: the gene's degree in each (log 1 + n);
* ``inheritance match`` / ``mismatch``: the query's mode of inheritance (HPO's mode terms) is, or
  is not, one of the modes of the gene's known diseases (both must name one).
* ``source covered`` / ``other source only``: the gene already has a disease from the query's
  curation source (OMIM, Orphanet, …), or its diseases all come from other sources, so the
  query's source has not described one for it yet (both 0 when the query's source is unknown, as
  for a patient).

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
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from gnn.ontology import SOURCES
from gnn.prior import PhenotypePrior
from gnn.split import TARGET
from kg.typing import EdgeType

if TYPE_CHECKING:
    from gnn.model import Attention, HeteroGAT

#: HPO's mode-of-inheritance terms: autosomal dominant/recessive, X-linked recessive/dominant, mitochondrial, X-linked.
MODE_TERMS = ("HP:0000006", "HP:0000007", "HP:0001419", "HP:0001423", "HP:0001427", "HP:0001417")
SPREADS = ("INTERACTS_WITH", "ANNOTATED_WITH")
FEATURES = (
    "attention",
    "prior",
    *(f"spread {r}" for r in SPREADS),
    "best disease",
    "best gap",
    "gene diseases",
    "GO terms",
    "partners",
    "inheritance match",
    "inheritance mismatch",
    "source covered",
    "other source only",
)
_FLOOR = 1e-4
#: The constant part of an explanation: the score of an average pair (all features at their mean).
AVERAGE = "average pair"
#: A run folder's ranker file.
RANKER_FILE = "ranker.json"
#: The weights shipped with kg: fitted by ``kg benchmark`` on the prospective step HPO 2020-10 → 2021-10.
DEFAULT_RANKER = Path(__file__).parent / "data" / RANKER_FILE


def mode_terms(phenotype_index: dict[str, int]) -> Tensor:
    """Indices of :data:`MODE_TERMS` in a graph's phenotypes (those it has)."""
    return torch.tensor([phenotype_index[t] for t in MODE_TERMS if t in phenotype_index], dtype=torch.long)


class RankerFeatures:
    """Per-(query, gene) features of one scoring graph (its links, annotations and interactions).

    Args:
        prior: The model's phenotype prior over this graph.
        edges: Message-passing edges (links, GO annotations, interactions).
        num_genes: Genes in the graph.
        mode_terms: Phenotype indices of :data:`MODE_TERMS` present in the graph.
    """

    def __init__(
        self, prior: PhenotypePrior, edges: dict[EdgeType, Tensor], num_genes: int, mode_terms: Tensor
    ) -> None:
        self.prior, self.num_genes = prior, num_genes
        self.links = links = edges[TARGET]

        def degree(*types: EdgeType) -> Tensor:
            out = torch.zeros(num_genes)
            for et in types:
                if et in edges:
                    out.index_add_(0, edges[et][0], torch.ones(edges[et].shape[1]))
            return torch.log1p(out)

        self.gene_constants = torch.stack(
            [
                degree(TARGET),
                degree(("Gene", "ANNOTATED_WITH", "GOTerm")),
                degree(("Gene", "INTERACTS_WITH", "Gene"), ("Gene", "rev_INTERACTS_WITH", "Gene")),
            ],
            dim=1,
        )  # [G, 3]
        self.linked, self.local = torch.unique(links[1], return_inverse=True)
        # modes of inheritance: of each disease (propagated terms), and of each gene (any of its diseases)
        propagated = prior.propagated.coalesce()
        rows, cols = propagated.indices()
        self.mode_terms = mode_terms
        ordered = mode_terms.sort().values
        hit = torch.isin(cols, ordered)
        column = torch.searchsorted(ordered, cols[hit])
        self.disease_modes = torch.zeros(prior.num_diseases, mode_terms.numel(), dtype=torch.bool)
        self.disease_modes[rows[hit], column] = True
        gene_modes = torch.zeros(num_genes, mode_terms.numel())
        gene_modes.index_add_(0, links[0], self.disease_modes[links[1]].float())
        self.gene_modes = gene_modes > 0
        # curation sources of each gene's diseases ([G, S]: column s = source code s, 0 = unknown)
        source = prior.source[links[1]]
        self.gene_sources = torch.zeros(num_genes, len(SOURCES) + 1, dtype=torch.bool)
        self.gene_sources[links[0], source] = True

    def for_rows(self, rows: Tensor, attention: Tensor, prior: Tensor, spreads: dict[str, Tensor]) -> Tensor:
        """``[Q, G, F]`` features (:data:`FEATURES`) of the graph's diseases ``rows`` as queries.

        Args:
            rows: Query disease indices in the scoring graph (their own links are not used).
            attention: The attention part of the logit, ``[Q, G]``.
            prior: The raw prior (normalised to a top gene's 1), ``[Q, G]``.
            spreads: What reached each gene along each of :data:`SPREADS` (before scaling), ``[Q, G]``.
        """
        sim = self.prior.similarity(rows, self.linked).masked_fill(rows[:, None] == self.linked[None, :], 0.0)
        sources = self._sources(self.prior.source[rows])
        return self._stack(sim, self.disease_modes[rows].float(), sources, attention, prior, spreads)

    def for_terms(self, terms: Tensor, attention: Tensor, prior: Tensor, spreads: dict[str, Tensor]) -> Tensor:
        """``[1, G, F]`` features of a phenotype set that is no disease of the graph (a patient)."""
        sim = self.prior.term_similarity(terms)[:, self.linked]
        modes = self.prior.ancestors(terms)[:, self.mode_terms.sort().values]
        return self._stack(sim, modes, self._sources(torch.zeros(1, dtype=torch.long)), attention, prior, spreads)

    def _sources(self, query_source: Tensor) -> Tensor:
        """``[Q, G, 2]``: the gene has a disease of the query's source; its diseases are all of other known sources."""
        known = query_source > 0
        covered = self.gene_sources[:, query_source].t() & known[:, None]
        other = self.gene_sources[:, 1:].any(dim=1)[None, :] & known[:, None] & ~covered
        return torch.stack([covered, other], dim=-1).float()

    def _stack(
        self,
        sim: Tensor,
        query_modes: Tensor,
        sources: Tensor,
        attention: Tensor,
        prior: Tensor,
        spreads: dict[str, Tensor],
    ) -> Tensor:
        q = sim.shape[0]
        best = torch.zeros(q, self.num_genes).scatter_reduce(
            1, self.links[0].expand(q, -1), sim[:, self.local], reduce="amax", include_self=True
        )
        overall = sim.amax(dim=1, keepdim=True) if sim.shape[1] else torch.zeros(q, 1)
        columns = [attention, torch.log(_FLOOR + prior)]
        for rel in SPREADS:
            s = spreads.get(rel, torch.zeros_like(prior))
            columns.append(torch.log(_FLOOR + s / s.amax(dim=1, keepdim=True).clamp(min=1e-12)))
        columns += [best, best - overall]
        columns += [c.expand(q, -1) for c in self.gene_constants.t()]
        match = (query_modes @ self.gene_modes.float().t()) > 0
        both = (query_modes > 0).any(dim=1, keepdim=True) & self.gene_modes.any(dim=1)[None, :]
        columns += [(both & match).float(), (both & ~match).float()]
        columns += [sources[..., 0].expand(q, -1), sources[..., 1].expand(q, -1)]
        return torch.stack(columns, dim=-1)


def model_parts(
    model: HeteroGAT,
    genes: Tensor,
    queries: Tensor,
    raw_prior: Tensor,
    attention: Attention,
    edges: dict[EdgeType, Tensor],
) -> tuple[Tensor, dict[str, Tensor]]:
    """The model's attention part of the logit ``[Q, G]`` and its prior's spreads, for :class:`RankerFeatures`.

    Args:
        model: The trained model.
        genes: Every gene's representation, ``[G, hidden]``.
        queries: The query diseases' representations, ``[Q, hidden]``.
        raw_prior: Their raw prior over the genes, ``[Q, G]``.
        attention: The encoding's attention (the spreads follow its last layer).
        edges: The scoring graph's message-passing edges.
    """
    with torch.no_grad():
        _, spreads = model.prior_parts(raw_prior, attention, edges, genes.shape[0])
        return model.score_all(genes, queries, None), spreads


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
