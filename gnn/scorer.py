"""The one scorer: the evidence network over one graph, for every caller.

Training's evaluation, ``kg benchmark``, ``kg predict``, ``kg rank``, the API and the notebook all
rank genes with :class:`EvidenceScorer`: the graph's diseases as queries (their own links unused),
or a phenotype set (a patient, with the factor of its excluded terms). What is ranked is the
network's score; the served probability is the softmax of ``τ · log score`` over all genes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from gnn.evidence import Evidence, EvidenceGraph, EvidenceNet, Query, gene_loeuf, mode_terms
from gnn.evidence_paths import GeneEvidence, gene_evidence
from gnn.export import ExportedGraph
from gnn.prior import PhenotypePrior
from kg.typing import EdgeType


@dataclass
class Scored:
    """One query's output: the network's parts and the query they answer."""

    query: Query
    evidence: Evidence

    @property
    def score(self) -> Tensor:
        """``[Q, G]`` the served score."""
        return self.evidence.score


class EvidenceScorer:
    """The evidence network over one scoring graph (built once, any number of queries).

    Args:
        net: The trained network.
        prior: The graph's phenotype prior (the run's learned term weights).
        edges: Message-passing edges (every known link, interactions, GO annotations).
        num_genes: Genes in the graph.
        modes: Phenotype indices of the modes of inheritance (:func:`gnn.evidence.mode_terms`).
        loeuf: The genes' gnomAD LOEUF (NaN unknown; ``None``: no constraint source).
    """

    def __init__(
        self,
        net: EvidenceNet,
        prior: PhenotypePrior,
        edges: dict[EdgeType, Tensor],
        num_genes: int,
        modes: Tensor,
        loeuf: Tensor | None = None,
    ) -> None:
        self.net = net.eval()
        self.graph = EvidenceGraph(prior, edges, num_genes, modes, net.config.term_size, loeuf)

    @classmethod
    def of_export(
        cls, net: EvidenceNet, prior: PhenotypePrior, graph: ExportedGraph, edges: dict[EdgeType, Tensor]
    ) -> EvidenceScorer:
        """The scorer of an export's graph (its modes of inheritance and its genes' constraint)."""
        modes = mode_terms(graph.index("Phenotype"))
        return cls(net, prior, edges, graph.num_nodes["Gene"], modes, gene_loeuf(graph.node_attrs, graph.data))

    def rows(self, rows: Tensor) -> Scored:
        """The graph's diseases ``rows`` as queries."""
        query = self.graph.for_rows(rows)
        with torch.no_grad():
            return Scored(query, self.net(self.graph, query))

    def terms(self, observed: Tensor, penalty: Tensor | None = None) -> Scored:
        """A phenotype set (a patient); ``penalty``: ``[1, D]`` its excluded terms' factor on each disease."""
        query = self.graph.for_terms(observed, penalty)
        with torch.no_grad():
            return Scored(query, self.net(self.graph, query))

    def score_all(self, diseases: Tensor) -> Tensor:
        """``[Q, G]`` logits of the graph's diseases (:class:`gnn.evaluation.GeneScorer`)."""
        return torch.cat([self.logits(self.rows(part)) for part in diseases.split(64)])

    def logits(self, scored: Scored) -> Tensor:
        """``[Q, G]`` ``τ · log score``: ranks as the score does; its softmax is the served probability."""
        with torch.no_grad():
            return self.net.logits(scored.evidence)

    @staticmethod
    def kind_shares(scored: Scored) -> Tensor:
        """``[Q, G, 4]``: the share of each score by path kind: similar disease, partner, GO term, baseline.

        They sum to 1; the gate multiplies every part alike, so it does not change them.
        """
        ev = scored.evidence
        parts = torch.stack([ev.direct, ev.partner, ev.go, ev.baseline], dim=-1)
        return parts / parts.sum(dim=-1, keepdim=True).clamp(min=1e-30)

    def explain(self, scored: Scored, gene: int, row: int = 0) -> GeneEvidence:
        """Every path of ``gene`` for query ``row`` of ``scored``, with its share of the score."""
        one = scored.query.row(row)
        ev = scored.evidence
        sliced = Evidence(*(t[row : row + 1] for t in (ev.direct, ev.partner, ev.go, ev.baseline, ev.gate, ev.scale)))
        return gene_evidence(self.net, self.graph, one, sliced, gene)
