"""The message-passing graph: node counts plus every stored edge type with its reverse.

One home for what training, inference, the split and the benchmark all need: PyG-style
reverse edge types (``rev_REL``), swapping the gene–disease links (training hides some), and
appending transient query diseases given by their phenotypes (a patient, a new disease).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from gnn.ontology import HAS_PHENOTYPE
from kg.typing import EdgeType


def reverse(et: EdgeType) -> EdgeType:
    """The reverse edge type PyG's ``ToUndirected`` would create."""
    src, rel, dst = et
    return (dst, rel[4:] if rel.startswith("rev_") else f"rev_{rel}", src)


def with_reverses(stored: Mapping[EdgeType, Tensor], exclude: Iterable[EdgeType] = ()) -> dict[EdgeType, Tensor]:
    """Stored (forward) edge types plus their reverses, leaving out ``exclude``."""
    skip = set(exclude)
    edges: dict[EdgeType, Tensor] = {}
    for et, ei in stored.items():
        if et in skip or et[1].startswith("rev_"):
            continue
        edges[et] = ei
        edges[reverse(et)] = ei.flip(0)
    return edges


def replaced(edges: Mapping[EdgeType, Tensor], et: EdgeType, edge_index: Tensor) -> dict[EdgeType, Tensor]:
    """A copy of ``edges`` with ``et`` (and its reverse) set to ``edge_index``."""
    out = dict(edges)
    out[et] = edge_index
    out[reverse(et)] = edge_index.flip(0)
    return out


@dataclass(frozen=True)
class MessageGraph:
    """Node counts and message-passing edges (``[2, E]`` per type, reverses included).

    Build it with :meth:`of` or :meth:`from_data`; derive variants with :meth:`with_edges` and
    :meth:`with_query_diseases` (the original is never modified).
    """

    num_nodes: dict[str, int]
    edges: dict[EdgeType, Tensor]

    @classmethod
    def of(
        cls, num_nodes: Mapping[str, int], stored: Mapping[EdgeType, Tensor], exclude: Iterable[EdgeType] = ()
    ) -> MessageGraph:
        """Stored (forward) edge types plus their reverses, leaving out ``exclude``."""
        return cls(dict(num_nodes), with_reverses(stored, exclude))

    @classmethod
    def from_data(cls, data: HeteroData, exclude: Iterable[EdgeType] = ()) -> MessageGraph:
        """The graph of a ``HeteroData`` (e.g. ``ExportedGraph.data``)."""
        num_nodes = {t: int(data[t].num_nodes) for t in data.node_types}
        return cls.of(num_nodes, {et: data[et].edge_index for et in data.edge_types}, exclude)

    def stored(self) -> dict[EdgeType, Tensor]:
        """The forward edge types only (as loaded from the graph)."""
        return {et: ei for et, ei in self.edges.items() if not et[1].startswith("rev_")}

    def with_edges(self, et: EdgeType, edge_index: Tensor) -> MessageGraph:
        """The same graph with ``et`` (and its reverse) replaced by ``edge_index``."""
        return MessageGraph(dict(self.num_nodes), replaced(self.edges, et, edge_index))

    def with_query_diseases(self, phenotypes: Tensor, count: int) -> MessageGraph:
        """``count`` transient diseases appended after the graph's own, annotated with ``phenotypes``.

        Args:
            phenotypes: ``[2, E]`` (query 0…count-1, phenotype index) pairs.
            count: Number of query diseases (some may have no phenotype).
        """
        first = self.num_nodes["Disease"]
        added = torch.stack([phenotypes[0] + first, phenotypes[1]])
        graph = self.with_edges(HAS_PHENOTYPE, torch.cat([self.edges[HAS_PHENOTYPE], added], dim=1))
        graph.num_nodes["Disease"] = first + count
        return graph


def incoming_edges(
    edges: dict[EdgeType, Tensor], edge_types: Sequence[EdgeType], node_type: str, node: int, layers: int
) -> dict[EdgeType, Tensor]:
    """The edges whose messages reach ``node`` within ``layers`` hops (its computation graph).

    Every edge type that has edges in ``edges`` is present (possibly empty), so each relation's
    convolution still adds its bias to its destination nodes, as in the full graph.
    """
    present = [et for et in edge_types if et in edges and edges[et].numel() > 0]
    frontier: dict[str, Tensor] = {node_type: torch.tensor([node])}
    out: dict[EdgeType, list[Tensor]] = {et: [edges[et][:, :0]] for et in present}
    for _ in range(layers):
        reached: dict[str, list[Tensor]] = {}
        for et in present:
            src, _, dst = et
            if dst not in frontier:
                continue
            keep = edges[et][:, torch.isin(edges[et][1], frontier[dst])]
            out[et].append(keep)
            reached.setdefault(src, []).append(keep[0])
        frontier = {t: torch.unique(torch.cat(v)) for t, v in reached.items()}
    return {et: torch.unique(torch.cat(parts, dim=1), dim=1) for et, parts in out.items()}
