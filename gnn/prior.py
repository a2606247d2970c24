"""The phenotype prior the attention model corrects: genes of phenotypically similar diseases.

``prior(q, g) = Σ_{d ∈ diseases(g)} cos_w(q, d)^power``, normalised per query to [0, 1], where
``cos_w`` is the cosine of weighted, ancestor-propagated HPO vectors; a term's weight is its
information content times a factor learned on simulated patients (:mod:`gnn.term_weights`), and
in a disease's vector also the annotation's frequency to a power (an occasional feature of a
disease counts less than an obligate one; unknown frequencies count in full). Two diseases curated
by different sources (OMIM, Orphanet) have their cosine multiplied by ``cross_source``: each source
annotates in its own style, so one disease's twin in the other source looks less alike than it
is. The model's logit is
``weight · prior + attention-model logit``: the prior carries what phenotype similarity knows,
the graph-attention part learns what it misses (genes without a disease, via GO and
interactions). Explanations show both parts (:meth:`PhenotypePrior.contributions`).

The prior only ever sees message-passing links: during training the supervised diseases' own
links are hidden from it exactly as they are from the attention layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from gnn.ontology import (
    HAS_PHENOTYPE,
    IS_A,
    DiseaseFacts,
    ancestor_closure,
    best_match,
    csr32,
    dense_rows,
    information_content,
    propagate,
    propagate_max,
    sparse_mm,
)
from kg.typing import EdgeType

if TYPE_CHECKING:
    from gnn.model import HeteroGAT


class PhenotypePrior:
    """IC-weighted disease vectors of one graph; scores genes for any disease row.

    Args:
        num_nodes: Node counts (``Phenotype``, ``Disease``, ``Gene``).
        edges: Edges holding ``IS_A`` and ``HAS_PHENOTYPE`` (the latter may include transient
            query diseases; IC is computed from the first ``ic_rows`` diseases only).
        power: Sharpening exponent of the cosine (6: only close diseases count).
        ic_rows: Diseases whose annotations define information content (default: all).
        term_factor: Learned per-phenotype factors on IC (:mod:`gnn.term_weights`); ``None``: IC alone.
        facts: The annotations' HPO frequencies and the diseases' curation sources (``None``: neither).
        frequency_power: Exponent of the frequency in a disease's vector (0: every annotation counts in full).
        cross_source: Factor on the cosine of two diseases of different known sources (1: none).
    """

    def __init__(
        self,
        num_nodes: dict[str, int],
        edges: dict[EdgeType, Tensor],
        power: float = 6.0,
        ic_rows: int | None = None,
        term_factor: Tensor | None = None,
        facts: DiseaseFacts | None = None,
        frequency_power: float = 0.0,
        cross_source: float = 1.0,
    ) -> None:
        self.power, self.cross_source = power, cross_source
        facts = facts or DiseaseFacts()
        self.num_genes, self.num_diseases = num_nodes["Gene"], num_nodes["Disease"]
        closure = ancestor_closure(edges.get(IS_A, torch.empty(2, 0, dtype=torch.long)), num_nodes["Phenotype"])
        annotations = edges[HAS_PHENOTYPE]
        self.closure = closure
        propagated = propagate(annotations, self.num_diseases, closure)
        basis = propagated
        if ic_rows is not None:
            keep = annotations[0] < ic_rows
            basis = propagate(annotations[:, keep], ic_rows, closure)
        self.ic = information_content(basis)
        #: Each phenotype's weight in the cosine: its IC, times its learned factor when there is one.
        self.weights = self.ic if term_factor is None else self.ic * term_factor.to(self.ic)
        strength = annotation_weights(facts.frequency, annotations.shape[1], frequency_power)
        #: ``[E]`` each annotation's HPO frequency (0–1; NaN when unknown).
        self.frequency = torch.full((annotations.shape[1],), float("nan"))
        if facts.frequency is not None:
            self.frequency[: facts.frequency.numel()] = facts.frequency.float()
        #: ``[D]`` each disease's curation source (:data:`gnn.ontology.SOURCES` code; 0 unknown).
        self.source = torch.zeros(self.num_diseases, dtype=torch.long)
        if facts.source is not None:
            self.source[: facts.source.numel()] = facts.source[: self.num_diseases]
        #: ``[D, T]`` each disease's propagated terms, valued by their annotations' frequency weight
        #: (1 without frequencies; same sparsity as ``propagated``).
        self.profile = (
            propagated if strength is None else propagate_max(annotations, strength, self.num_diseases, closure)
        )
        weighted = torch.sparse_coo_tensor(
            self.profile.indices(),
            self.profile.values() * self.weights[self.profile.indices()[1]],
            self.profile.shape,
            check_invariants=True,
        ).coalesce()
        norms = (
            torch.zeros(self.num_diseases)
            .index_add_(0, weighted.indices()[0], weighted.values() ** 2)
            .sqrt()
            .clamp(min=1e-12)
        )
        idx = weighted.indices()
        self.vectors = torch.sparse_coo_tensor(
            idx, weighted.values() / norms[idx[0]], weighted.shape, check_invariants=True
        ).coalesce()  # [D, T], unit rows
        self._csr = self.vectors.to_sparse_csr()
        self._profile_csr = self.profile.to_sparse_csr()
        self.propagated = propagated
        self._annotations = annotations
        self._presence: dict[float, Tensor] = {}  # by the frequency assumed when unknown
        self._closure: Tensor | None = None
        self._present: Tensor | None = None
        self._all: Tensor | None = None
        self._links_memo: tuple[Tensor, int, Tensor, Tensor] | None = None

    def precompute(self) -> None:
        """Cache every disease-pair similarity (``[D, D]`` floats): training asks for many rows each step."""
        chunks = [
            self.similarity(rows, torch.arange(self.num_diseases))
            for rows in torch.arange(self.num_diseases).split(2048)
        ]
        self._all = torch.cat(chunks)

    def similarity(self, diseases: Tensor, others: Tensor) -> Tensor:
        """``[len(diseases), len(others)]`` IC-weighted cosine, times ``cross_source`` across sources."""
        if self._all is not None:
            return self._all[diseases][:, others]
        a = dense_rows(self._csr, diseases)  # [Q, T]
        cosine = sparse_mm(self._csr, a.t()).t()[:, others]
        return cosine * self.source_factor(self.source[diseases], self.source[others])

    def source_factor(self, a: Tensor, b: Tensor) -> Tensor:
        """``[len(a), len(b)]`` the factor on the cosine between diseases of sources ``a`` and ``b``."""
        differ = (a[:, None] > 0) & (b[None, :] > 0) & (a[:, None] != b[None, :])
        return torch.where(differ, self.cross_source, 1.0)

    def scores(self, diseases: Tensor, links: Tensor) -> Tensor:
        """``[len(diseases), num_genes]`` prior, normalised per row to max 1.

        Args:
            diseases: Query disease indices.
            links: ``[2, L]`` (gene, disease) message-passing links; a query's own links are
                excluded (its similarity to itself is not used).
        """
        linked = self._linked(links)[0]
        sim = self.similarity(diseases, linked).masked_fill(diseases[:, None] == linked[None, :], 0.0)
        return self._genes(sim, links)

    def scores_for_terms(self, terms: Tensor, links: Tensor, penalty: Tensor | None = None) -> Tensor:
        """``[1, num_genes]`` prior of a phenotype set that is no disease of the graph (e.g. a patient).

        Its terms are propagated through the graph's closure and weighted like the graph's diseases.
        ``penalty``: ``[1, D]`` factor on each disease's cosine (:meth:`exclusion`; ``None``: 1).
        """
        sim = self.term_similarity(terms)
        if penalty is not None:
            sim = sim * penalty
        return self._genes(sim[:, self._linked(links)[0]], links)

    def presence(self, terms: Tensor, unknown: float = 0.25) -> Tensor:
        """``[len(terms), D]`` how often each disease shows each term or a descendant of it.

        A disease's annotation counts with its HPO frequency (``unknown`` when the annotation has
        none); a term reached through several annotations takes the largest; 0 where the disease
        has neither the term nor a descendant (a known frequency of 0 counts as 0.001: the
        disease was annotated with it).
        """
        if unknown not in self._presence:
            frequency = self.frequency.nan_to_num(unknown).clamp(min=1e-3)
            matrix = propagate_max(self._annotations, frequency, self.num_diseases, self.closure)
            self._presence[unknown] = matrix.t().coalesce().to_sparse_csr()  # [T, D]
        return dense_rows(self._presence[unknown], terms)

    def exclusion(self, excluded: Tensor, checked: float, unknown: float, temper: float) -> Tensor:
        """``[1, D]`` the likelihood ratio of a patient's excluded terms for each disease, tempered.

        An excluded term says two things: it was examined, and it is absent. A term is examined
        mostly when it is a feature of a disease in the clinician's differential, and otherwise
        with probability ``checked``; it is absent with probability ``1 − f`` where the disease
        shows it in a fraction ``f`` of its patients. So for each excluded term a disease that
        has it scores ``(1 − f) / checked`` (at least 0.05 / ``checked``), one without it 1: an
        occasional feature examined and absent points to the disease, an obligate one away from
        it. The product over the terms is raised to ``temper`` (the terms of one patient are not
        independent evidence). Unknown frequencies count as ``unknown``.
        """
        if excluded.numel() == 0:
            return torch.ones(1, self.num_diseases)
        f = self.presence(excluded, unknown)
        ratio = torch.where(f > 0, (1 - f).clamp(min=0.05) / checked, torch.ones_like(f))
        return ratio.prod(dim=0, keepdim=True) ** temper

    def ancestors(self, terms: Tensor) -> Tensor:
        """``[1, T]`` 0/1: the terms and all their ancestors."""
        closure = self._closure_csr()  # row t: t and its ancestors
        out = torch.zeros(1, closure.shape[1])
        if terms.numel():
            out[0, dense_rows(closure, terms).amax(dim=0) > 0] = 1.0
        return out

    def term_similarity(self, terms: Tensor) -> Tensor:
        """``[1, D]`` weighted cosine of a phenotype set (propagated like a disease's) with every disease."""
        weighted = self.ancestors(terms) * self.weights
        query = weighted / weighted.norm().clamp(min=1e-12)
        return sparse_mm(self._csr, query.t()).t()

    def profiles_similarity(self, profiles: Tensor) -> Tensor:
        """``[B, D]`` weighted cosine of ``[B, T]`` 0/1 propagated term sets (simulated patients) with every disease."""
        weighted = profiles * self.weights
        unit = weighted / weighted.norm(dim=1, keepdim=True).clamp(min=1e-12)
        return sparse_mm(self._csr, unit.t()).t()

    def _genes(self, sim: Tensor, links: Tensor) -> Tensor:
        """``[Q, D_linked]`` cosines (columns: ``unique(links[1])``) → normalised gene prior ``[Q, G]``."""
        gene_disease = self._linked(links)[1]
        sim = sim.clamp(min=0) ** self.power
        raw = sparse_mm(gene_disease, sim.t()).t()  # [Q, G]
        return raw / raw.max(dim=1, keepdim=True).values.clamp(min=1e-12)

    def _linked(self, links: Tensor) -> tuple[Tensor, Tensor]:
        """The linked diseases (``unique(links[1])``) and the ``[G, D_linked]`` gene–disease matrix.

        Both are kept for the last ``links`` tensor seen, while it is unchanged (inference asks with
        the same tensor every time; training passes new ones).
        """
        memo = self._links_memo
        if memo is None or memo[0] is not links or memo[1] != links._version:
            linked, local = torch.unique(links[1], return_inverse=True)
            gene_disease = torch.sparse_coo_tensor(
                torch.stack([links[0], local]),
                torch.ones(links.shape[1]),
                (self.num_genes, linked.numel()),
                check_invariants=True,
            ).coalesce()
            memo = self._links_memo = (links, links._version, linked, gene_disease)
        return memo[2], memo[3]

    def best_match(self, terms: Tensor) -> Tensor:
        """``[D]`` Phenomizer's best-match similarity of a term set to every disease (plain IC)."""
        if self._present is None:
            self._present = csr32(self.propagated.t().coalesce())
        return best_match(terms, self._closure_csr(), self._present, self.ic)

    def propagated_terms(self, disease: int) -> set[int]:
        """The disease's phenotype terms and all their ancestors."""
        return set(self._terms(disease))

    def ancestor_terms(self, term: int) -> list[int]:
        """The term and all its ancestors."""
        closure = self._closure_csr()
        crow = closure.crow_indices()
        return closure.col_indices()[int(crow[term]) : int(crow[term + 1])].tolist()  # type: ignore[no-any-return]

    def annotations_of(self, disease: int) -> list[tuple[int, float]]:
        """The disease's own annotations: ``(term, HPO frequency)``, NaN frequency when unknown."""
        mine = (self._annotations[0] == disease).nonzero().flatten()
        return list(zip(self._annotations[1][mine].tolist(), self.frequency[mine].tolist(), strict=True))

    def _closure_csr(self) -> Tensor:
        if self._closure is None:
            self._closure = self.closure.to_sparse_csr()
        return self._closure

    def _terms(self, disease: int) -> list[int]:
        """The propagated phenotype terms of one disease."""
        crow = self._csr.crow_indices()
        return self._csr.col_indices()[int(crow[disease]) : int(crow[disease + 1])].tolist()  # type: ignore[no-any-return]

    def contributions(
        self, disease: int, gene: int, links: Tensor, top: int = 3
    ) -> list[tuple[int, float, float, list[tuple[int, float]]]]:
        """The gene's diseases that make its prior: ``(disease, cos, source factor, shared terms (term, weight))``.

        Each adds ``(cos × source factor) ** power`` to the gene's prior (before normalisation); the
        factor is ``cross_source`` when the two diseases come from different sources, else 1.

        A term's weight is its weight in the known disease's vector: its IC times its learned factor
        (the IC alone without one) times the annotation's frequency weight (1 when unknown).
        """
        mine = links[1][links[0] == gene]
        mine = mine[mine != disease]
        if mine.numel() == 0:
            return []
        sim = self.similarity(torch.tensor([disease]), mine)[0]
        factor = self.source_factor(self.source[[disease]], self.source[mine])[0]
        order = torch.argsort(sim, descending=True)[:top]
        q_terms = set(self._terms(disease))
        out = []
        crow, col, val = (
            self._profile_csr.crow_indices(),
            self._profile_csr.col_indices(),
            self._profile_csr.values(),
        )
        for i in order.tolist():
            d = int(mine[i])
            span = slice(int(crow[d]), int(crow[d + 1]))
            terms = zip(col[span].tolist(), val[span].tolist(), strict=True)
            weighted = ((t, float(self.weights[t]) * f) for t, f in terms if t in q_terms)
            shared = sorted(weighted, key=lambda x: -x[1])[:top]
            out.append((d, float(sim[i] / factor[i]), float(factor[i]), shared))
        return out


def annotation_weights(frequency: Tensor | None, count: int, power: float) -> Tensor | None:
    """``[count]`` weight of each annotation: ``frequency ** power`` (≥ 1 %), 1 when unknown or beyond ``frequency``.

    ``None`` when nothing is weighted (no frequencies, or ``power`` 0).
    """
    if frequency is None or power == 0 or frequency.numel() == 0:
        return None
    if frequency.numel() > count:
        raise ValueError(f"{frequency.numel()} annotation frequencies for {count} HAS_PHENOTYPE edges")
    known = frequency.float().nan_to_num(1.0).clamp(0.01, 1.0) ** power
    return torch.cat([known, torch.ones(count - frequency.numel())])


def prior_for(
    model: HeteroGAT,
    num_nodes: dict[str, int],
    edges: dict[EdgeType, Tensor],
    ic_rows: int | None = None,
    facts: DiseaseFacts | None = None,
) -> PhenotypePrior | None:
    """The phenotype prior of ``model`` (its power and learned term factors) over ``edges``; ``None`` without one.

    ``facts``: the annotations' frequencies and diseases' sources (:attr:`gnn.export.ExportedGraph.disease_facts`).
    """
    config = model.config
    if not config.prior:
        return None
    return PhenotypePrior(
        num_nodes,
        edges,
        config.prior_power,
        ic_rows=ic_rows,
        term_factor=model.term_factor,
        facts=facts,
        frequency_power=config.prior_frequency_power,
        cross_source=config.prior_cross_source,
    )
