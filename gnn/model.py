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

import math
from dataclasses import dataclass, field
from typing import Any, cast

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATv2Conv, SAGEConv
from torch_geometric.typing import EdgeType, NodeType

from gnn.ontology import csr32, sparse_mm

Attention = dict[tuple[int, EdgeType], tuple[Tensor, Tensor]]


@dataclass
class ModelConfig:
    """Hyper-parameters (validated on creation).

    Args:
        hidden: Width of every hidden representation.
        layers: Number of attention layers.
        heads: Attention heads per relation (averaged).
        dropout: Dropout on hidden states and attention.
        embed_types: Node types that also get a per-id embedding (initialised to zero, so
            they only learn a correction on top of the structural inputs).
        sketch_dim: Width of the phenotypes' fixed IC-weighted ancestor sketch (0: none).
        static_types: Node types that receive messages only from their own type.
        structural_init: Initial scale of the other types' (degree-only) input projections.
        layer_norm: LayerNorm after each residual update (off by default: it rescales a
            gene's degree-only first layer to the size of the content that arrives later).
        conv: ``gatv2`` (attention) or ``sage`` (the non-attention baseline of the same size).
        prior: Add a learned multiple of the phenotype prior (:mod:`gnn.prior`) to every logit:
            the attention layers then learn a residual on top of phenotype similarity.
        prior_power: Sharpening exponent of the prior's disease similarity.
        prior_frequency_power: Exponent of HPO's annotation frequency in a known disease's
            phenotype vector (0.5: an occasional feature, 17 %, counts 0.41 of an obligate one; 0: off).
        prior_cross_source: Factor on the similarity of two diseases curated by different sources
            (OMIM and Orphanet annotate one disease differently, so its twin looks less alike than
            it is; 1: off). Unknown sources (a patient) get none.
        prior_weight: Initial weight of the log prior in the logit (1: softmax ∝ prior score).
        prior_floor: Added to the prior score before the log, so genes without any evidence
            are ranked by the attention part (relative to a top gene's score of 1).
        spread: Relations along which the prior also spreads to a gene from its neighbours,
            weighted by the last layer's attention: ``INTERACTS_WITH`` (interaction partners)
            and ``ANNOTATED_WITH`` (genes sharing GO terms, through the terms).
        spread_term_size: Smallest and largest GO term (in genes) the prior spreads through.
        term_weight_epochs: Epochs of learning the prior's phenotype weights on simulated patients
            before training (:mod:`gnn.term_weights`; 0: information content alone).
        term_weight_reg: L2 penalty on the log factors of those weights.
        seed: Seed for parameter initialisation.
    """

    hidden: int = 64
    layers: int = 2
    heads: int = 2
    dropout: float = 0.1
    embed_types: tuple[str, ...] = ("Phenotype", "Tissue")
    sketch_dim: int = 512
    static_types: tuple[str, ...] = ("Phenotype", "GOTerm")
    structural_init: float = 0.1
    layer_norm: bool = False
    conv: str = "gatv2"
    prior: bool = True
    prior_power: float = 6.0
    prior_frequency_power: float = 0.5
    prior_cross_source: float = 1.3
    prior_weight: float = 1.0
    prior_floor: float = 1e-3
    spread: tuple[str, ...] = ("INTERACTS_WITH", "ANNOTATED_WITH")
    spread_term_size: tuple[int, int] = (3, 500)
    term_weight_epochs: int = 3
    term_weight_reg: float = 1e-4
    seed: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.embed_types, self.static_types = tuple(self.embed_types), tuple(self.static_types)  # JSON gives lists
        self.spread = tuple(self.spread)
        self.spread_term_size = (int(self.spread_term_size[0]), int(self.spread_term_size[1]))
        for name in ("hidden", "layers", "heads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.conv not in ("gatv2", "sage"):
            raise ValueError(f"conv must be 'gatv2' or 'sage', got {self.conv!r}")
        if self.sketch_dim < 0:
            raise ValueError(f"sketch_dim must be >= 0, got {self.sketch_dim}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.prior_frequency_power < 0:
            raise ValueError(f"prior_frequency_power must be >= 0, got {self.prior_frequency_power}")
        if self.prior_cross_source <= 0:
            raise ValueError(f"prior_cross_source must be > 0, got {self.prior_cross_source}")

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> ModelConfig:
        """The config of a saved run; runs saved before a setting existed get its old behaviour."""
        return cls(**{"prior_frequency_power": 0.0, "prior_cross_source": 1.0, **saved})


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

    term_factor: Tensor  # a buffer (registered in __init__)

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
        self.node_types = list(metadata[0])
        # Static node types only exchange messages among themselves (e.g. the phenotype
        # hierarchy): their sketch already carries what they mean, and skipping the 270k
        # disease→phenotype messages halves the cost of a step.
        self.edge_types = sorted(et for et in metadata[1] if et[2] not in config.static_types or et[0] == et[2])
        h = config.hidden
        inputs = {t: nn.Linear(feature_dims[t], h) for t in self.node_types}
        embeddings = {t: nn.Embedding(num_nodes[t], h) for t in config.embed_types if t in self.node_types}
        with torch.no_grad():  # degree-only inputs start small so that content (the sketch) dominates at init
            for t, lin in inputs.items():
                lin.bias.zero_()  # a shared offset would dominate every cosine
                if t not in config.static_types:
                    lin.weight.mul_(config.structural_init)
            for emb in embeddings.values():
                emb.weight.zero_()
        self.inputs = nn.ModuleDict(inputs)
        self.embeddings = nn.ModuleDict(embeddings)
        self.convs = nn.ModuleList(
            nn.ModuleDict({"__".join(et): self._conv(config) for et in self.edge_types}) for _ in range(config.layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({t: nn.LayerNorm(h) for t in self.node_types}) for _ in range(config.layers)
        )
        # score(g, d) = t · ĝᵀ W d̂ + b on unit vectors, W starting as the identity: an untrained
        # model ranks genes by the cosine of their phenotype-derived representations.
        self.relation = nn.Parameter(torch.eye(h))
        # With the prior, the attention part is a correction: it starts small (temperature 1, logits
        # within ±1) so that the untrained model ranks like phenotype similarity plus its spread.
        self.log_temperature = nn.Parameter(torch.tensor(math.log(1.0 if config.prior else 10.0)))
        self.bias = nn.Parameter(torch.zeros(()))
        self.prior_weight = nn.Parameter(torch.tensor(float(config.prior_weight)))
        # softplus(raw) > 0; starts at 0.2: a neighbour's evidence counts a fifth of the gene's own
        self.spread_raw = nn.Parameter(torch.full((len(config.spread),), math.log(math.expm1(0.2))))
        # the last encoding's spread paths per relation (see _spread_paths), outside training only
        self._spread_memo: dict[str, tuple[Any, Any, int, list[Any]]] = {}
        # the prior's learned phenotype weight factors (gnn.term_weights): saved with the weights, not trained here
        self.register_buffer("term_factor", torch.ones(num_nodes.get("Phenotype", 0)))

    @staticmethod
    def _conv(config: ModelConfig) -> nn.Module:
        # Identity-initialised projections: an untrained layer is an (attention-weighted) mean of
        # neighbours in the same space as the node itself, so genes (means of their diseases)
        # and diseases (means of their phenotypes) start out comparable; training refines that.
        h = config.hidden
        eye = torch.eye(h)
        conv: nn.Module
        with torch.no_grad():
            if config.conv == "sage":
                conv = SAGEConv((h, h), h)
                cast(nn.Linear, conv.lin_l).weight.copy_(eye)
                cast(nn.Linear, conv.lin_r).weight.zero_()
            else:
                conv = GATv2Conv(
                    (h, h), h, heads=config.heads, concat=False, dropout=config.dropout, add_self_loops=False
                )
                cast(nn.Linear, conv.lin_l).weight.copy_(eye.repeat(config.heads, 1))
                cast(nn.Linear, conv.lin_r).weight.copy_(eye.repeat(config.heads, 1))
            for name, param in conv.named_parameters():
                if name.endswith("bias"):
                    param.zero_()
        return conv

    @property
    def has_attention(self) -> bool:
        """Whether :meth:`encode` can return attention coefficients."""
        return self.config.conv == "gatv2"

    def encode(
        self,
        features: dict[NodeType, Tensor],
        edge_index_dict: dict[EdgeType, Tensor],
        node_ids: dict[NodeType, Tensor] | None = None,
        return_attention: bool = False,
        layers: int | None = None,
    ) -> tuple[dict[NodeType, Tensor], Attention]:
        """Node representations after message passing.

        Args:
            features: ``{node_type: [num_nodes, feature_dim]}`` structural features.
            edge_index_dict: ``{edge_type: [2, num_edges]}`` message-passing edges.
            node_ids: Per-id embedding rows for ``embed_types`` (default: ``arange``).
            return_attention: Also return ``{(layer, edge_type): (edge_index, alpha [E, heads])}``.
            layers: Run only the first ``layers`` layers (0: the projected inputs; used to pre-train).
        """
        x = {t: self.inputs[t](features[t]) for t in self.node_types}
        for t, emb in self.embeddings.items():
            ids = node_ids[t] if node_ids and t in node_ids else torch.arange(x[t].shape[0], device=x[t].device)
            x[t] = x[t] + emb(ids)
        attention: Attention = {}
        for layer in range(self.config.layers if layers is None else layers):
            convs, norms = cast(nn.ModuleDict, self.convs[layer]), cast(nn.ModuleDict, self.norms[layer])
            out = {t: torch.zeros_like(v) for t, v in x.items()}
            for et in self.edge_types:
                if et not in edge_index_dict:
                    continue  # present but empty still runs: the relation's bias reaches every destination
                src, _, dst = et
                conv = convs["__".join(et)]
                if return_attention and self.has_attention:
                    msg, (ei, alpha) = conv((x[src], x[dst]), edge_index_dict[et], return_attention_weights=True)
                    attention[(layer, et)] = (ei, alpha)
                else:
                    msg = conv((x[src], x[dst]), edge_index_dict[et])
                out[dst] = out[dst] + msg
            x = {
                t: norms[t](x[t] + nn.functional.dropout(out[t], self.config.dropout, self.training))
                if self.config.layer_norm
                else x[t] + nn.functional.dropout(out[t], self.config.dropout, self.training)
                for t in self.node_types
            }
        return x, attention

    @property
    def spread_weight(self) -> Tensor:
        """Weight of each spread relation relative to the gene's own prior (positive)."""
        return nn.functional.softplus(self.spread_raw)

    def prior_logit(self, prior: Tensor, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int) -> Tensor:
        """The prior's part of the logit, ``[Q, G]``: ``w · log(floor + prior + Σ_r s_r · spread_r)``.

        For each relation of ``config.spread``, a gene receives its neighbours' prior weighted by
        the last layer's attention (see :meth:`spread_edges`), scaled to a top gene's 1 per query.
        Without attention (GraphSAGE) the weights are uniform. On the log scale the attention
        part corrects the prior multiplicatively.
        """
        return self.log_prior(self.prior_score(prior, attention, edges, num_genes))

    def log_prior(self, score: Tensor) -> Tensor:
        """The logit part of a prior score (:meth:`prior_score`): ``w · log(floor + score)``."""
        return self.prior_weight * torch.log(self.config.prior_floor + score)

    def prior_score(self, prior: Tensor, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int) -> Tensor:
        """The gene's prior plus the weighted spread of its neighbours' (before the log), ``[Q, G]``."""
        return self.prior_parts(prior, attention, edges, num_genes)[0]

    def prior_parts(
        self, prior: Tensor, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """:meth:`prior_score` and, per spread relation, what reached each gene (before scaling)."""
        total, spreads = prior, {}
        for k, rel in enumerate(self.config.spread):
            # each relation's spread is scaled to a top gene's 1 per query, like the prior itself
            spreads[rel] = spread = self.spread(rel, prior, attention, edges, num_genes)
            total = total + self.spread_weight[k] * spread / spread.amax(dim=1, keepdim=True).clamp(min=1e-12)
        return total, spreads

    def spread(
        self, rel: str, prior: Tensor, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int
    ) -> Tensor:
        """``[Q, G]``: what reaches each gene along ``rel`` (before scaling), see :meth:`spread_edges`."""
        out = torch.zeros_like(prior)
        for _, _, before, after in self._spread_paths(rel, attention, edges, num_genes):
            out = out + after(before(prior) if before is not None else prior)
        return out

    def spread_edges(
        self, rel: str, prior: Tensor, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int
    ) -> list[tuple[Tensor, Tensor, Tensor]]:
        """``(edge_index, weight per edge, source values [Q, S])`` through which ``rel`` spreads the prior.

        Weights are the last layer's attention (heads averaged; uniform without attention)
        rescaled so that uniform attention gives the symmetric normalisation
        ``1/sqrt(deg(src)·deg(dst))``: a hub passes on little to each partner and a gene with many
        partners takes a little from each, so hubs do not dominate every query.

        * ``INTERACTS_WITH``: from each interaction partner, its prior.
        * ``ANNOTATED_WITH``: from each GO term of the gene, the mean prior of the term's genes;
          only terms with ``spread_term_size`` genes count (root-like terms say nothing).
        """
        return [
            (ei, w, before(prior) if before is not None else prior)
            for ei, w, before, _ in self._spread_paths(rel, attention, edges, num_genes)
        ]

    def _spread_paths(
        self, rel: str, attention: Attention, edges: dict[EdgeType, Tensor], num_genes: int
    ) -> list[tuple[Tensor, Tensor, _Mixer | None, _Mixer]]:
        """Per path of ``rel``: edges, weights, and the mixers that make its source values and sum them into genes.

        The first mixer is ``None`` when the source values are the prior itself. Paths depend on the
        attention and the graph only, so outside training (no gradients) they are built once per encoding.
        """
        memo = self._spread_memo.get(rel)
        if memo is not None and memo[0] is attention and memo[1] is edges and memo[2] == num_genes:
            return memo[3]
        device = next(iter(edges.values())).device
        last = self.config.layers - 1
        out: list[tuple[Tensor, Tensor, _Mixer | None, _Mixer]] = []
        if rel == "INTERACTS_WITH":
            types = [et for et in (("Gene", rel, "Gene"), ("Gene", f"rev_{rel}", "Gene")) if et in edges]
            degree = torch.zeros(num_genes, device=device)
            for et in types:
                degree.index_add_(0, edges[et][1], torch.ones(edges[et].shape[1], device=device))
            degree = degree.clamp(min=1)
            for et in types:
                ei, alpha, _ = _weights(attention, last, et, edges[et], num_genes, num_genes)
                per_type = torch.bincount(ei[1], minlength=num_genes).float().clamp(min=1)
                w = alpha * per_type[ei[1]] / (degree[ei[0]] * degree[ei[1]]).sqrt()
                out.append((ei, w, None, _Mixer(ei, w, num_genes, num_genes)))
        elif rel == "ANNOTATED_WITH" and ("Gene", rel, "GOTerm") in edges:
            down = edges[("Gene", rel, "GOTerm")]
            terms = int(down[1].max()) + 1 if down.numel() else 0
            size = torch.bincount(down[1], minlength=terms).float()
            low, high = self.config.spread_term_size
            informative = (size >= low) & (size <= high)
            per_term = _Mixer(down, 1.0 / size.clamp(min=1)[down[1]], terms, num_genes)  # mean prior of its genes
            up = ("GOTerm", f"rev_{rel}", "Gene")
            ei, alpha, _ = _weights(attention, last, up, edges[up], terms, num_genes)
            kept = informative[ei[0]].float()
            per_gene = torch.bincount(ei[1], minlength=num_genes).float().clamp(min=1)
            kept_per_gene = torch.zeros(num_genes, device=device).index_add_(0, ei[1], kept).clamp(min=1)
            w = alpha * kept * per_gene[ei[1]] / kept_per_gene[ei[1]].sqrt()
            out.append((ei, w, per_term, _Mixer(ei, w, num_genes, terms)))
        if not torch.is_grad_enabled():  # in training the attention changes every step (and carries gradients)
            self._spread_memo[rel] = (attention, edges, num_genes, out)
        return out

    def score_all(self, genes: Tensor, diseases: Tensor, prior: Tensor | None = None) -> Tensor:
        """Logits of every gene for each disease, as one matrix product.

        Shapes:
            genes: ``[num_genes, hidden]``; diseases: ``[num_queries, hidden]``; prior: the
            prior's logit part ``[num_queries, num_genes]`` from :meth:`prior_logit` (used when
            the model has a prior) → ``[num_queries, num_genes]``.
        """
        g, d = nn.functional.normalize(genes, dim=-1), nn.functional.normalize(diseases, dim=-1)
        logits = (d @ self.relation.t() @ g.t()) * self.log_temperature.exp() + self.bias
        return logits + prior if self.config.prior and prior is not None else logits

    def score(self, genes: Tensor, diseases: Tensor, prior: Tensor | None = None) -> Tensor:
        """Logits of gene–disease pairs (``[N, hidden]`` each, prior logit ``[N]`` → ``[N]``)."""
        g, d = nn.functional.normalize(genes, dim=-1), nn.functional.normalize(diseases, dim=-1)
        logits = ((d @ self.relation.t()) * g).sum(-1) * self.log_temperature.exp() + self.bias
        return logits + prior if self.config.prior and prior is not None else logits


def _mean_weights(edge_index: Tensor, num_dst: int) -> Tensor:
    deg = torch.bincount(edge_index[1], minlength=num_dst).float().clamp(min=1)
    return 1.0 / deg[edge_index[1]]


def _weights(
    attention: Attention, layer: int, et: EdgeType, edge_index: Tensor, num_src: int, num_dst: int
) -> tuple[Tensor, Tensor, int]:
    """``(edge_index, weight per edge, num_dst)``: the layer's attention if recorded, else uniform."""
    if (layer, et) in attention:
        ei, alpha = attention[(layer, et)]
        return ei, alpha.mean(dim=1), num_dst
    return edge_index, _mean_weights(edge_index, num_dst), num_dst


class _Mixer:
    """``values [Q, S] ↦ [Q, num_dst]`` with ``out[q, dst] = Σ_e weights[e] · values[q, src_e]``.

    The sparse matrix is built (and coalesced) once, on first use, unless its weights need gradients.
    """

    def __init__(self, edge_index: Tensor, weights: Tensor, num_dst: int, num_src: int) -> None:
        self.edge_index, self.weights, self.shape = edge_index, weights, (num_dst, num_src)
        self._matrix: Tensor | None = None

    def __call__(self, values: Tensor) -> Tensor:
        matrix = self._matrix
        if matrix is None or self.weights.requires_grad:
            matrix = torch.sparse_coo_tensor(
                torch.stack([self.edge_index[1], self.edge_index[0]]), self.weights, self.shape, check_invariants=False
            ).coalesce()  # indices come from the graph's own edge index: valid by construction
            if not self.weights.requires_grad:
                # kept as CSR with 32-bit indices on CPU: the same sums, a ninth of the time for one query
                self._matrix = matrix = csr32(matrix) if matrix.device.type == "cpu" else matrix
        return sparse_mm(matrix, values.t()).t()
