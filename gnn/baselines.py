"""Baselines evaluated on the same split as the attention model.

* :class:`Popularity`: a gene's number of training disease links, the same for every disease.
* :class:`PhenotypeSimilarity`: simGIC between the disease's ancestor-propagated HPO set and
  the gene's phenotype profile (the union of its training diseases' propagated sets), with
  information content from disease annotations — the classic phenotype-driven prioritiser.
* :class:`DistMult`: a knowledge-graph embedding trained on every message-passing triple.

(The non-attention GNN baseline is :class:`gnn.model.HeteroGAT` with ``conv="sage"``.)
Every baseline sees only message-passing edges: evaluation links never reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from torch import Tensor, nn

from gnn.ontology import HAS_PHENOTYPE, IS_A, ancestor_closure, information_content, propagate, sparse_mm
from gnn.split import TARGET, Split
from kg.typing import EdgeType


class Popularity:
    """Score = number of training links of the gene (ties broken by nothing: they count half)."""

    def __init__(self, num_nodes: dict[str, int], split: Split) -> None:
        self.degree = torch.bincount(split.train[0], minlength=num_nodes["Gene"]).float()

    def score_all(self, diseases: Tensor) -> Tensor:
        """Every disease gets the same ranking."""
        return self.degree.expand(diseases.numel(), -1)


class PhenotypeSimilarity:
    """simGIC(gene profile, disease phenotypes) = Σ_{common} IC / Σ_{union} IC."""

    def __init__(self, num_nodes: dict[str, int], split: Split) -> None:
        edges = split.message_edges
        if HAS_PHENOTYPE not in edges:
            raise ValueError("the phenotype-similarity baseline needs Disease-HAS_PHENOTYPE-Phenotype edges")
        num_terms, num_diseases = num_nodes["Phenotype"], num_nodes["Disease"]
        is_a = edges.get(IS_A, torch.empty(2, 0, dtype=torch.long))
        closure = ancestor_closure(is_a, num_terms)
        self.diseases = propagate(edges[HAS_PHENOTYPE], num_diseases, closure)
        self.ic = information_content(self.diseases)
        links = torch.sparse_coo_tensor(
            split.train, torch.ones(split.train.shape[1]), (num_nodes["Gene"], num_diseases), check_invariants=True
        )
        genes = sparse_mm(links.coalesce(), self.diseases).coalesce()
        self.genes = torch.sparse_coo_tensor(
            genes.indices(), torch.ones(genes._nnz()), genes.shape, check_invariants=True
        ).coalesce()
        self.gene_ic = sparse_mm(self.genes, self.ic[:, None]).to_dense().squeeze(1)

    def score_all(self, diseases: Tensor) -> Tensor:
        """Dense ``[num_queries, num_genes]`` simGIC."""
        rows = self.diseases.index_select(0, diseases).to_dense()  # [q, terms] 0/1
        weighted = rows * self.ic
        common = sparse_mm(self.genes, weighted.t()).t()  # Σ IC over shared terms
        union = weighted.sum(1, keepdim=True) + self.gene_ic[None, :] - common
        return torch.where(union > 0, common / union.clamp(min=1e-12), torch.zeros_like(common))


@dataclass
class DistMultConfig:
    """DistMult hyper-parameters."""

    dim: int = 64
    epochs: int = 30
    batch_size: int = 8192
    lr: float = 0.01
    negatives: int = 4
    seed: int = 0


class DistMult(nn.Module):
    """score(h, r, t) = Σ e_h ⊙ w_r ⊙ e_t, trained with BCE on corrupted tails and heads."""

    def __init__(self, num_nodes: dict[str, int], split: Split, config: DistMultConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DistMultConfig()
        torch.manual_seed(config.seed)
        self.types = sorted(num_nodes)
        entities = {t: nn.Embedding(num_nodes[t], config.dim) for t in self.types}
        for emb in entities.values():
            nn.init.normal_(emb.weight, std=0.1)
        self.entities = nn.ModuleDict(entities)
        forward_types = sorted(et for et in split.message_edges if not et[1].startswith("rev_"))
        self.relations = nn.ParameterDict(
            {"__".join(et): nn.Parameter(torch.randn(config.dim) * 0.1 + 1.0) for et in forward_types}
        )
        self._fit(num_nodes, {et: split.message_edges[et] for et in forward_types})

    def _triple(self, et: EdgeType, heads: Tensor, tails: Tensor) -> Tensor:
        h, t = self.entities[et[0]](heads), self.entities[et[2]](tails)
        return (h * self.relations["__".join(et)] * t).sum(-1)

    def _fit(self, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor]) -> None:
        cfg = self.config
        gen = torch.Generator().manual_seed(cfg.seed)
        optimiser = torch.optim.Adam(self.parameters(), lr=cfg.lr)
        loss_fn = nn.BCEWithLogitsLoss()
        for _ in range(cfg.epochs):
            for et, ei in edges.items():
                order = torch.randperm(ei.shape[1], generator=gen)
                for start in range(0, ei.shape[1], cfg.batch_size):
                    batch = ei[:, order[start : start + cfg.batch_size]]
                    k, n = cfg.negatives, batch.shape[1]
                    bad_tails = torch.randint(num_nodes[et[2]], (k * n,), generator=gen)
                    bad_heads = torch.randint(num_nodes[et[0]], (k * n,), generator=gen)
                    pos = self._triple(et, batch[0], batch[1])
                    neg = torch.cat(
                        [
                            self._triple(et, batch[0].repeat(k), bad_tails),
                            self._triple(et, bad_heads, batch[1].repeat(k)),
                        ]
                    )
                    logits = torch.cat([pos, neg])
                    labels = torch.cat([torch.ones(n), torch.zeros(2 * k * n)])
                    loss = loss_fn(logits, labels)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
        self.eval()

    def score_all(self, diseases: Tensor) -> Tensor:
        """DistMult scores of ``(gene, ASSOCIATED_WITH, disease)`` for all genes."""
        with torch.no_grad():
            d = self.entities["Disease"](diseases) * self.relations["__".join(TARGET)]
            genes = cast(nn.Embedding, self.entities["Gene"]).weight
            return d @ genes.t()
