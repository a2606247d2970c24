"""The phenotype prior the attention model corrects: genes of phenotypically similar diseases.

``prior(q, g) = Σ_{d ∈ diseases(g)} cos_w(q, d)^power``, normalised per query to [0, 1], where
``cos_w`` is the cosine of weighted, ancestor-propagated HPO vectors; a term's weight is its
information content times a factor learned on simulated patients (:mod:`gnn.term_weights`). The model's logit is
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

from gnn.ontology import HAS_PHENOTYPE, IS_A, ancestor_closure, information_content, propagate, sparse_mm
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
    """

    def __init__(
        self,
        num_nodes: dict[str, int],
        edges: dict[EdgeType, Tensor],
        power: float = 6.0,
        ic_rows: int | None = None,
        term_factor: Tensor | None = None,
    ) -> None:
        self.power = power
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
        weighted = torch.sparse_coo_tensor(
            propagated.indices(),
            self.weights[propagated.indices()[1]],
            propagated.shape,
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
        self.propagated = propagated
        self._all: Tensor | None = None
        self._links_memo: tuple[Tensor, int, Tensor, Tensor] | None = None

    def precompute(self) -> None:
        """Cache every disease-pair similarity (``[D, D]`` floats): training asks for many rows each step."""
        chunks = [
            self.similarity(rows, torch.arange(self.num_diseases))
            for rows in torch.arange(self.num_diseases).split(2048)
        ]
        self._all = torch.cat(chunks)

    def _dense_rows(self, rows: Tensor) -> Tensor:
        crow, col, val = self._csr.crow_indices(), self._csr.col_indices(), self._csr.values()
        starts, lengths = crow[rows], crow[rows + 1] - crow[rows]
        owner = torch.repeat_interleave(torch.arange(rows.numel()), lengths)
        offsets = torch.arange(int(lengths.sum())) - torch.repeat_interleave(
            torch.cumsum(lengths, 0) - lengths, lengths
        )
        positions = starts[owner] + offsets
        out = torch.zeros(rows.numel(), self.vectors.shape[1])
        out[owner, col[positions]] = val[positions]
        return out

    def similarity(self, diseases: Tensor, others: Tensor) -> Tensor:
        """``[len(diseases), len(others)]`` IC-weighted cosine."""
        if self._all is not None:
            return self._all[diseases][:, others]
        a = self._dense_rows(diseases)  # [Q, T]
        return sparse_mm(self._csr, a.t()).t()[:, others]

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

    def scores_for_terms(self, terms: Tensor, links: Tensor) -> Tensor:
        """``[1, num_genes]`` prior of a phenotype set that is no disease of the graph (e.g. a patient).

        Its terms are propagated through the graph's closure and weighted like the graph's diseases.
        """
        return self._genes(self.term_similarity(terms)[:, self._linked(links)[0]], links)

    def ancestors(self, terms: Tensor) -> Tensor:
        """``[1, T]`` 0/1: the terms and all their ancestors."""
        direct = torch.zeros(1, self.closure.shape[0])
        direct[0, terms] = 1.0
        return (sparse_mm(self.closure.t(), direct.t()).t() > 0).float()

    def term_similarity(self, terms: Tensor) -> Tensor:
        """``[1, D]`` weighted cosine of a phenotype set (propagated like a disease's) with every disease."""
        weighted = self.ancestors(terms) * self.weights
        query = weighted / weighted.norm().clamp(min=1e-12)
        return sparse_mm(self._csr, query.t()).t()

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

    def _terms(self, disease: int) -> list[int]:
        """The propagated phenotype terms of one disease."""
        crow = self._csr.crow_indices()
        return self._csr.col_indices()[int(crow[disease]) : int(crow[disease + 1])].tolist()  # type: ignore[no-any-return]

    def contributions(
        self, disease: int, gene: int, links: Tensor, top: int = 3
    ) -> list[tuple[int, float, list[tuple[int, float]]]]:
        """The gene's diseases that make its prior for ``disease``: ``(disease, cos, shared terms (term, weight))``.

        A term's weight is its IC times its learned factor (the IC alone without one).
        """
        mine = links[1][links[0] == gene]
        mine = mine[mine != disease]
        if mine.numel() == 0:
            return []
        sim = self.similarity(torch.tensor([disease]), mine)[0]
        order = torch.argsort(sim, descending=True)[:top]
        q_terms = set(self._terms(disease))
        out = []
        for i in order.tolist():
            d = int(mine[i])
            d_terms = self._terms(d)
            shared = sorted(((t, float(self.weights[t])) for t in d_terms if t in q_terms), key=lambda x: -x[1])[:top]
            out.append((d, float(sim[i]), shared))
        return out


def prior_for(
    model: HeteroGAT, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor], ic_rows: int | None = None
) -> PhenotypePrior | None:
    """The phenotype prior of ``model`` (its power and learned term factors) over ``edges``; ``None`` without one."""
    config = model.config
    if not config.prior:
        return None
    return PhenotypePrior(num_nodes, edges, config.prior_power, ic_rows=ic_rows, term_factor=model.term_factor)
