"""Heterogeneous graph attention network for gene–disease link prediction.

Each layer runs one ``GATv2Conv`` per edge type (reverse types included) and sums the
messages arriving at each node type, so the attention coefficients of every relation type
and layer are available for explanations (PyG's ``HeteroConv`` would hide them).

Node inputs are *not* only per-id embeddings: every node starts from structural features
(log-degree per incident relation) projected per node type, and only the stable vocabularies
(``embed_types``, by default phenotypes and tissues) add a learned per-id embedding. A disease
that was not in the training graph is therefore scored from its relations alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATv2Conv
from torch_geometric.typing import EdgeType, NodeType

Attention = dict[tuple[int, EdgeType], tuple[Tensor, Tensor]]


@dataclass
class ModelConfig:
    """Hyper-parameters (validated on creation).

    Args:
        hidden: Width of every hidden representation.
        layers: Number of attention layers.
        heads: Attention heads per relation (averaged).
        dropout: Dropout on hidden states and attention.
        embed_types: Node types that also get a per-id embedding.
        seed: Seed for parameter initialisation.
    """

    hidden: int = 64
    layers: int = 2
    heads: int = 2
    dropout: float = 0.1
    embed_types: tuple[str, ...] = ("Phenotype", "Tissue")
    seed: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("hidden", "layers", "heads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


def structural_features(
    num_nodes: dict[NodeType, int], edge_index_dict: dict[EdgeType, Tensor]
) -> dict[NodeType, Tensor]:
    """log(1 + degree) of every node for each incident relation direction.

    Shapes:
        returns ``{node_type: [num_nodes, num_incident_relation_directions]}`` with a column
        per (edge type, side), in sorted edge-type order, so the same graph schema always
        gives the same columns.
    """
    columns: dict[NodeType, list[Tensor]] = {t: [] for t in num_nodes}
    for et in sorted(edge_index_dict):
        src, _, dst = et
        ei = edge_index_dict[et]
        columns[src].append(torch.bincount(ei[0], minlength=num_nodes[src]).float())
        columns[dst].append(torch.bincount(ei[1], minlength=num_nodes[dst]).float())
    return {
        t: torch.log1p(torch.stack(cols, dim=1)) if cols else torch.zeros(num_nodes[t], 1)
        for t, cols in columns.items()
    }


class HeteroGAT(nn.Module):
    """Relation-wise GATv2 layers with attention exposed, plus a gene–disease scorer.

    Args:
        metadata: ``(node_types, edge_types)`` of the message-passing graph.
        feature_dims: Width of the structural features per node type.
        num_nodes: Node counts (for the per-id embeddings of ``embed_types``).
        config: Hyper-parameters.
    """

    def __init__(
        self,
        metadata: tuple[list[NodeType], list[EdgeType]],
        feature_dims: dict[NodeType, int],
        num_nodes: dict[NodeType, int],
        config: ModelConfig,
    ) -> None:
        super().__init__()
        torch.manual_seed(config.seed)
        self.config = config
        self.node_types, self.edge_types = list(metadata[0]), sorted(metadata[1])
        h = config.hidden
        self.inputs = nn.ModuleDict({t: nn.Linear(feature_dims[t], h) for t in self.node_types})
        self.embeddings = nn.ModuleDict(
            {t: nn.Embedding(num_nodes[t], h) for t in config.embed_types if t in self.node_types}
        )
        self.convs = nn.ModuleList(
            nn.ModuleDict(
                {
                    "__".join(et): GATv2Conv(
                        (h, h), h, heads=config.heads, concat=False, dropout=config.dropout, add_self_loops=False
                    )
                    for et in self.edge_types
                }
            )
            for _ in range(config.layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({t: nn.LayerNorm(h) for t in self.node_types}) for _ in range(config.layers)
        )
        self.scorer = nn.Bilinear(h, h, 1)
        self._scale = h**-0.5  # LayerNorm'd inputs have norm ~sqrt(h): keep initial logits O(1)

    def encode(
        self,
        features: dict[NodeType, Tensor],
        edge_index_dict: dict[EdgeType, Tensor],
        node_ids: dict[NodeType, Tensor] | None = None,
        return_attention: bool = False,
    ) -> tuple[dict[NodeType, Tensor], Attention]:
        """Node representations after message passing.

        Args:
            features: ``{node_type: [num_nodes, feature_dim]}`` structural features.
            edge_index_dict: ``{edge_type: [2, num_edges]}`` message-passing edges.
            node_ids: Per-id embedding rows for ``embed_types`` (default: ``arange``).
            return_attention: Also return ``{(layer, edge_type): (edge_index, alpha [E, heads])}``.
        """
        x = {t: self.inputs[t](features[t]) for t in self.node_types}
        for t, emb in self.embeddings.items():
            ids = node_ids[t] if node_ids and t in node_ids else torch.arange(x[t].shape[0], device=x[t].device)
            x[t] = x[t] + emb(ids)
        attention: Attention = {}
        for layer in range(self.config.layers):
            convs, norms = cast(nn.ModuleDict, self.convs[layer]), cast(nn.ModuleDict, self.norms[layer])
            out = {t: torch.zeros_like(v) for t, v in x.items()}
            for et in self.edge_types:
                if et not in edge_index_dict or edge_index_dict[et].numel() == 0:
                    continue
                src, _, dst = et
                conv = convs["__".join(et)]
                if return_attention:
                    msg, (ei, alpha) = conv((x[src], x[dst]), edge_index_dict[et], return_attention_weights=True)
                    attention[(layer, et)] = (ei, alpha)
                else:
                    msg = conv((x[src], x[dst]), edge_index_dict[et])
                out[dst] = out[dst] + msg
            x = {
                t: norms[t](x[t] + nn.functional.dropout(torch.relu(out[t]), self.config.dropout, self.training))
                for t in self.node_types
            }
        return x, attention

    def score_all(self, genes: Tensor, diseases: Tensor) -> Tensor:
        """Logits of every gene for each disease, as one matrix product.

        Shapes:
            genes: ``[num_genes, hidden]``; diseases: ``[num_queries, hidden]`` → ``[num_queries, num_genes]``.
        """
        weight = self.scorer.weight[0]  # score(g, d) = g^T W d / sqrt(hidden) + b
        return (diseases @ weight.t() @ genes.t()) * self._scale + self.scorer.bias

    def score(self, genes: Tensor, diseases: Tensor) -> Tensor:
        """Logits of gene–disease pairs (``[N, hidden]`` each → ``[N]``)."""
        bilinear = torch.einsum("ni,ij,nj->n", genes, self.scorer.weight[0], diseases)
        return bilinear * self._scale + self.scorer.bias
