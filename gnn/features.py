"""Node inputs of the GNN: structural features, the phenotypes' ontology sketch, content inputs.

Diseases also start from the mean sketch of their phenotypes and genes from the mean identity
sketch of their GO terms, so a short, cheap pre-training on inputs alone already relates
phenotypes to gene functions (see ``TrainConfig.pretrain_steps``).

The sketch depends only on the HPO hierarchy and disease annotations, which training does
not change, so it is computed once; the log-degree columns are recomputed for each graph the
model runs on (training epochs hide different links).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor

from gnn.model import ModelConfig, structural_features
from gnn.ontology import HAS_PHENOTYPE, IS_A, phenotype_sketch
from kg.typing import EdgeType


class Featuriser:
    """``edges → {node_type: [num_nodes, dim]}`` for one graph's node set.

    Args:
        num_nodes: Node counts per type.
        edges: The message-passing edges (only IS_A and HAS_PHENOTYPE are read here).
        sketch_dim: Width of the phenotype sketch (0: structural features only).
        seed: Seed of the sketch's random basis.
    """

    def __init__(self, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor], sketch_dim: int, seed: int) -> None:
        self.num_nodes = num_nodes
        self.sketch: Tensor | None = None
        if sketch_dim and HAS_PHENOTYPE in edges and "Phenotype" in num_nodes:
            is_a = edges.get(IS_A, torch.empty(2, 0, dtype=torch.long))
            sketch = phenotype_sketch(
                num_nodes["Phenotype"], is_a, edges[HAS_PHENOTYPE], num_nodes["Disease"], sketch_dim, seed
            )
            self.sketch = sketch * math.sqrt(sketch_dim)  # unit-variance entries, like the other inputs
        # GO terms (or any other annotation vocabulary of genes): a fixed random identity vector
        # scaled by the term's information content, so a gene's first message is an IC-weighted
        # random projection of its annotation set (inner products ≈ shared specific terms).
        self.identity: dict[str, Tensor] = {}
        self._cache: dict[str, tuple[object, Tensor]] = {}
        self._frozen: dict[str, tuple[Tensor, Tensor]] = {}
        for et, ei in edges.items():
            src, _, dst = et
            if sketch_dim and src == "Gene" and dst in IDENTITY_TYPES and dst in num_nodes:
                self.identity[dst] = identity_sketch(num_nodes[dst], ei[1], sketch_dim, seed)

    @classmethod
    def for_model(cls, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor], config: ModelConfig) -> Featuriser:
        """The featuriser a model of ``config`` reads its inputs from (its sketch width and seed)."""
        return cls(num_nodes, edges, config.sketch_dim, config.seed)

    def extended(self, num_nodes: dict[str, int], reference: dict[EdgeType, Tensor]) -> Featuriser:
        """The same sketches for a graph with more nodes (e.g. a transient disease appended).

        Degree columns are standardised with the statistics of the ``reference`` graph, so the
        nodes it already had keep exactly the inputs they had there.
        """
        other = copy.copy(self)
        other.num_nodes, other._cache = num_nodes, {}
        other._frozen = {t: _stats(f) for t, f in structural_features(self.num_nodes, reference).items()}
        return other

    def reference_stats(self, reference: dict[EdgeType, Tensor]) -> dict[str, tuple[Tensor, Tensor]]:
        """The degree columns' statistics of a graph (what :meth:`extended` standardises with)."""
        return {t: _stats(f) for t, f in structural_features(self.num_nodes, reference).items()}

    def disease_row(self, index: int, edges: dict[EdgeType, Tensor], stats: dict[str, tuple[Tensor, Tensor]]) -> Tensor:
        """``[1, dim]`` the inputs of one disease of ``edges`` alone (e.g. a transient one).

        The same values as row ``index`` of ``self.extended(…)(edges)["Disease"]`` with ``stats``
        from :meth:`reference_stats`, without computing every other node's.
        """
        columns = []
        for et in sorted(edges):
            src, _, dst = et
            if src == "Disease":
                columns.append(float((edges[et][0] == index).sum()))
            if dst == "Disease":
                columns.append(float((edges[et][1] == index).sum()))
        row = torch.log1p(torch.tensor([columns])) if columns else torch.zeros(1, 1)
        feats = _standardise(row, stats.get("Disease"))
        if self.sketch is not None:
            terms = edges[HAS_PHENOTYPE][1][edges[HAS_PHENOTYPE][0] == index]
            mean = (
                self.sketch[terms].mean(dim=0, keepdim=True) if terms.numel() else torch.zeros(1, self.sketch.shape[1])
            )
            feats = torch.cat([feats, mean], dim=1)
        return feats

    def __call__(self, edges: dict[EdgeType, Tensor]) -> dict[str, Tensor]:
        """Features of every node type for message passing over ``edges``."""
        feats = {t: _standardise(f, self._frozen.get(t)) for t, f in structural_features(self.num_nodes, edges).items()}
        if self.sketch is not None:
            sketch = self.sketch.to(feats["Phenotype"].device)
            feats["Phenotype"] = torch.cat([feats["Phenotype"], sketch], dim=1)
            # content inputs: a disease starts as the mean sketch of its phenotypes
            feats["Disease"] = torch.cat(
                [feats["Disease"], _mean_of(edges[HAS_PHENOTYPE], sketch, self.num_nodes["Disease"])], dim=1
            )
        for t, sketch in self.identity.items():
            sketch = sketch.to(feats[t].device)
            feats[t] = torch.cat([feats[t], sketch], dim=1)
            # … and a gene as the mean identity sketch of its annotations (zero without any)
            annotations = edges[("Gene", "ANNOTATED_WITH", t)]
            feats["Gene"] = torch.cat([feats["Gene"], self._content("Gene", annotations, sketch)], dim=1)
        return feats

    def _content(self, node_type: str, pairs: Tensor, sketch: Tensor) -> Tensor:
        """Mean sketch per node, cached while the same annotations come back (training hides links only)."""
        key = (node_type, pairs.data_ptr(), pairs.shape[1], sketch.device.type)
        if self._cache.get(node_type, (None,))[0] != key:
            self._cache[node_type] = (key, _mean_of(pairs, sketch, self.num_nodes[node_type]))
        return self._cache[node_type][1]


