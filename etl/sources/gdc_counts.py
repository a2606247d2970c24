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
from etl.io import LocalFile, data_lines
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
        lines = data_lines(sheet.path, sheet.origin)
        first = next(lines, None)
        if first is None:
            raise SourceFormatError(sheet.origin, None, None, "empty sample sheet")
        header = first[1].split("\t")
        for name in SHEET_COLUMNS:
            if name not in header:
                raise SourceFormatError(sheet.origin, first[0], name, f"sample sheet lacks {name!r}")
        c = {n: i for i, n in enumerate(header)}
        for lineno, line in lines:
            fields = line.split("\t")
            fname, project, stype = fields[c["File Name"]], fields[c["Project ID"]], fields[c["Sample Type"]]
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
            lines = data_lines(f.path, f.origin)
            first = next(lines, None)
            if first is None:
                raise SourceFormatError(f.origin, None, None, "empty count file")
            header = first[1].split("\t")
            for name in COUNT_COLUMNS:
                if name not in header:
                    raise SourceFormatError(f.origin, first[0], name, f"STAR count header lacks {name!r}")
            gi, ti = header.index("gene_id"), header.index("tpm_unstranded")
            ids: list[str] = []
            values: list[float] = []
            for lineno, line in lines:
                fields = line.split("\t")
                if fields[0].startswith("N_"):
                    continue
                try:
                    values.append(float(fields[ti]))
                except (ValueError, IndexError):
                    raise SourceFormatError(
                        f.origin, lineno, "tpm_unstranded", f"not a number: {fields[ti] if len(fields) > ti else ''!r}"
                    ) from None
                ids.append(fields[gi])
            if reference is None:
                reference = ids
            elif ids != reference:
                raise SourceFormatError(f.origin, None, "gene_id", "gene rows differ from the other count files")
            columns.append(np.array(values))
        assert reference is not None
        return reference, np.column_stack(columns)
