"""GDC STAR gene counts (``*.rna_seq.augmented_star_gene_counts.tsv``) + GDC sample sheet → DE.

Each count file is one sample; the GDC sample sheet (``gdc_sample_sheet.*.tsv``) names
each file's project and sample type. Tumour = "Primary Tumor" / "Primary Blood Derived
Cancer - Peripheral Blood"; normal = "Solid Tissue Normal" (``normal_source`` TCGA). The
test runs on log2(``tpm_unstranded``+1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

import numpy as np

from etl.de import CohortDE
from etl.io import LocalFile, TabularFile
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.schema import Record

TUMOUR_TYPES = {"Primary Tumor", "Primary Blood Derived Cancer - Peripheral Blood"}
SHEET_COLUMNS = ("File Name", "Project ID", "Sample ID", "Sample Type")
COUNT_COLUMNS = ("gene_id", "gene_name", "tpm_unstranded")


class GdcCountsSource:
    """GDC STAR-count adapter."""

    name: ClassVar[str] = "gdc-counts"
    description: ClassVar[str] = "GDC STAR gene counts + GDC sample sheet: tumour vs TCGA normal DE"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = (
        "shipped files: SYNTHETIC (Apache-2.0, this project); GDC open-access data: NIH GDC policies"
    )

    def default_location(self) -> str | None:
        """The shipped synthetic download folder."""
        return str(resources.files("etl.data").joinpath("synthetic/SYNTHETIC_gdc_star_counts"))

    def version(self, files: list[LocalFile]) -> str:
        """The gene model named in the count files' first line plus a checksum."""
        counts = [f for f in files if "star_gene_counts" in f.name]
        model = "unknown"
        if counts:
            first = next(iter(open(counts[0].path, encoding="utf-8")), "")
            if first.startswith("# gene-model:"):
                model = first.split(":", 1)[1].strip().replace(" ", "")
        return f"{model}+sha256:" + (files[0].sha256[:12] if files else "")

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield DE edges per project with enough tumour and normal samples."""
        sheet = next((f for f in ctx.files if "sample_sheet" in f.name.lower()), None)
        if sheet is None:
            raise SourceFormatError(
                ",".join(f.origin for f in ctx.files)[:200],
                None,
                None,
                "gdc-counts needs a GDC sample sheet (gdc_sample_sheet*.tsv)",
            )
        by_name = {f.name: f for f in ctx.files if "star_gene_counts" in f.name}
        table = ctx.cohort_table()
        groups: dict[str, tuple[list[LocalFile], list[LocalFile]]] = defaultdict(lambda: ([], []))
        sheet_table = TabularFile(sheet, required=SHEET_COLUMNS, what="sample sheet")
        for row in sheet_table.rows(ctx.rejects.add):
            lineno = row.lineno
            fname, project, stype = row["File Name"], row["Project ID"], row["Sample Type"]
            cohort = table.get(project)
            if cohort is None:
                ctx.rejects.add(SourceFormatError(sheet.origin, lineno, "Project ID", f"unknown project {project!r}"))
                continue
            f = by_name.get(fname)
            if f is None:
                ctx.rejects.add(SourceFormatError(sheet.origin, lineno, "File Name", f"file not found: {fname!r}"))
                continue
            if stype in TUMOUR_TYPES:
                groups[cohort.disease_id][0].append(f)
            elif stype == "Solid Tissue Normal":
                groups[cohort.disease_id][1].append(f)
        reference: list[str] | None = None
        for disease_id, (tumour_files, normal_files) in sorted(groups.items()):
            if min(len(tumour_files), len(normal_files)) < ctx.settings.de_min_samples:
                ctx.count("cohorts_too_few_samples")
                continue
            ids, tumour = self._matrix(tumour_files, reference)
            reference = ids
            _, normal = self._matrix(normal_files, reference)
            genes, keep = [], []
            resolver = ctx.resolver()
            seen: set[str] = set()
            for i, gid in enumerate(ids):
                gene = resolver.resolve(self.name, ensembl=gid)
                if gene is not None and gene not in seen:
                    seen.add(gene)
                    genes.append(gene)
                    keep.append(i)
            plan = CohortDE(disease_id, "TCGA")
            plan.add(genes, np.log2(tumour[keep] + 1.0), np.log2(normal[keep] + 1.0))
            yield from plan.edges(ctx.settings.de_padj, ctx.settings.de_min_abs_log2fc)
            ctx.count("cohorts_tested")

    @staticmethod
    def _matrix(files: list[LocalFile], reference: list[str] | None) -> tuple[list[str], np.ndarray]:
        columns: list[np.ndarray] = []
        for f in files:
            counts = TabularFile(f, required=COUNT_COLUMNS, what="STAR count")
            ids: list[str] = []
            values: list[float] = []
            for row in counts.rows():
                if row["gene_id"].startswith("N_"):
                    continue
                values.append(row.float("tpm_unstranded"))
                ids.append(row["gene_id"])
            if reference is None:
                reference = ids
            elif ids != reference:
                raise SourceFormatError(f.origin, None, "gene_id", "gene rows differ from the other count files")
            columns.append(np.array(values))
        assert reference is not None
        return reference, np.column_stack(columns)
