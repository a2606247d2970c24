"""The evidence network: graph attention over the paths that carry a query's phenotypes to a gene.

A query (a disease's phenotypes, or a patient's) reaches a gene along three kinds of path:

* **similar disease**: query ⇢ known disease ``d`` (the prior's weighted cosine ``s``, shared
  phenotypes) → gene of ``d``;
* **interaction partner**: query ⇢ ``d`` → gene ``g'`` → its interaction partner ``g``;
* **shared GO term**: query ⇢ ``d`` → gene ``g''`` → GO term ``t`` → gene ``g`` annotated with ``t``.

The network passes one number along them, the query's evidence, and attends to each edge::

    direct(g)  = Σ_d  α_dg · s_d^p                       α = exp(MLP(s, inheritance, source, sizes))
    partner(g) = Σ_g' β_g'g · direct(g')^κ               β = symmetric degree norm · exp(θ · sizes)
    go(g)      = Σ_t  β_tg · mean_{g''∈t} direct(g'')^κ
    score(g)   = γ(g) · [direct/Z₀ + ρ_I partner/Z_I + ρ_GO go/Z_GO + ε]     γ = exp(u · gene evidence)

``Z`` are each query's largest value (a top gene's evidence is 1), ``γ`` a gate on every path of
the gene from its inheritance and source match and degrees (optionally with a hidden layer that
also reads the gene's evidence per path kind: ``EvidenceConfig.gate_hidden``), ``ε`` the baseline
of a gene no path reaches. Every term is positive and the score is their sum, so each path's share of the score is
exact: an explanation's parts add up to the served score. Ranking uses the score; training and
the served probability use ``τ · log score`` (a softmax over genes, fitted listwise).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from gnn.ontology import HAS_PHENOTYPE, SOURCES
from gnn.prior import PhenotypePrior
from gnn.split import TARGET
from gnn.term_weights import SparseProduct
from kg.typing import EdgeType

INTERACTS: EdgeType = ("Gene", "INTERACTS_WITH", "Gene")
ANNOTATED: EdgeType = ("Gene", "ANNOTATED_WITH", "GOTerm")
#: HPO's mode-of-inheritance terms: autosomal dominant/recessive, X-linked recessive/dominant, mitochondrial, X-linked.
MODE_TERMS = ("HP:0000006", "HP:0000007", "HP:0001419", "HP:0001423", "HP:0001427", "HP:0001417")
#: The gate's inputs, in order (what :class:`Query` and the graph say about a (query, gene) pair).
GATE_INPUTS = (
    "inheritance match",
    "inheritance mismatch",
    "source covered",
    "other source only",
    "no disease yet",
    "gene diseases",
    "GO terms",
    "partners",
    "LOEUF",
    "LOEUF unknown",
)
#: The link attention's inputs, per (query, similar disease, gene) edge.
LINK_INPUTS = (
    "log cosine",
    "cosine / best",
    "disease terms",
    "inheritance match",
    "inheritance mismatch",
    "same source",
    "other source",
    "disease genes",
)
_TINY = 1e-8
_FLOOR = 1e-4  # added to a path kind's evidence before its log (the gate's hidden layer reads it)


@dataclass(frozen=True)
class EvidenceConfig:
    """Hyper-parameters of the evidence network.

    Args:
        power: Initial exponent of the similarity (6: only close diseases count).
        hidden: Units of the link attention's hidden layer.
        spread: Initial weight of the partner and GO paths against the similar-disease path.
        floor: Initial baseline ``ε`` of a gene no path reaches (a top gene's evidence is 1).
        term_size: Smallest and largest GO term (in genes) a GO path goes through.
        attention: ``False``: uniform weights (the mean-aggregation twin of the ablation).
        gene_gene: ``False``: no interaction or GO paths (the ablation without gene–gene relations).
        message_passing: ``False``: no path at all, the gate's inputs alone rank the genes (the
            ablation with the same inputs and no message passing).
        gate_hidden: Units of a hidden layer added to the gate, over its inputs and the gene's log
            evidence per path kind (0: the linear gate alone). The gate is still one factor per
            gene, so the paths' shares add up to the score; deleting paths holds it fixed.
    """

    power: float = 6.0
    hidden: int = 8
    spread: float = 0.2
    floor: float = 1e-3
    term_size: tuple[int, int] = (3, 500)
    attention: bool = True
    gene_gene: bool = True
    message_passing: bool = True
    gate_hidden: int = 0

    def with_settings(self, settings: dict[str, Any]) -> EvidenceConfig:
        """This config with ``settings`` (a TOML ``[evidence]`` table) applied."""
        return EvidenceConfig.from_saved({**asdict(self), **settings})

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> EvidenceConfig:
        """The config of a saved run (JSON gives lists for tuples)."""
        values = dict(saved)
        if "term_size" in values:
            values["term_size"] = tuple(values["term_size"])
        return cls(**values)


def mode_terms(phenotype_index: dict[str, int]) -> Tensor:
    """Indices of :data:`MODE_TERMS` in a graph's phenotypes (those it has)."""
    return torch.tensor(sorted(phenotype_index[t] for t in MODE_TERMS if t in phenotype_index), dtype=torch.long)


