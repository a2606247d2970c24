"""Baselines of the prospective benchmark: phenotype similarity and gene-knowledge propagation.

All of them see only the old release: diseases' phenotypes, gene–disease links, the HPO
hierarchy, and the gene knowledge (GO annotations, interactions) of the export. A query is a
disease first described in a newer release, given by its phenotypes alone.

* :class:`IcCosine`: cosine of IC-weighted, ancestor-propagated phenotype vectors between the
  query and each gene's profile (the union of its diseases' phenotypes).
* :class:`SimGIC`: Σ IC over shared terms / Σ IC over the union, same profiles.
* :class:`Popularity`: number of disease links of the gene.
* :class:`DiseaseNeighbours`: Σ over the gene's diseases of cos(query, disease)^p — "genes of
  the most similar known diseases" (used as the seed of the random walk, and reported as an
  ablation of phenotype similarity).
* :class:`RandomWalk`: hiPHIVE-style: seeds = genes of the most phenotype-similar diseases;
  random walk with restart over interactions and shared GO annotations, so genes without any
  disease link can rank.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gnn.ontology import ancestor_closure, best_match, csr32, information_content, propagate, sparse_mm
from gnn.walk import GeneWalk

Phenotypes = tuple[Tensor, int]  # ([2, E] (row, term) pairs, number of rows)


def _rows_normalised(m: Tensor) -> Tensor:
    norm = m.norm(dim=1, keepdim=True).clamp(min=1e-12)
    return m / norm


class PhenotypeSpace:
    """IC-weighted ancestor-propagated vectors of old diseases, their genes and the queries.

    Args:
        num_terms: Number of phenotype terms.
        is_a: ``[2, E]`` child → parent phenotype edges.
        old: Old diseases' annotations ``([2, E] (disease, term), num_diseases)``.
        queries: Query diseases' annotations ``([2, E] (query, term), num_queries)``.
        links: ``[2, L]`` old (gene, disease) links.
        num_genes: Number of genes.
    """

    def __init__(
        self, num_terms: int, is_a: Tensor, old: Phenotypes, queries: Phenotypes, links: Tensor, num_genes: int
    ) -> None:
        closure = ancestor_closure(is_a, num_terms)
        self.old = propagate(old[0], old[1], closure)  # sparse 0/1 [D, T]
        self.ic = information_content(self.old)  # from old diseases only: no post-cutoff statistics
        self.queries = propagate(queries[0], queries[1], closure).to_dense() * self.ic  # [Q, T]
        self.links = links
        self.num_genes, self.num_diseases = num_genes, old[1]
        ones = torch.ones(links.shape[1])
        self.gene_disease = torch.sparse_coo_tensor(links, ones, (num_genes, old[1]), check_invariants=True).coalesce()
        # Profiles only for genes with a disease (the others have none): [G_linked, T] stays small.
        self.linked, local = torch.unique(links[0], return_inverse=True)
        compact = torch.sparse_coo_tensor(
            torch.stack([local, links[1]]), ones, (self.linked.numel(), old[1]), check_invariants=True
        ).coalesce()
        self.gene_profiles = sparse_mm(compact, self.old.to_dense()).clamp(max=1.0) * self.ic  # [G_linked, T]

    def scatter(self, linked_scores: Tensor) -> Tensor:
        """``[Q, G_linked]`` → ``[Q, num_genes]`` (zero for genes without a disease)."""
        out = torch.zeros(linked_scores.shape[0], self.num_genes)
        out[:, self.linked] = linked_scores
        return out

    def disease_similarity(self) -> Tensor:
        """``[Q, D]`` IC-weighted cosine between each query and each old disease."""
        old = _rows_normalised(self.old.to_dense() * self.ic)
        return _rows_normalised(self.queries) @ old.t()


class IcCosine:
    """Cosine between the query and the gene's phenotype profile."""

    name = "IC-weighted cosine (HPO ancestors)"

    def __init__(self, space: PhenotypeSpace) -> None:
        self.scores = space.scatter(_rows_normalised(space.queries) @ _rows_normalised(space.gene_profiles).t())

    def score_all(self, queries: Tensor) -> Tensor:
        """``[len(queries), num_genes]``."""
        return self.scores[queries]


class SimGIC:
    """Σ IC(shared terms) / Σ IC(union of terms)."""

    name = "simGIC (HPO ancestors)"

    def __init__(self, space: PhenotypeSpace) -> None:
        q = (space.queries > 0).float() * space.ic
        g = (space.gene_profiles > 0).float()
        common = q @ g.t()
        union = q.sum(1, keepdim=True) + (g * space.ic).sum(1)[None, :] - common
        self.scores = space.scatter(torch.where(union > 0, common / union.clamp(min=1e-12), torch.zeros_like(common)))

    def score_all(self, queries: Tensor) -> Tensor:
        """``[len(queries), num_genes]``."""
        return self.scores[queries]


class Popularity:
    """Number of old disease links of the gene."""

    name = "Popularity (disease links)"

    def __init__(self, space: PhenotypeSpace) -> None:
        self.degree = torch.bincount(space.links[0], minlength=space.num_genes).float()

    def score_all(self, queries: Tensor) -> Tensor:
        """The same ranking for every query."""
        return self.degree.expand(queries.numel(), -1)


class DiseaseNeighbours:
    """Σ_{d ∈ diseases(g)} cos(query, d)^power: the genes of the most similar known diseases."""

    name = "Similar diseases' genes (ablation)"

    def __init__(self, space: PhenotypeSpace, power: float = 6.0) -> None:
        sim = space.disease_similarity().clamp(min=0) ** power  # [Q, D]
        self.scores = sparse_mm(space.gene_disease, sim.t()).t()  # [Q, G]

    def score_all(self, queries: Tensor) -> Tensor:
        """``[len(queries), num_genes]``."""
        return self.scores[queries]


class RandomWalk:
    """Random walk with restart from similar diseases' genes over interactions and shared GO terms.

    Args:
        space: The phenotype space (seeds).
        walk: The walk over the graph's genes (:class:`gnn.walk.GeneWalk`: interactions, GO, restart, steps).
    """

    name = "Random walk over interactions + GO (hiPHIVE-like)"

    def __init__(self, space: PhenotypeSpace, walk: GeneWalk) -> None:
        seeds = DiseaseNeighbours(space).scores  # [Q, G]
        self.scores = walk(seeds)

    def score_all(self, queries: Tensor) -> Tensor:
        """``[len(queries), num_genes]``."""
        return self.scores[queries]


class Phenomizer:
    """Phenomizer-style disease similarity (:func:`gnn.ontology.best_match` with the old diseases' IC).

    Args:
        space: The phenotype space (old diseases' propagated sets and IC).
        closure: ``[T, T]`` ancestor closure (:func:`gnn.ontology.ancestor_closure`).
    """

    name = "Phenomizer-style (Resnik best match, query → disease)"

    def __init__(self, space: PhenotypeSpace, closure: Tensor) -> None:
        self.ic = space.ic
        self.present = csr32(space.old.t().coalesce())  # [T, D]
        self.closure = closure.to_sparse_csr()

    def scores_for_terms(self, terms: Tensor) -> Tensor:
        """``[D]`` similarity of one query (its direct terms) to every old disease."""
        return best_match(terms, self.closure, self.present, self.ic)
