"""Tumour-vs-normal differential expression: Welch's t-test on log2(TPM+1), BH FDR.

This is the test GEPIA and many TCGA/GTEx comparisons use on TPM: per gene, Welch's
unequal-variance t-test between tumour and normal log2(TPM+1) values; log2 fold change is
the difference of group means; p-values are adjusted with Benjamini–Hochberg per cohort.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from kg.schema import Edge, RelType


def welch(
    tumour: NDArray[np.floating], normal: NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised Welch t-test over genes.

    Args:
        tumour: ``[num_genes, n_tumour]`` log2(TPM+1) values.
        normal: ``[num_genes, n_normal]`` log2(TPM+1) values.

    Returns:
        ``(log2fc, pvalue)``, each ``[num_genes]``; genes with zero variance in both groups
        get p = 1 when their means agree, else p = 0.
    """
    t = tumour.astype(np.float64)
    n = normal.astype(np.float64)
    nt, nn = t.shape[1], n.shape[1]
    mt, mn = t.mean(axis=1), n.mean(axis=1)
    vt, vn = t.var(axis=1, ddof=1), n.var(axis=1, ddof=1)
    se2 = vt / nt + vn / nn
    diff = mt - mn
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = diff / np.sqrt(se2)
        dof = se2**2 / ((vt / nt) ** 2 / (nt - 1) + (vn / nn) ** 2 / (nn - 1))
        from scipy import stats  # imported on use: it costs every kg command ~0.4 s otherwise

        p = 2.0 * stats.t.sf(np.abs(tstat), dof)
    flat = se2 == 0
    p[flat] = np.where(diff[flat] == 0, 1.0, 0.0)
    return diff, np.nan_to_num(p, nan=1.0)


def benjamini_hochberg(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (monotone, capped at 1)."""
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out


class CohortDE:
    """Accumulates per-gene Welch tests of one cohort, chunk by chunk, then applies BH.

    Args:
        disease_id: The cohort's Disease id.
        normal_source: ``TCGA``, ``GTEx`` or ``TCGA+GTEx``.
    """

    def __init__(self, disease_id: str, normal_source: str) -> None:
        self.disease_id = disease_id
        self.normal_source = normal_source
        self.genes: list[str] = []
        self._lfc: list[NDArray[np.float64]] = []
        self._p: list[NDArray[np.float64]] = []
        self.n_tumor = 0
        self.n_normal = 0

    def add(self, genes: list[str], tumour: NDArray[np.floating], normal: NDArray[np.floating]) -> None:
        """Test one chunk of genes (``[chunk, n_tumour]`` and ``[chunk, n_normal]`` log2(TPM+1))."""
        lfc, p = welch(tumour, normal)
        self.genes.extend(genes)
        self._lfc.append(lfc)
        self._p.append(p)
        self.n_tumor, self.n_normal = tumour.shape[1], normal.shape[1]

    def edges(self, padj_max: float, min_abs_log2fc: float) -> Iterator[Edge]:
        """Yield UPREGULATED_IN / DOWNREGULATED_IN edges passing both thresholds."""
        if not self.genes:
            return
        lfc, p = np.concatenate(self._lfc), np.concatenate(self._p)
        padj = benjamini_hochberg(p)
        for i in np.flatnonzero((padj < padj_max) & (np.abs(lfc) >= min_abs_log2fc)):
            rel = RelType.UPREGULATED_IN if lfc[i] > 0 else RelType.DOWNREGULATED_IN
            yield Edge(
                rel,
                self.genes[i],
                self.disease_id,
                {
                    "log2fc": round(float(lfc[i]), 6),
                    "pvalue": float(p[i]),
                    "padj": float(padj[i]),
                    "n_tumor": self.n_tumor,
                    "n_normal": self.n_normal,
                    "normal_source": self.normal_source,
                    "test": "welch_t_log2tpm1_bh",
                },
            )
