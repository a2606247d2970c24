"""Mini-batch neighbour sampling for graphs that outgrow full-batch training.

PyG's ``LinkNeighborLoader`` needs ``pyg-lib`` or ``torch-sparse``, neither of which has
wheels on PyPI for the pinned torch; this is the same idea in plain torch: starting from the
seed nodes of a batch, each hop keeps at most ``fanout[hop]`` incoming edges per node and
relation type (uniformly at random), and the sampled subgraph is relabelled to local
indices. ``n_id[node_type]`` maps local rows back to global ids, so features, per-id
embeddings and scores line up with the full graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from kg.typing import EdgeType


@dataclass
class Subgraph:
    """A sampled subgraph.

    Shapes:
        ``n_id[t]``: ``[num_local_t]`` global ids; ``edges[et]``: ``[2, E_et]`` local indices.
    """

    n_id: dict[str, Tensor]
    edges: dict[EdgeType, Tensor]

    def local(self, node_type: str, global_ids: Tensor) -> Tensor:
        """Local rows of ``global_ids`` (which must all be in the subgraph)."""
        lookup = torch.full((int(self.n_id[node_type].max()) + 1,), -1, dtype=torch.long)
        lookup[self.n_id[node_type]] = torch.arange(self.n_id[node_type].numel())
        rows = lookup[global_ids]
        if (rows < 0).any():
            raise ValueError(f"some {node_type} ids are not in the sampled subgraph")
        return rows


class NeighbourSampler:
    """Samples ``len(fanout)``-hop incoming neighbourhoods over fixed message-passing edges.

    Args:
        edges: Global message-passing edges (reverse types included).
        num_nodes: Node counts per type.
        fanout: Incoming edges kept per node, relation type and hop (``-1``: all).
        edge_types: Edge types the model uses (default: all of ``edges``).
    """

    def __init__(
        self,
        edges: dict[EdgeType, Tensor],
        num_nodes: dict[str, int],
        fanout: tuple[int, ...],
        edge_types: list[EdgeType] | None = None,
    ) -> None:
        self.num_nodes, self.fanout = num_nodes, fanout
        self.csr: dict[EdgeType, tuple[Tensor, Tensor]] = {}
        for et in edge_types or list(edges):
            ei = edges.get(et)
            if ei is None or ei.numel() == 0:
                continue
            order = torch.argsort(ei[1], stable=True)
            ptr = torch.zeros(num_nodes[et[2]] + 1, dtype=torch.long)
            ptr[1:] = torch.cumsum(torch.bincount(ei[1], minlength=num_nodes[et[2]]), 0)
            self.csr[et] = (ptr, ei[0][order])

    def _incoming(self, et: EdgeType, dst: Tensor, k: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        ptr, src = self.csr[et]
        start, deg = ptr[dst], ptr[dst + 1] - ptr[dst]
        owner = torch.repeat_interleave(torch.arange(dst.numel()), deg)
        offset = torch.arange(owner.numel()) - torch.repeat_interleave(torch.cumsum(deg, 0) - deg, deg)
        position = start[owner] + offset
        if k >= 0 and owner.numel():
            keys = torch.rand(owner.numel(), generator=gen)
            order = torch.argsort(owner.double() + keys.double())  # random order within each owner
            owner, position = owner[order], position[order]
            rank = torch.arange(owner.numel()) - torch.repeat_interleave(torch.cumsum(deg, 0) - deg, deg)
            keep = rank < k
            owner, position = owner[keep], position[keep]
        return src[position], dst[owner]

    def sample(self, seeds: dict[str, Tensor], gen: torch.Generator) -> Subgraph:
        """The sampled computation graph of ``seeds`` (global ids per node type)."""
        nodes = {t: torch.empty(0, dtype=torch.long) for t in self.num_nodes}
        nodes.update({t: torch.unique(ids) for t, ids in seeds.items()})
        frontier = dict(nodes)
        sampled: dict[EdgeType, list[Tensor]] = {}
        for k in self.fanout:
            grown: dict[str, list[Tensor]] = {}
            for et in self.csr:
                if et[2] not in frontier or frontier[et[2]].numel() == 0:
                    continue
                src, dst = self._incoming(et, frontier[et[2]], k, gen)
                sampled.setdefault(et, []).append(torch.stack([src, dst]))
                grown.setdefault(et[0], []).append(src)
            frontier = {}
            for t, parts in grown.items():
                new = torch.unique(torch.cat(parts))
                old = nodes.get(t, torch.empty(0, dtype=torch.long))
                frontier[t] = new[~torch.isin(new, old)]
                nodes[t] = torch.cat([old, frontier[t]])
        lookup = {}
        for t, ids in nodes.items():
            table = torch.full((self.num_nodes[t],), -1, dtype=torch.long)
            table[ids] = torch.arange(ids.numel())
            lookup[t] = table
        edges = {}
        for et, parts in sampled.items():
            ei = torch.unique(torch.cat(parts, dim=1), dim=1)
            edges[et] = torch.stack([lookup[et[0]][ei[0]], lookup[et[2]][ei[1]]])
        return Subgraph(nodes, edges)