#: Node types annotated onto genes that get an identity sketch.
IDENTITY_TYPES = ("GOTerm",)


def identity_sketch(num_terms: int, annotated: Tensor, dim: int, seed: int) -> Tensor:
    """``[num_terms, dim]``: a random direction per term with norm IC·sqrt(dim)/mean IC.

    Args:
        num_terms: Number of terms.
        annotated: Term index of every gene annotation (for the term frequencies).
        dim: Sketch width.
        seed: Seed of the random directions.
    """
    gen = torch.Generator().manual_seed(seed + 1)
    directions = torch.nn.functional.normalize(torch.randn(num_terms, dim, generator=gen), dim=1)
    counts = torch.bincount(annotated, minlength=num_terms).float().clamp(min=1)
    ic = torch.log(counts.max() * 2 / counts)
    return directions * (ic / ic.mean()).unsqueeze(1) * math.sqrt(dim)


def _mean_of(pairs: Tensor, vectors: Tensor, num_rows: int) -> Tensor:
    """``[num_rows, dim]``: the mean of ``vectors[term]`` over each row's ``(row, term)`` pairs (zero if none)."""
    out = torch.zeros(num_rows, vectors.shape[1], device=vectors.device)
    out.index_add_(0, pairs[0], vectors[pairs[1]])
    count = torch.bincount(pairs[0], minlength=num_rows).clamp(min=1).unsqueeze(1)
    return out / count


def _stats(columns: Tensor) -> tuple[Tensor, Tensor]:
    if columns.shape[0] > 1:
        return columns.mean(0), columns.std(0).clamp(min=1e-6)
    return torch.zeros(columns.shape[1]), torch.ones(columns.shape[1])


def _standardise(columns: Tensor, stats: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Zero mean, unit variance per column (with the given statistics, else the columns' own).

    Degree counts share a large common offset that would otherwise dominate every node's
    representation (and every cosine between them).
    """
    mean, std = stats if stats is not None else _stats(columns)
    return (columns - mean.to(columns.device)) / std.to(columns.device)
