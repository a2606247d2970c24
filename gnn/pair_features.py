"""What the evidence ranker reads: per-(disease, gene) features of a scoring graph.

The attention model's logit is a fixed sum: attention part + ``w · log(prior + spreads)``. The
ranker (:mod:`gnn.ranker`) re-weighs those parts and adds what the graph says about each pair:

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
* ``similar-disease walk``: the best baseline's own score, on a log scale: a random walk with
  restart over interactions and GO from the genes of the query's most similar diseases by plain
  IC cosine (:class:`gnn.walk.SimilarDiseaseWalk`), a similarity view the prior re-weighs away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from gnn.ontology import SOURCES
from gnn.prior import PhenotypePrior
from gnn.split import TARGET
from gnn.walk import ANNOTATED, INTERACTS, SimilarDiseaseWalk
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
    "similar-disease walk",
)
_FLOOR = 1e-4


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
                degree(ANNOTATED),
                degree(INTERACTS, ("Gene", "rev_INTERACTS_WITH", "Gene")),
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
        self.walk = SimilarDiseaseWalk(prior, edges, num_genes)

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
        walk = self.walk.for_rows(rows)
        return self._stack(sim, self.disease_modes[rows].float(), sources, walk, attention, prior, spreads)

    def for_terms(
        self,
        terms: Tensor,
        attention: Tensor,
        prior: Tensor,
        spreads: dict[str, Tensor],
        penalty: Tensor | None = None,
    ) -> Tensor:
        """``[1, G, F]`` features of a phenotype set that is no disease of the graph (a patient).

        ``penalty``: ``[1, D]`` factor on each disease's cosine for the patient's excluded terms
        (:meth:`gnn.prior.PhenotypePrior.exclusion`), applied wherever a cosine is read.
        """
        sim = self.prior.term_similarity(terms)
        if penalty is not None:
            sim = sim * penalty
        modes = self.prior.ancestors(terms)[:, self.mode_terms.sort().values]
        sources = self._sources(torch.zeros(1, dtype=torch.long))
        walk = self.walk.for_terms(terms, penalty)
        return self._stack(sim[:, self.linked], modes, sources, walk, attention, prior, spreads)

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
        walk: Tensor,
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
            columns.append(_log_scaled(spreads.get(rel, torch.zeros_like(prior))))
        columns += [best, best - overall]
        columns += [c.expand(q, -1) for c in self.gene_constants.t()]
        match = (query_modes @ self.gene_modes.float().t()) > 0
        both = (query_modes > 0).any(dim=1, keepdim=True) & self.gene_modes.any(dim=1)[None, :]
        columns += [(both & match).float(), (both & ~match).float()]
        columns += [sources[..., 0].expand(q, -1), sources[..., 1].expand(q, -1)]
        columns.append(_log_scaled(walk))
        return torch.stack(columns, dim=-1)


def _log_scaled(values: Tensor) -> Tensor:
    """``[Q, G]`` non-negative scores → ``log(floor + score / the row's top score)``."""
    return torch.log(_FLOOR + values / values.amax(dim=1, keepdim=True).clamp(min=1e-12))


def model_parts(
    model: HeteroGAT,
    genes: Tensor,
    queries: Tensor,
    raw_prior: Tensor,
    attention: Attention,
    edges: dict[EdgeType, Tensor],
    spreads: dict[str, Tensor] | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """The model's attention part of the logit ``[Q, G]`` and its prior's spreads, for :class:`RankerFeatures`.

    Args:
        model: The trained model.
        genes: Every gene's representation, ``[G, hidden]``.
        queries: The query diseases' representations, ``[Q, hidden]``.
        raw_prior: Their raw prior over the genes, ``[Q, G]``.
        attention: The encoding's attention (the spreads follow its last layer).
        edges: The scoring graph's message-passing edges.
        spreads: The spreads of ``raw_prior`` when the caller has them (:meth:`HeteroGAT.prior_parts`).
    """
    with torch.no_grad():
        if spreads is None:
            _, spreads = model.prior_parts(raw_prior, attention, edges, genes.shape[0])
        return model.score_all(genes, queries, None), spreads
