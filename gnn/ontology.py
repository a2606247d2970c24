"""HPO hierarchy arithmetic: ancestor closure, information content, IC-weighted sketches.

Used twice: by the phenotype-similarity baseline (simGIC over ancestor-propagated sets) and
by the attention model, whose phenotype inputs are a fixed random sketch of each term's
IC-weighted ancestor set (so similar terms start with similar vectors, and a phenotype set
never seen in training still has a meaningful representation).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

IS_A = ("Phenotype", "IS_A", "Phenotype")
HAS_PHENOTYPE = ("Disease", "HAS_PHENOTYPE", "Phenotype")


#: Curation sources of disease ids (by CURIE prefix); a disease's code is its position + 1, 0 unknown.
SOURCES = ("OMIM", "ORPHA", "DECIPHER", "MONDO")


@dataclass(frozen=True)
class DiseaseFacts:
    """What the phenotype prior reads beyond the bare annotations (see :class:`gnn.prior.PhenotypePrior`).

    Args:
        frequency: ``[E']`` HPO frequency (0–1, NaN when unknown) of the first ``E'``
            ``HAS_PHENOTYPE`` edges; later ones (a patient's) count in full.
        source: ``[D']`` curation source of the first ``D'`` diseases (:data:`SOURCES` code, 0
            unknown, as for a patient).
    """

    frequency: Tensor | None = None
    source: Tensor | None = None

    @staticmethod
    def source_codes(ids: Sequence[str]) -> Tensor:
        """``[len(ids)]`` source code of each disease CURIE."""
        codes = {prefix: i + 1 for i, prefix in enumerate(SOURCES)}
        return torch.tensor([codes.get(i.split(":", 1)[0], 0) for i in ids], dtype=torch.long)

    def extended(self, frequency: Tensor, ids: Sequence[str]) -> DiseaseFacts:
        """The facts with appended query diseases: their annotations' frequencies and their ids."""
        return DiseaseFacts(
            None if self.frequency is None else torch.cat([self.frequency, frequency.to(self.frequency)]),
            None if self.source is None else torch.cat([self.source, self.source_codes(ids)]),
        )


def _sparse(rows: Tensor, cols: Tensor, shape: tuple[int, int]) -> Tensor:
    values = torch.ones(rows.numel())
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values, shape, check_invariants=True).coalesce()


def _binary(m: Tensor) -> Tensor:
    m = m.coalesce()
    return torch.sparse_coo_tensor(
        m.indices(), torch.ones(m.values().numel()), m.shape, check_invariants=True
    ).coalesce()


def sparse_mm(a: Tensor, b: Tensor) -> Tensor:
    """``torch.sparse.mm`` without its beta-support warning."""
    with warnings.catch_warnings():  # "sparse CSR support is in beta", raised internally by sparse.mm
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse.mm(a, b)


def csr32(coo: Tensor) -> Tensor:
    """A coalesced sparse COO matrix as CSR with 32-bit indices: the same products, less memory streamed per product.

    A third of COO's time for a product with a few dense columns on CPU, bit for bit the same sums
    (checked on the benchmark graphs' walk matrices).
    """
    with warnings.catch_warnings():  # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        csr = coo.to_sparse_csr()
    return torch.sparse_csr_tensor(
        csr.crow_indices().int(), csr.col_indices().int(), csr.values(), csr.shape, check_invariants=True
    )


def dense_rows(csr: Tensor, rows: Tensor) -> Tensor:
    """Rows ``rows`` of a sparse CSR ``[R, C]`` matrix as a dense ``[len(rows), C]`` tensor."""
    crow, col, val = csr.crow_indices(), csr.col_indices(), csr.values()
    starts, lengths = crow[rows], crow[rows + 1] - crow[rows]
    owner = torch.repeat_interleave(torch.arange(rows.numel()), lengths)
    offsets = torch.arange(int(lengths.sum())) - torch.repeat_interleave(torch.cumsum(lengths, 0) - lengths, lengths)
    positions = starts[owner] + offsets
    out = torch.zeros(rows.numel(), csr.shape[1])
    out[owner, col[positions]] = val[positions]
    return out


def best_match(terms: Tensor, closure: Tensor, present: Tensor, ic: Tensor) -> Tensor:
    """``[R]`` Phenomizer's similarity of a term set to every row (disease): the mean best match's IC.

    ``mean_{t ∈ terms} max_{a ∈ ancestors(t), row has a} IC(a)``: each query term is matched to its
    most informative common ancestor with any of the row's terms (Resnik's similarity, best match,
    averaged over the query; Köhler et al., AJHG 2009).

    Args:
        terms: The query's own terms (not propagated).
        closure: CSR ``[T, T]``: row ``t`` holds ``t`` and its ancestors.
        present: CSR ``[T, R]``: row ``a`` holds the rows whose propagated set has ``a``.
        ic: ``[T]`` information content.
    """
    crow, col = closure.crow_indices(), closure.col_indices()
    best = torch.zeros(terms.numel(), present.shape[1])
    for i, t in enumerate(terms.tolist()):
        ancestors = col[int(crow[t]) : int(crow[t + 1])]
        best[i] = (dense_rows(present, ancestors) * ic[ancestors, None]).amax(dim=0)
    return best.mean(dim=0) if terms.numel() else torch.zeros(present.shape[1])


def ancestor_closure(is_a: Tensor, num_terms: int, max_depth: int = 64) -> Tensor:
    """Sparse ``[num_terms, num_terms]`` 0/1 matrix: ``C[t, a] = 1`` iff ``a`` is ``t`` or an ancestor.

    Args:
        is_a: ``[2, E]`` child → parent edges.
        num_terms: Number of terms.
        max_depth: Safety bound on the hierarchy's depth (HPO's is ~ 20).
    """
    eye = torch.arange(num_terms)
    closure = _sparse(eye, eye, (num_terms, num_terms))
    parent = _sparse(is_a[0], is_a[1], (num_terms, num_terms))
    for _ in range(max_depth):
        grown = _binary(closure + sparse_mm(closure, parent))
        if grown._nnz() == closure._nnz():
            row, col = grown.indices()
            off = row != col
            keys, mirrored = row[off] * num_terms + col[off], col[off] * num_terms + row[off]
            if torch.isin(mirrored, keys).any():
                raise ValueError("the IS_A hierarchy is cyclic")
            return grown
        closure = grown
    raise ValueError(f"IS_A hierarchy deeper than {max_depth} levels or cyclic")


def propagate(annotations: Tensor, num_rows: int, closure: Tensor) -> Tensor:
    """Sparse 0/1 ``[num_rows, num_terms]``: each row's terms plus all their ancestors.

    Args:
        annotations: ``[2, E]`` (row, term) pairs, e.g. disease → phenotype.
        num_rows: Number of rows (e.g. diseases).
        closure: The ancestor closure of :func:`ancestor_closure`.
    """
    direct = _sparse(annotations[0], annotations[1], (num_rows, closure.shape[0]))
    return _binary(sparse_mm(direct, closure))


def propagate_max(annotations: Tensor, weights: Tensor, num_rows: int, closure: Tensor) -> Tensor:
    """Sparse ``[num_rows, num_terms]`` like :func:`propagate`, each entry the largest weight below it.

    A term or ancestor of several annotations of one row takes the largest of their weights (an
    ancestor is present at least as often as its most frequent annotated descendant).

    Args:
        annotations: ``[2, E]`` (row, term) pairs.
        weights: ``[E]`` positive weight of each pair.
        num_rows: Number of rows.
        closure: The ancestor closure of :func:`ancestor_closure`.
    """
    num_terms = closure.shape[0]
    csr = closure.to_sparse_csr()
    crow, col = csr.crow_indices(), csr.col_indices()
    terms = annotations[1]
    lengths = crow[terms + 1] - crow[terms]
    owner = torch.repeat_interleave(torch.arange(terms.numel()), lengths)
    offsets = torch.arange(int(lengths.sum())) - torch.repeat_interleave(torch.cumsum(lengths, 0) - lengths, lengths)
    keys = annotations[0][owner] * num_terms + col[crow[terms][owner] + offsets]
    unique, inverse = torch.unique(keys, return_inverse=True)
    values = torch.zeros(unique.numel()).scatter_reduce_(0, inverse, weights.float()[owner], "amax", include_self=False)
    indices = torch.stack([unique // num_terms, unique % num_terms])
    return torch.sparse_coo_tensor(indices, values, (num_rows, num_terms), check_invariants=True).coalesce()


def information_content(propagated: Tensor) -> Tensor:
    """``-log p(term)`` over the annotated rows (``[num_terms]``; unused terms get the maximum)."""
    counts = torch.zeros(propagated.shape[1])
    counts.index_add_(0, propagated.indices()[1], propagated.values())
    annotated = int(torch.unique(propagated.indices()[0]).numel()) or 1
    ic = -torch.log(counts.clamp(min=1) / annotated)
    ic[counts == 0] = math.log(annotated)
    return ic


def phenotype_sketch(num_terms: int, is_a: Tensor, annotations: Tensor, num_rows: int, dim: int, seed: int) -> Tensor:
    """``[num_terms, dim]`` fixed random projection of each term's IC-weighted ancestor set.

    Inner products of sketches approximate the IC²-weighted overlap of ancestor sets
    (Johnson–Lindenstrauss); rows are scaled to unit norm.
    """
    closure = ancestor_closure(is_a, num_terms)
    ic = information_content(propagate(annotations, num_rows, closure))
    gen = torch.Generator().manual_seed(seed)
    basis = torch.randn(num_terms, dim, generator=gen) / math.sqrt(dim)
    weighted = torch.sparse_coo_tensor(
        closure.indices(), ic[closure.indices()[1]], closure.shape, check_invariants=True
    )
    sketch = sparse_mm(weighted, basis)
    return sketch / sketch.norm(dim=1, keepdim=True).clamp(min=1e-12)
