"""Random walk with restart over gene–gene interactions and shared GO terms (hiPHIVE-style).

One walker step goes half along an interaction (column-stochastic over a gene's partners) and half
through a GO term (gene → one of its terms → one of the term's genes); a gene with no partner or
no term keeps only the half it has. The walk restarts at the seeds with probability ``restart``.
The prospective benchmark's baseline (:class:`gnn.prospective.RandomWalk`) seeds it from similar
diseases' genes.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gnn.ontology import sparse_mm


class GeneWalk:
    """The walk's transition over a graph's genes, built once and applied to any seeds.

    Args:
        interactions: ``[2, E]`` gene–gene pairs (either direction; made symmetric).
        annotations: ``[2, A]`` (gene, GO term) pairs.
        num_genes: Genes in the graph.
        num_terms: GO terms in the graph.
        restart: Restart probability.
        steps: Power iterations.
    """

    def __init__(
        self,
        interactions: Tensor,
        annotations: Tensor,
        num_genes: int,
        num_terms: int,
        restart: float = 0.5,
        steps: int = 10,
    ) -> None:
        g, t = num_genes, max(num_terms, 1)
        self.restart, self.steps = restart, steps
        pairs = torch.cat([interactions, interactions.flip(0)], dim=1)
        partners = torch.bincount(pairs[0], minlength=g)
        deg = partners.float().clamp(min=1)
        self.ppi = torch.sparse_coo_tensor(pairs, 1.0 / deg[pairs[1]], (g, g), check_invariants=True).coalesce()
        ones = torch.ones(annotations.shape[1])
        self.go = torch.sparse_coo_tensor(annotations, ones, (g, t), check_invariants=True).coalesce()
        self.go_t = self.go.t()  # once, not per step
        self.term_deg = torch.bincount(annotations[1], minlength=t).float().clamp(min=1)[:, None]
        self.gene_deg = torch.bincount(annotations[0], minlength=g).float().clamp(min=1)[:, None]
        self.has_ppi = (partners > 0)[:, None]
        self.has_go = (torch.bincount(annotations[0], minlength=g) > 0)[:, None]

    def __call__(self, seeds: Tensor) -> Tensor:
        """``[Q, G]`` non-negative seeds (each row scaled to sum 1) → ``[Q, G]`` visit probabilities."""
        s = (seeds / seeds.sum(1, keepdim=True).clamp(min=1e-12)).t().contiguous()  # [G, Q]
        r = s.clone()
        for _ in range(self.steps):
            via_ppi = sparse_mm(self.ppi, r)
            via_go = sparse_mm(self.go, sparse_mm(self.go_t, r / self.gene_deg) / self.term_deg)
            walk = 0.5 * via_ppi * self.has_ppi + 0.5 * via_go * self.has_go
            r = self.restart * s + (1 - self.restart) * walk
        return r.t()
