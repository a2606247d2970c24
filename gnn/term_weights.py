"""Learned phenotype weights: a correction of information content trained on simulated patients.

IC says how rare a term is, not how much it tells about the gene: "Seizure" is common and
diagnostic, some rare terms are incidental. In the spirit of PhenoApt, each term gets a factor
``exp(θ_t)`` on its IC, learned so that phenotype similarity finds a disease's genes among the
genes of the *other* diseases:

* a query is a simulated patient of one training disease: each annotation present with its
  HPO frequency (``frequency``), annotations without one a random 50–100 % subset (``drop``),
  propagated to their ancestors;
* its genes are scored as the prior scores them (``Σ_d cos_w(q, d)^power`` over the other
  diseases) and the loss is the softmax cross-entropy of its own genes that have another disease;
* θ has an L2 penalty (``reg``): a term without evidence keeps its IC.

Only message-passing links are used (a split's held-out diseases never are). The factors are
saved with the model (``HeteroGAT.term_factor``) and every prior of that model uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from gnn.ontology import HAS_PHENOTYPE, propagate
from gnn.prior import PhenotypePrior
from kg.typing import EdgeType


@dataclass(frozen=True)
class TermWeightConfig:
    """How term factors are learned.

    Args:
        epochs: Passes over the training diseases (0: plain IC).
        lr: Adam learning rate on θ.
        reg: L2 penalty on θ (summed over terms).
        drop: Largest fraction of a disease's annotations a simulated patient leaves out.
        frequency: Draw each annotation with its HPO frequency (False: every annotation is
            treated as having no frequency).
        batch: Simulated patients per step.
        seed: Seed of the patient simulation.
    """

    epochs: int = 3
    lr: float = 0.05
    reg: float = 1e-4
    drop: float = 0.5
    frequency: bool = True
    batch: int = 256
    seed: int = 0


def learn_term_factor(
    prior: PhenotypePrior, edges: dict[EdgeType, Tensor], links: Tensor, config: TermWeightConfig
) -> Tensor:
    """Per-phenotype factors ``exp(θ)`` on the prior's IC, ``[num_phenotypes]`` (ones where unlearned).

    Args:
        prior: The prior over the training graph (its closure, propagated annotations and IC).
        edges: Holding ``HAS_PHENOTYPE`` (the raw annotations the patients are drawn from).
        links: ``[2, L]`` (gene, disease) message-passing links.
        config: Epochs, learning rate, penalty, patient simulation.
    """
    num_terms = prior.ic.numel()
    theta = torch.zeros(num_terms, requires_grad=True)
    if config.epochs <= 0 or links.numel() == 0:
        return torch.ones(num_terms)
    gen = torch.Generator().manual_seed(config.seed)
    annotations = edges[HAS_PHENOTYPE]
    num_diseases, num_genes = prior.num_diseases, prior.num_genes
    # genes that can be found through another disease; diseases with such a gene and phenotypes
    disease_count = torch.zeros(num_genes).index_add_(0, links[0], torch.ones(links.shape[1]))
    useful = links[:, disease_count[links[0]] > 1]
    annotated = torch.zeros(num_diseases, dtype=torch.bool)
    annotated[annotations[0]] = True
    queries = torch.unique(useful[1])
    queries = queries[annotated[queries]]
    # only diseases with links score genes: work on their rows (propagated, valued by the annotations'
    # frequency weights; term weights enter densely, so no gradient flows through a sparse operand:
    # cos_w = Σ_t D_dt q_bt w_t² / (‖D_d∘w‖ ‖q_b∘w‖), the patients q 0/1)
    linked, local = torch.unique(links[1], return_inverse=True)
    position = torch.full((num_diseases,), -1, dtype=torch.long)
    position[linked] = torch.arange(linked.numel())
    picked = prior.profile.index_select(0, linked).coalesce()
    rows, rows_squared = (
        torch.sparse_coo_tensor(picked.indices(), v, picked.shape, check_invariants=False).to_sparse_csr()
        for v in (picked.values().float(), picked.values().float() ** 2)
    )
    gene_disease = torch.sparse_coo_tensor(
        torch.stack([links[0], local]), torch.ones(links.shape[1]), (num_genes, linked.numel()), check_invariants=False
    ).to_sparse_csr()
    rows_mm, squared_mm, genes_mm = SparseProduct(rows), SparseProduct(rows_squared), SparseProduct(gene_disease)
    genes_of = grouped(useful[[1, 0]], num_diseases)  # disease -> its genes that have another disease
    by_disease = grouped(torch.stack([annotations[0], torch.arange(annotations.shape[1])]), num_diseases)  # edge ids
    optimiser = torch.optim.Adam([theta], lr=config.lr)
    for _ in range(config.epochs):
        for batch in queries[torch.randperm(queries.numel(), generator=gen)].split(config.batch):
            squared = (prior.ic * torch.exp(theta)) ** 2  # [T]
            patients = simulate_patients(batch, annotations[1], by_disease, prior, config, gen) * squared  # [B, T]
            own_norm = squared_mm(squared[:, None]).squeeze(1).sqrt().clamp(min=1e-12)  # [Dl]
            sim = rows_mm(patients.t()).t()  # [B, Dl]
            sim = sim / own_norm[None, :] / patients.sum(1, keepdim=True).sqrt().clamp(min=1e-12)
            sim = sim * prior.source_factor(prior.source[batch], prior.source[linked])
            sim = sim.index_put((torch.arange(batch.numel()), position[batch]), torch.zeros(batch.numel()))
            scores = genes_mm((sim.clamp(min=0) ** prior.power).t()).t()  # [B, G]
            truth = torch.zeros(batch.numel(), num_genes)
            for i, d in enumerate(batch.tolist()):
                truth[i, genes_of[d]] = 1.0
            log_p = torch.log(scores + 1e-6) - torch.log(scores.sum(1, keepdim=True) + 1e-6 * num_genes)
            loss = -((log_p * truth).sum(1) / truth.sum(1).clamp(min=1)).mean() + config.reg * (theta**2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return torch.exp(theta.detach())


class SparseProduct:
    """``X ↦ A @ X`` for a fixed sparse ``A`` and a dense ``X`` that needs gradients.

    Autograd's own backward transposes ``A`` on every call (most of the time of a step); here
    the transpose is made once.
    """

    def __init__(self, matrix: Tensor) -> None:
        self.matrix, self.transposed = matrix, matrix.to_sparse_coo().t().coalesce().to_sparse_csr()

    def __call__(self, dense: Tensor) -> Tensor:
        """``A @ dense``, with gradients for ``dense``."""
        return _SpMM.apply(dense, self.matrix, self.transposed)  # type: ignore[no-any-return]


class _SpMM(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, dense: Tensor, matrix: Tensor, transposed: Tensor) -> Tensor:  # noqa: D102
        ctx.transposed = transposed
        return torch.sparse.mm(matrix, dense)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:  # noqa: D102
        return torch.sparse.mm(ctx.transposed, grad), None, None


def grouped(pairs: Tensor, num_rows: int) -> list[Tensor]:
    """``[2, E]`` (row, value) pairs → the values of each row."""
    order = torch.argsort(pairs[0], stable=True)
    counts = torch.bincount(pairs[0], minlength=num_rows).tolist()
    return list(pairs[1][order].split(counts))


def simulate_patients(
    batch: Tensor,
    terms_of: Tensor,
    by_disease: list[Tensor],
    prior: PhenotypePrior,
    config: TermWeightConfig,
    gen: torch.Generator,
) -> Tensor:
    """``[B, T]`` 0/1: simulated patients of ``batch``, their terms propagated to their ancestors.

    ``terms_of`` is each annotation's phenotype, ``by_disease`` each disease's annotation ids.

    A patient shows each annotation of its disease with the annotation's HPO frequency (clamped
    to 5–100 %), so an occasional feature is often absent and an obligate one always present.
    Annotations without a frequency share one draw per patient: a random 50–100 % of them (for
    ``drop`` 0.5; all annotations, when ``config.frequency`` is off). Every patient keeps at
    least one term, its most frequent.
    """
    rows, terms = [], []
    for i, d in enumerate(batch.tolist()):
        idx = by_disease[d]
        own = terms_of[idx]
        freq = prior.frequency[idx] if config.frequency else torch.full((idx.numel(),), float("nan"))
        shared = 1.0 - config.drop * float(torch.rand(1, generator=gen))
        keep_p = torch.where(freq.isnan(), torch.full_like(freq, shared), freq.clamp(0.05, 1.0))
        mask = torch.rand(own.numel(), generator=gen) < keep_p
        if not mask.any():
            mask[int(torch.argmax(keep_p))] = True
        chosen = own[mask]
        rows.append(torch.full_like(chosen, i))
        terms.append(chosen)
    direct = torch.stack([torch.cat(rows), torch.cat(terms)])
    return propagate(direct, batch.numel(), prior.closure).to_dense()
