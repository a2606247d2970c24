"""UCSC Xena TCGA-TARGET-GTEx (Toil) TPM matrix + phenotype → tumour-vs-normal DE.

The matrix (``TcgaTargetGtex_rsem_gene_tpm.gz``) holds log2(TPM+0.001) per gene (rows,
versioned Ensembl ids) and sample (columns). The phenotype file
(``TcgaTargetGTEX_phenotype.txt.gz``) gives each sample's study, type and category.
Tumour = TCGA "Primary Tumor" / "Primary Blood Derived Cancer - Peripheral Blood" (and
"Metastatic" for SKCM); normal = TCGA "Solid Tissue Normal" and/or GTEx samples of the
cohort's GTEx tissue (``de_normal``: pooled, tcga or gtex).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

import numpy as np

from etl.cohorts import Cohort
from etl.de import CohortDE
from etl.io import LocalFile, TabularFile, is_number, numbered_lines
from etl.sources.base import SourceContext, pick
from etl.sources.maf import SampleMap
from kg.errors import SourceFormatError
from kg.schema import Record

TUMOUR_TYPES = {"Primary Tumor", "Primary Blood Derived Cancer - Peripheral Blood"}
CHUNK = 2000


class XenaSource:
    """UCSC Xena Toil recompute adapter."""

    name: ClassVar[str] = "xena"
    description: ClassVar[str] = "UCSC Xena TCGA-TARGET-GTEx (Toil) TPM matrix + phenotype: tumour vs normal DE"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = (
        "shipped files: SYNTHETIC (Apache-2.0, this project); UCSC Xena Toil: TCGA/TARGET/GTEx terms"
    )

    def default_location(self) -> str | None:
        """The shipped synthetic samples."""
        base = resources.files("etl.data").joinpath("synthetic")
        return ",".join(
            str(base.joinpath(n))
            for n in ("SYNTHETIC_TcgaTargetGtex_rsem_gene_tpm.gz", "SYNTHETIC_TcgaTargetGTEX_phenotype.txt.gz")
        )

    def version(self, files: list[LocalFile]) -> str:
        """Checksums of the two files (Xena files carry no version)."""
        return "toil+sha256:" + "+".join(f.sha256[:8] for f in files)

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield DE edges for every cohort with enough tumour and normal samples."""
        pheno = pick(ctx.files, "tcgatargetgtex_phenotype", "synthetic_tcgatargetgtex_phenotype")
        matrix = next((f for f in ctx.files if f is not pheno), None)
        if pheno is None or matrix is None:
            raise SourceFormatError(
                ",".join(f.origin for f in ctx.files),
                None,
                None,
                "xena needs the TPM matrix and TcgaTargetGTEX_phenotype.txt",
            )
        if "tpm" not in matrix.name.lower():
            raise SourceFormatError(matrix.origin, None, None, "expected the TPM matrix (…rsem_gene_tpm…)")
        groups = self._groups(pheno, ctx)
        lines = numbered_lines(matrix.path, matrix.origin)
        first = next(lines, None)
        if first is None or not first[1].startswith("sample\t"):
            raise SourceFormatError(matrix.origin, 1, None, "header must start with 'sample'")
        samples = first[1].split("\t")[1:]
        col = {s: i for i, s in enumerate(samples)}
        plans: list[tuple[CohortDE, np.ndarray, np.ndarray]] = []
        mode = ctx.settings.de_normal
        for cohort, (tumour, tcga_n, gtex_n) in sorted(groups.items(), key=lambda kv: kv[0].project):
            normals = {"tcga": tcga_n, "gtex": gtex_n, "pooled": tcga_n + gtex_n}[mode]
            t_idx = np.array([col[s] for s in tumour if s in col], dtype=int)
            n_idx = np.array([col[s] for s in normals if s in col], dtype=int)
            if min(t_idx.size, n_idx.size) < ctx.settings.de_min_samples:
                ctx.count("cohorts_too_few_samples")
                continue
            used = [n for n, g in (("TCGA", tcga_n), ("GTEx", gtex_n)) if mode in ("pooled", n.lower()) and g]
            plans.append((CohortDE(cohort.disease_id, "+".join(used)), t_idx, n_idx))
        resolver = ctx.resolver()
        genes: list[str] = []
        rows: list[np.ndarray] = []
        for lineno, line in lines:
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(samples) + 1:
                raise SourceFormatError(
                    matrix.origin, lineno, None, f"{len(fields)} fields, header has {len(samples) + 1}"
                )
            gene = resolver.resolve(self.name, ensembl=fields[0])
            if gene is None:
                continue
            try:
                values = np.array(fields[1:], dtype=np.float32)
            except ValueError:
                bad = next(i for i, v in enumerate(fields[1:]) if not is_number(v))
                raise SourceFormatError(
                    matrix.origin, lineno, samples[bad], f"not a number: {fields[1 + bad]!r}"
                ) from None
            genes.append(gene)
            rows.append(values)
            if len(rows) == CHUNK:
                self._flush(genes, rows, plans)
                genes, rows = [], []
        if rows:
            self._flush(genes, rows, plans)
        for plan, _, _ in plans:
            yield from plan.edges(ctx.settings.de_padj, ctx.settings.de_min_abs_log2fc)
        ctx.count("cohorts_tested", len(plans))

    @staticmethod
    def _flush(genes: list[str], rows: list[np.ndarray], plans: list[tuple[CohortDE, np.ndarray, np.ndarray]]) -> None:
        tpm = np.clip(np.exp2(np.vstack(rows).astype(np.float64)) - 0.001, 0.0, None)
        logged = np.log2(tpm + 1.0)
        for plan, t_idx, n_idx in plans:
            plan.add(list(genes), logged[:, t_idx], logged[:, n_idx])

    def _groups(self, f: LocalFile, ctx: SourceContext) -> dict[Cohort, tuple[list[str], list[str], list[str]]]:
        table = ctx.cohort_table()
        tss = SampleMap(table, [])
        phenotypes = TabularFile(
            f, required=("sample", "detailed_category", "_sample_type", "_study"), what="phenotype", comment=None
        )
        disease_col = phenotypes.first_of("primary disease or tissue")
        by_gtex: dict[str, list[Cohort]] = {}
        for known in table.cohorts.values():
            if known.gtex_tissue:
                by_gtex.setdefault(known.gtex_tissue, []).append(known)
        groups: dict[Cohort, tuple[list[str], list[str], list[str]]] = {}
        for row in phenotypes.rows(ctx.rejects.add):
            sample, study, stype = row["sample"], row["_study"], row["_sample_type"]
            if study == "GTEX":
                for gtex_cohort in by_gtex.get(row["detailed_category"], []):
                    groups.setdefault(gtex_cohort, ([], [], []))[2].append(sample)
                continue
            if study != "TCGA":
                continue
            cohort = (table.by_name(row[disease_col]) if disease_col is not None else None) or tss.cohort(sample)
            if cohort is None:
                ctx.count("tcga_samples_without_project")
                continue
            tumour, normal, _ = groups.setdefault(cohort, ([], [], []))
            if stype in TUMOUR_TYPES or (stype == "Metastatic" and cohort.project == "TCGA-SKCM"):
                tumour.append(sample)
            elif stype == "Solid Tissue Normal":
                normal.append(sample)
        return groups