@dataclass
class Query:
    """What the network reads about a batch of queries.

    Args:
        similarity: ``[Q, L]`` weighted cosine with each linked disease (the query itself 0;
            a patient's excluded terms' factor applied).
        modes: ``[Q, M]`` 0/1, the query's modes of inheritance (:data:`MODE_TERMS` it has).
        source: ``[Q]`` its curation source (:data:`gnn.ontology.SOURCES` code; 0 unknown, a patient).
        factor: ``[Q, L]`` a patient's excluded terms' factor on each linked disease's message
            (``None``: none), applied once to ``s^p``, not raised to the power with the cosine.
    """

    similarity: Tensor
    modes: Tensor
    source: Tensor
    factor: Tensor | None = None

    def row(self, i: int) -> Query:
        """Query ``i`` alone."""
        factor = None if self.factor is None else self.factor[i : i + 1]
        return Query(self.similarity[i : i + 1], self.modes[i : i + 1], self.source[i : i + 1], factor)


class EvidenceGraph:
    """The query-independent part of one scoring graph: its links, partners and GO terms.

    Args:
        prior: The phenotype prior of the graph (similarities, modes of inheritance, sources).
        edges: Message-passing edges holding the gene–disease links, interactions and GO annotations.
        num_genes: Genes in the graph.
        modes: Phenotype indices of :data:`MODE_TERMS` in the graph (:func:`mode_terms`).
        term_size: Smallest and largest GO term a GO path goes through.
        loeuf: ``[G]`` gnomAD's LOEUF per gene (NaN unknown; ``None``: no constraint source).
    """

    def __init__(
        self,
        prior: PhenotypePrior,
        edges: dict[EdgeType, Tensor],
        num_genes: int,
        modes: Tensor,
        term_size: tuple[int, int] = (3, 500),
        loeuf: Tensor | None = None,
    ) -> None:
        self.prior, self.num_genes, self.modes = prior, num_genes, modes
        #: ``[G]`` gnomAD's LOEUF per gene (NaN unknown): a constrained gene is more often a disease gene.
        self.loeuf = torch.full((num_genes,), float("nan")) if loeuf is None else loeuf.float()
        self._static: Tensor | None = None
        links = edges[TARGET]
        self.linked, self.link_disease = torch.unique(links[1], return_inverse=True)
        self.link_gene = links[0]
        ones = torch.ones(links.shape[1])
        disease_genes = torch.zeros(self.linked.numel()).index_add_(0, self.link_disease, ones)
        self.link_size = torch.log1p(disease_genes)[self.link_disease]  # [E] log(1 + genes of the disease)
        annotated = edges.get(HAS_PHENOTYPE, torch.empty(2, 0, dtype=torch.long))[0]
        terms = torch.bincount(annotated, minlength=prior.num_diseases).float()
        self.link_terms = torch.log1p(terms[self.linked])[self.link_disease]  # [E] log(1 + the disease's annotations)
        # modes of inheritance of each linked disease (its propagated terms) and of each gene (any of its diseases)
        rows, cols = prior.propagated.coalesce().indices()
        hit = torch.isin(cols, modes)
        disease_modes = torch.zeros(prior.num_diseases, modes.numel())
        disease_modes[rows[hit], torch.searchsorted(modes, cols[hit])] = 1.0
        self.linked_modes = disease_modes[self.linked]  # [L, M]
        self.gene_modes = (
            torch.zeros(num_genes, modes.numel()).index_add_(0, links[0], disease_modes[links[1]]) > 0
        ).float()
        self.linked_source = prior.source[self.linked]  # [L]
        self.gene_sources = torch.zeros(num_genes, len(SOURCES) + 1, dtype=torch.bool)
        self.gene_sources[links[0], prior.source[links[1]]] = True
        # interactions, both directions, no self-loops: a fixed 0/1 matrix; attention factors per node
        pairs = [edges[et] for et in (INTERACTS, ("Gene", "rev_INTERACTS_WITH", "Gene")) if et in edges]
        inter = torch.cat(pairs, dim=1) if pairs else torch.empty(2, 0, dtype=torch.long)
        self.inter = torch.unique(inter[:, inter[0] != inter[1]], dim=1)
        self.partners = torch.bincount(self.inter[1], minlength=num_genes).float()
        self.adjacency = SparseProduct(
            _matrix(self.inter[[1, 0]], torch.ones(self.inter.shape[1]), (num_genes, num_genes))
        )
        # GO: a term's value is the mean over its genes; a gene receives from its informative terms
        go = edges.get(ANNOTATED, torch.empty(2, 0, dtype=torch.long))
        self.num_terms = num_terms = int(go[1].max()) + 1 if go.numel() else 0
        self.term_size = torch.bincount(go[1], minlength=num_terms).float()
        terms_of = torch.bincount(go[0], minlength=num_genes).float()
        low, high = term_size
        self.go = go = go[:, (self.term_size[go[1]] >= low) & (self.term_size[go[1]] <= high)]
        self.kept_terms = torch.bincount(go[0], minlength=num_genes).float()
        mean = 1.0 / self.term_size[go[1]].clamp(min=1)
        self.term_mean = SparseProduct(_matrix(go[[1, 0]], mean, (num_terms, num_genes)))
        self.term_up = SparseProduct(_matrix(go, torch.ones(go.shape[1]), (num_genes, num_terms)))
        gene_links = torch.zeros(num_genes).index_add_(0, links[0], ones)
        self.gene_degrees = torch.log1p(torch.stack([gene_links, terms_of, self.partners], dim=1))  # [G, 3]

    # -- queries ------------------------------------------------------------------------
    def for_rows(self, rows: Tensor) -> Query:
        """The graph's diseases ``rows`` as queries (their own links unused)."""
        sim = self.prior.similarity(rows, self.linked).masked_fill(rows[:, None] == self.linked[None, :], 0.0)
        modes = (
            self.prior.propagated.index_select(0, rows).to_dense()[:, self.modes]
            if self.modes.numel()
            else torch.zeros(rows.numel(), 0)
        )
        return Query(sim, (modes > 0).float(), self.prior.source[rows])

    def for_terms(self, terms: Tensor, penalty: Tensor | None = None) -> Query:
        """A phenotype set that is no disease of the graph (a patient).

        ``penalty``: ``[1, D]`` the factor of the patient's excluded terms on each disease's evidence.
        """
        sim = self.prior.term_similarity(terms)
        modes = self.prior.ancestors(terms)[:, self.modes]
        factor = None if penalty is None else penalty[:, self.linked]
        return Query(sim[:, self.linked], modes, torch.zeros(1, dtype=torch.long), factor)

    def for_profiles(self, profiles: Tensor, exclude: Tensor | None = None) -> Query:
        """``[B, T]`` 0/1 propagated term sets (simulated patients); ``exclude``: ``[B]`` a disease each may not use."""
        sim = self.prior.profiles_similarity(profiles)[:, self.linked]
        if exclude is not None:
            sim = sim.masked_fill(exclude[:, None] == self.linked[None, :], 0.0)
        return Query(sim, profiles[:, self.modes], torch.zeros(profiles.shape[0], dtype=torch.long))

    def pair_evidence(self, query: Query) -> Tensor:
        """``[Q, G, 10]`` the gate's inputs (:data:`GATE_INPUTS`)."""
        q = query.similarity.shape[0]
        return torch.cat([torch.stack(self.query_gene(query), dim=-1), self.gene_static()[None].expand(q, -1, -1)], -1)

    def query_gene(self, query: Query) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``[Q, G]`` each: inheritance match and mismatch; a disease of the query's source, or only of others."""
        match = (query.modes @ self.gene_modes.t()) > 0
        both = (query.modes > 0).any(dim=1, keepdim=True) & (self.gene_modes > 0).any(dim=1)[None, :]
        known = query.source > 0
        covered = self.gene_sources[:, query.source].t() & known[:, None]
        other = self.gene_sources[:, 1:].any(dim=1)[None, :] & known[:, None] & ~covered
        return (both & match).float(), (both & ~match).float(), covered.float(), other.float()

    def gene_static(self) -> Tensor:
        """``[G, 6]`` the gate's inputs that belong to the gene alone (from ``no disease yet`` on)."""
        if self._static is not None:
            return self._static
        unknown = self.loeuf.isnan()
        self._static = torch.cat(
            [
                (self.gene_degrees[:, :1] == 0).float(),
                self.gene_degrees,
                self.loeuf.nan_to_num(1.0)[:, None],
                unknown.float()[:, None],
            ],
            dim=1,
        )
        return self._static

    def link_evidence(self, query: Query) -> tuple[Tensor, Tensor]:
        """``[Q, E]`` each link's cosine and ``[Q, E, 8]`` the link attention's inputs (:data:`LINK_INPUTS`)."""
        s = query.similarity.clamp(min=0)[:, self.link_disease]
        modes = self.linked_modes[self.link_disease]  # [E, M]
        match = (query.modes @ modes.t()) > 0
        both = (query.modes > 0).any(dim=1, keepdim=True) & (modes > 0).any(dim=1)[None, :]
        src = self.linked_source[self.link_disease]
        known = (query.source[:, None] > 0) & (src[None, :] > 0)
        same = known & (query.source[:, None] == src[None, :])
        q = s.shape[0]
        best = s.amax(dim=1, keepdim=True).clamp(min=1e-12)
        x = torch.stack(
            [
                torch.log(1e-4 + s),
                s / best,
                self.link_terms.expand(q, -1),
                (both & match).float(),
                (both & ~match).float(),
                same.float(),
                (known & ~same).float(),
                self.link_size.expand(q, -1),
            ],
            dim=-1,
        )
        return s, x


