"""GTEx gene median TPM (GCT ``#1.2`` or header-only, v7/v8/v10) → Gene–Tissue ``EXPRESSED_IN``.

An edge is written where the median TPM is at least ``gtex_min_tpm`` (default 1 TPM).
``specificity`` is the tissue specificity index of that tissue for that gene:
log2(TPM+1) in the tissue over the sum across tissues (0–1; 1 = expressed only there);
``tau`` (Yanai et al. 2005) is the gene-level specificity over all tissues.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

import numpy as np

from etl.io import LocalFile, is_number, numbered_lines, parse_int
from etl.reference import wheel_data
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.schema import Edge, Record, RelType

V7_FILE = "GTEx_Analysis_2016-01-15_v7_RNASeQCv1.1.8_gene_median_tpm.gct"
_VERSION = re.compile(r"_(v\d+)[_.]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def tau(log_expr: np.ndarray) -> float:
    """Yanai's tau over one gene's log expression across tissues."""
    top = log_expr.max()
    if top <= 0:
        return 0.0
    return float((1 - log_expr / top).sum() / (log_expr.size - 1)) if log_expr.size > 1 else 1.0


class GtexSource:
    """GTEx gene median TPM GCT adapter."""

    name: ClassVar[str] = "gtex"
    description: ClassVar[str] = "GTEx gene median TPM per tissue (GCT 1.2)"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = "GTEx open-access summary data (GTEx Portal terms; cite the GTEx Consortium)"

    def default_location(self) -> str | None:
        """The real GTEx v7 median TPM of the mantis-ml wheel; the synthetic sample if that is not installed."""
        real = wheel_data("mantis_ml", f"gtex/RNASeq/{V7_FILE}")
        if real is not None:
            return str(real)
        return str(resources.files("etl.data").joinpath("synthetic/SYNTHETIC_GTEx_gene_median_tpm.gct.gz"))

    def version(self, files: list[LocalFile]) -> str:
        """GTEx release from the file name (``v8``, ``v10``) plus checksum."""
        m = _VERSION.search(files[0].name)
        dated = _DATE.search(files[0].name)  # "GTEx_Analysis_2016-01-15_v7_…": the release date
        release = f"{m.group(1) if m else 'unknown'}{':' + dated.group(0) if dated else ''}"
        return f"{release}+sha256:{files[0].sha256[:12]}"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield EXPRESSED_IN edges (Tissue nodes come from the tissue table)."""
        for f in ctx.files:
            yield from self._read(f, ctx)

    def _read(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        lines = numbered_lines(f.path, f.origin)
        first = next(lines, None)
        if first is None:
            raise SourceFormatError(f.origin, 1, None, "empty file")
        n_rows: int | None = None
        if first[1].strip() == "#1.2":
            dims = next(lines, (2, ""))
            parts = dims[1].split("\t")
            if len(parts) < 2:
                raise SourceFormatError(f.origin, 2, None, f"expected '<rows>\\t<columns>', got {dims[1][:40]!r}")
            n_rows = parse_int(parts[0], f.origin, 2, "rows")
            n_cols: int | None = parse_int(parts[1], f.origin, 2, "columns")
            header_no, header_line = next(lines, (3, ""))
        else:
            # GCTs re-saved without their two "#1.2" lines (e.g. GTEx v7 in the mantis-ml wheel):
            # the column header comes first and the dimensions are not declared.
            n_cols = None
            header_no, header_line = first
        header = header_line.split("\t")
        if [h.lower() for h in header[:2]] not in (["name", "description"], ["gene_id", "gene_name"]):
            raise SourceFormatError(
                f.origin,
                header_no,
                header[0] if header else None,
                f"not a GCT file: expected '#1.2' or a 'Name<tab>Description' header, got {header_line[:40]!r}",
            )
        tissues = header[2:]
        if not tissues:
            raise SourceFormatError(f.origin, header_no, None, "no tissue columns after Name, Description")
        if n_cols is None:
            n_cols = len(tissues)
        if len(tissues) != n_cols:
            raise SourceFormatError(
                f.origin, header_no, None, f"header has {len(tissues)} tissue columns, line 2 says {n_cols}"
            )
        table = ctx.cohort_table()
        mapped = [(i, table.tissue_of_gtex(t)) for i, t in enumerate(tissues)]
        skipped = [tissues[i] for i, t in mapped if t is None]
        if skipped:
            ctx.count("columns_not_tissues", len(skipped))
        keep = [(i, t[0]) for i, t in mapped if t is not None]
        resolver = ctx.resolver()
        best: dict[str, np.ndarray] = {}
        seen = 0
        for lineno, line in lines:
            if not line:
                continue
            seen += 1
            fields = line.split("\t")
            if len(fields) != n_cols + 2:
                raise SourceFormatError(f.origin, lineno, None, f"{len(fields)} fields, expected {n_cols + 2}")
            try:
                values = np.array(fields[2:], dtype=np.float64)
            except ValueError:
                bad = next(i for i, v in enumerate(fields[2:]) if not is_number(v))
                raise SourceFormatError(f.origin, lineno, tissues[bad], f"not a number: {fields[2 + bad]!r}") from None
            if (values < 0).any() or not np.isfinite(values).all():
                bad = int(np.argmax((values < 0) | ~np.isfinite(values)))
                ctx.rejects.add(SourceFormatError(f.origin, lineno, tissues[bad], f"invalid TPM {fields[2 + bad]!r}"))
                continue
            gene = resolver.resolve(self.name, ensembl=fields[0], symbol=fields[1])
            if gene is None:
                continue
            if gene in best:
                ctx.count("duplicate_gene_rows")
                values = np.maximum(best[gene], values)
            best[gene] = values
        if n_rows is not None and seen != n_rows:
            raise SourceFormatError(f.origin, None, None, f"line 2 says {n_rows} rows but the file has {seen}")
        ctx.count("genes", len(best))
        idx = np.array([i for i, _ in keep], dtype=int)
        for gene, values in best.items():
            sub = values[idx]
            logv = np.log2(sub + 1.0)
            total = logv.sum()
            gene_tau = tau(logv)
            for j, (_, tissue_id) in enumerate(keep):
                if sub[j] >= ctx.settings.gtex_min_tpm:
                    yield Edge(
                        RelType.EXPRESSED_IN,
                        gene,
                        tissue_id,
                        {
                            "tpm_median": round(float(sub[j]), 4),
                            "specificity": round(float(logv[j] / total), 6) if total > 0 else 0.0,
                            "tau": round(gene_tau, 6),
                        },
                    )