@dataclass
class Evidence:
    """The network's parts for a batch of queries, ``[Q, G]`` each (their sum times ``gate`` is the score)."""

    direct: Tensor
    partner: Tensor
    go: Tensor
    baseline: Tensor
    gate: Tensor
    #: What each query's raw sums were divided by (a top gene's evidence is 1): direct, partner, go.
    scale: Tensor = field(default_factory=lambda: torch.ones(0, 3))

    @property
    def score(self) -> Tensor:
        """The served score: positive, the exact sum of every path's share."""
        return self.gate * (self.direct + self.partner + self.go + self.baseline)


class EvidenceNet(nn.Module):
    """Attention over similar-disease, partner and GO paths; see the module docstring.

    Every learned part starts neutral: the untrained network scores like the phenotype prior
    plus its spread (``α = 1``, ``β`` the symmetric degree norm, ``γ = 1``).
    """

    def __init__(self, config: EvidenceConfig = EvidenceConfig()) -> None:
        super().__init__()
        self.config = config
        self.raw_power = nn.Parameter(torch.tensor(math.log(math.expm1(config.power))))
        out = nn.Linear(config.hidden, 1)
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        #: The link attention: a small MLP over :data:`LINK_INPUTS`, its output starting at 0 (``α = 1``).
        self.link = nn.Sequential(nn.Linear(len(LINK_INPUTS), config.hidden), nn.ReLU(), out)
        #: Exponents of the sender's and receiver's partner counts in an interaction's attention.
        self.inter_theta = nn.Parameter(torch.zeros(2))
        #: Exponent of a GO term's size in its attention.
        self.go_theta = nn.Parameter(torch.zeros(1))
        self.raw_kappa = nn.Parameter(torch.full((2,), math.log(math.expm1(1.0))))
        self.raw_spread = nn.Parameter(torch.full((2,), math.log(math.expm1(config.spread))))
        self.log_floor = nn.Parameter(torch.tensor(math.log(config.floor)))
        self.gate = nn.Linear(len(GATE_INPUTS), 1)
        nn.init.zeros_(self.gate.weight)
        nn.init.zeros_(self.gate.bias)
        self.log_temperature = nn.Parameter(torch.zeros(()))
        #: The gate's hidden layer (``gate_hidden`` units; its output starts at 0), or ``None``.
        self.gate_mlp: nn.Sequential | None = None
        if config.gate_hidden:
            last = nn.Linear(config.gate_hidden, 1)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
            self.gate_mlp = nn.Sequential(nn.Linear(len(GATE_INPUTS) + 3, config.gate_hidden), nn.ReLU(), last)

    @property
    def power(self) -> Tensor:
        """The similarity's exponent ``p``."""
        return nn.functional.softplus(self.raw_power)

    @property
    def kappa(self) -> Tensor:
        """The exponents of the partner and GO messages (``κ``)."""
        return nn.functional.softplus(self.raw_kappa)

    @property
    def spread(self) -> Tensor:
        """The weights of the partner and GO paths (``ρ``)."""
        return nn.functional.softplus(self.raw_spread)

    def link_weights(self, graph: EvidenceGraph, query: Query) -> tuple[Tensor, Tensor]:
        """``[Q, E]`` each link's cosine and its message ``α · s^p`` (before the query's scale)."""
        s, attention, message = self.link_parts(graph, query)
        return s, attention * message

    def link_parts(self, graph: EvidenceGraph, query: Query) -> tuple[Tensor, Tensor, Tensor]:
        """``[Q, E]`` each: a link's cosine ``s``, its attention ``α`` and ``s^p``.

        Without attention, ``α`` is ``1 / (the gene's diseases)``: the mean over them.
        """
        s, x = graph.link_evidence(query)
        power = torch.exp(self.power * torch.log(s.clamp(min=_TINY))) * (s > 0)
        if query.factor is not None:
            power = power * query.factor[:, graph.link_disease]
        if not self.config.attention:
            degree = torch.bincount(graph.link_gene, minlength=graph.num_genes).float().clamp(min=1)
            return s, (1.0 / degree[graph.link_gene]).expand_as(s), power
        return s, torch.exp(self.link(x).squeeze(-1)), power

    def partner_factors(self, graph: EvidenceGraph) -> tuple[Tensor, Tensor]:
        """``[G]`` each: the sender's and the receiver's factor of an interaction's attention.

        An interaction ``g' → g`` weighs ``β = (n' n)^-½ · (1 + n')^θ₁ (1 + n)^θ₂`` (``n`` partners):
        the symmetric degree norm (a hub passes little to each partner) reshaped by what is learned.
        Uniform without attention: the mean over ``g``'s partners.
        """
        n = graph.partners.clamp(min=1)
        if not self.config.attention:
            return torch.ones_like(n), 1.0 / n
        theta = self.inter_theta
        return n**-0.5 * torch.exp(theta[0] * torch.log1p(n)), n**-0.5 * torch.exp(theta[1] * torch.log1p(n))

    def go_factors(self, graph: EvidenceGraph) -> tuple[Tensor, Tensor]:
        """``[T]`` and ``[G]``: the GO term's and the receiving gene's factor of a GO path's attention.

        A term ``t → g`` weighs ``β = k^-½ · (1 + size_t)^θ`` (``k`` the gene's informative terms).
        Uniform without attention: the mean over ``g``'s terms.
        """
        k = graph.kept_terms.clamp(min=1)
        if not self.config.attention:
            return torch.ones(graph.num_terms), 1.0 / k
        return torch.exp(self.go_theta[0] * torch.log1p(graph.term_size)), k**-0.5

    def forward(self, graph: EvidenceGraph, query: Query) -> Evidence:
        """Every part of the score of every gene for each query."""
        q, genes = query.similarity.shape[0], graph.num_genes
        raw = torch.zeros(q, genes)
        if self.config.message_passing:
            raw = raw.index_add(1, graph.link_gene, self.link_weights(graph, query)[1])
        z0 = raw.amax(dim=1, keepdim=True).clamp(min=1e-12)
        direct = raw / z0
        zeros = torch.zeros_like(direct)
        partner, go, scales = zeros, zeros, [z0, torch.ones_like(z0), torch.ones_like(z0)]
        if self.config.gene_gene and self.config.message_passing:
            kappa, spread = self.kappa, self.spread
            if graph.inter.numel():
                source, target = self.partner_factors(graph)
                sent = torch.exp(kappa[0] * torch.log(direct.clamp(min=_TINY))) * (direct > 0) * source
                raw_i = graph.adjacency(sent.t()).t() * target
                zi = raw_i.amax(dim=1, keepdim=True).clamp(min=1e-12)
                partner, scales[1] = spread[0] * raw_i / zi, zi / spread[0]
            if graph.go.numel():
                term_factor, gene_factor = self.go_factors(graph)
                value = graph.term_mean(direct.t()).t()
                sent = torch.exp(kappa[1] * torch.log(value.clamp(min=_TINY))) * (value > 0) * term_factor
                raw_g = graph.term_up(sent.t()).t() * gene_factor
                zg = raw_g.amax(dim=1, keepdim=True).clamp(min=1e-12)
                go, scales[2] = spread[1] * raw_g / zg, zg / spread[1]
        gate_logit = self.gate_logit(graph, query)
        if self.gate_mlp is not None:
            kinds = torch.stack([torch.log(_FLOOR + part) for part in (direct, partner, go)], dim=-1)
            gate_logit = gate_logit + self.gate_mlp(torch.cat([graph.pair_evidence(query), kinds], -1)).squeeze(-1)
        gate = torch.exp(gate_logit)
        baseline = torch.exp(self.log_floor).expand(q, genes)
        return Evidence(direct, partner, go, baseline, gate, torch.cat(scales, dim=1))

    def gate_logit(self, graph: EvidenceGraph, query: Query) -> Tensor:
        """``[Q, G]`` ``u · x``: the log of each gene's gate (:data:`GATE_INPUTS`)."""
        weight = self.gate.weight[0]
        out = (graph.gene_static() @ weight[4:] + self.gate.bias)[None, :]
        for k, column in enumerate(graph.query_gene(query)):
            out = out + weight[k] * column
        return out

    def logits(self, evidence: Evidence) -> Tensor:
        """``τ · log score``: what the softmax over genes (training, the served probability) reads."""
        return torch.exp(self.log_temperature) * torch.log(evidence.score)

    def summary(self) -> dict[str, Any]:
        """The learned scalars, in readable units (for the model card)."""
        with torch.no_grad():
            return self._summary()

    def _summary(self) -> dict[str, Any]:
        return {
            "power": float(self.power),
            "partner weight": float(self.spread[0]),
            "GO weight": float(self.spread[1]),
            "partner exponent": float(self.kappa[0]),
            "GO exponent": float(self.kappa[1]),
            "baseline": float(torch.exp(self.log_floor)),
            "temperature": float(torch.exp(self.log_temperature)),
            "gate": dict(zip(GATE_INPUTS, self.gate.weight[0].tolist(), strict=True)),
            "gate hidden units": self.config.gate_hidden,
        }


def _matrix(index: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    """A CSR matrix with ``values`` at ``index`` (``[2, E]`` row, column)."""
    return torch.sparse_coo_tensor(index, values, shape, check_invariants=False).coalesce().to_sparse_csr()


def gene_loeuf(node_attrs: dict[str, list[str]], data: Any) -> Tensor | None:
    """``[G]`` the export's LOEUF column of genes (NaN unknown), or ``None`` when it has none."""
    names = node_attrs.get("Gene", [])
    if "loeuf" not in names:
        return None
    return data["Gene"].node_attr[:, names.index("loeuf")].float()
