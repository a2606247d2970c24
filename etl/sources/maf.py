"""TCGA somatic mutations (GDC masked somatic MAF, MC3 MAF) → Gene–Disease ``MUTATED_IN``.

Only non-silent variant classes count. ``frequency`` = distinct patients with at least one
such mutation in the gene / distinct patients in the cohort's MAF rows. The cohort comes
from the file name (GDC: ``TCGA.BRCA.…maf.gz``), else from a GDC sample sheet or TSS code
table given with the MAF, else from the tumour barcode's TSS code in the shipped (partial)
TSS table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import ClassVar

from etl.cohorts import Cohort, CohortTable
from etl.io import LocalFile, TabularFile, numbered_lines
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.schema import Edge, Record, RelType

NON_SILENT = frozenset(
    {
        "Missense_Mutation",
        "Nonsense_Mutation",
        "Frame_Shift_Del",
        "Frame_Shift_Ins",
        "In_Frame_Del",
        "In_Frame_Ins",
        "Splice_Site",
        "Translation_Start_Site",
        "Nonstop_Mutation",
    }
)
ALL_CLASSES = NON_SILENT | {
    "Silent",
    "Intron",
    "3'UTR",
    "5'UTR",
    "3'Flank",
    "5'Flank",
    "IGR",
    "RNA",
    "Splice_Region",
    "Targeted_Region",
    "De_novo_Start_InFrame",
    "De_novo_Start_OutOfFrame",
    "Start_Codon_SNP",
    "Start_Codon_Del",
    "Start_Codon_Ins",
    "Stop_Codon_Del",
    "Stop_Codon_Ins",
    "Read-through",
}
REQUIRED = ("Hugo_Symbol", "Variant_Classification", "Tumor_Sample_Barcode")
_BARCODE = re.compile(r"^TCGA-([A-Z0-9]{2})-[A-Z0-9]{4}")


class SampleMap:
    """Maps a tumour barcode to its cohort (sample sheet first, then TSS codes)."""

    def __init__(self, table: CohortTable, extra: list[LocalFile]) -> None:
        """Load the shipped TSS table and any sample sheet / TSS table among ``extra``."""
        self.table = table
        self.by_sample: dict[str, Cohort] = {}
        self.by_tss: dict[str, Cohort] = {}
        shipped = Path(str(resources.files("etl.data").joinpath("tss_codes.tsv")))
        self._load_tss(LocalFile(shipped, str(shipped), ""))
        for f in extra:
            header = TabularFile(f).header
            if "TSS Code" in header:
                self._load_tss(f)
            elif "Project ID" in header:
                self._load_sheet(f)
            else:
                raise SourceFormatError(
                    f.origin, 1, header[0], "expected a GDC sample sheet (Project ID…) or TSS table (TSS Code…)"
                )

    def _load_tss(self, f: LocalFile) -> None:
        for row in TabularFile(f, required=("TSS Code", "Study Name"), what="TSS table", short=None).rows():
            cohort = self.table.by_name(row.get("Study Name") or "")
            if cohort:
                self.by_tss[row["TSS Code"]] = cohort

    def _load_sheet(self, f: LocalFile) -> None:
        for row in TabularFile(f, required=("Sample ID", "Project ID"), what="sample sheet", short=None).rows():
            cohort = self.table.get((row.get("Project ID") or "").split(",")[0].strip())
            if cohort:
                for s in (row.get("Sample ID") or "").split(","):
                    self.by_sample[s.strip()[:16]] = cohort

    def cohort(self, barcode: str) -> Cohort | None:
        """Cohort of a tumour sample barcode."""
        hit = self.by_sample.get(barcode[:16]) or self.by_sample.get(barcode[:15])
        if hit:
            return hit
        m = _BARCODE.match(barcode)
        return self.by_tss.get(m.group(1)) if m else None


class MafSource:
    """GDC / MC3 MAF adapter."""

    name: ClassVar[str] = "tcga-maf"
    description: ClassVar[str] = "TCGA somatic mutations: GDC masked somatic MAF per project or MC3 pan-cancer MAF"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = (
        "shipped files: SYNTHETIC (Apache-2.0, this project); real GDC open-access MAFs: NIH GDC data access policies"
    )

    def default_location(self) -> str | None:
        """The shipped synthetic GDC and MC3 samples."""
        base = resources.files("etl.data").joinpath("synthetic")
        return ",".join(
            str(base.joinpath(n))
            for n in (
                "SYNTHETIC_TCGA.BRCA.mutect.somatic.maf.gz",
                "SYNTHETIC_TCGA.LUAD.mutect.somatic.maf.gz",
                "SYNTHETIC_mc3.v0.2.8.PUBLIC.maf.gz",
            )
        )

    def version(self, files: list[LocalFile]) -> str:
        """``#version`` of the first GDC MAF, else the checksums."""
        for f in files:
            for _, line in numbered_lines(f.path, f.origin):
                if not line.startswith("#"):
                    break
                if line.startswith("#version"):
                    return f"{line.split(maxsplit=1)[1]}+sha256:{f.sha256[:12]}"
        return "sha256:" + "+".join(f.sha256[:8] for f in files)

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield MUTATED_IN edges per (gene, cohort)."""
        table = ctx.cohort_table()
        mafs = [f for f in ctx.files if ".maf" in f.name.lower()]
        samples = SampleMap(table, [f for f in ctx.files if f not in mafs])
        patients: dict[str, set[str]] = defaultdict(set)
        mutated: dict[tuple[str, str], set[str]] = defaultdict(set)
        for f in mafs:
            fixed = table.project_in_file_name(f.name)
            if fixed is None and ctx.settings.maf_project:
                fixed = table.get(ctx.settings.maf_project)
                if fixed is None:
                    raise SourceFormatError(f.origin, None, None, f"unknown --maf-project {ctx.settings.maf_project!r}")
            self._read(f, fixed, samples, patients, mutated, ctx)
        for (gene, disease), hit in mutated.items():
            n = len(patients[disease])
            if len(hit) >= ctx.settings.mutation_min_patients:
                yield Edge(
                    RelType.MUTATED_IN,
                    gene,
                    disease,
                    {"n_mutated": len(hit), "n_samples": n, "frequency": round(len(hit) / n, 6)},
                )
        ctx.count("cohorts", len(patients))

    def _read(
        self,
        f: LocalFile,
        fixed: Cohort | None,
        samples: SampleMap,
        patients: dict[str, set[str]],
        mutated: dict[tuple[str, str], set[str]],
        ctx: SourceContext,
    ) -> None:
        maf = TabularFile(f, required=REQUIRED, what="MAF")
        resolver = ctx.resolver()
        counted = [0]

        def reject(error: SourceFormatError) -> None:
            counted[0] += 1
            ctx.rejects.add(error)

        for row in maf.rows(reject):
            counted[0] += 1
            lineno = row.lineno
            vclass, barcode = row["Variant_Classification"], row["Tumor_Sample_Barcode"]
            if vclass not in ALL_CLASSES:
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, "Variant_Classification", f"unknown class {vclass!r}")
                )
                continue
            if not _BARCODE.match(barcode):
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, "Tumor_Sample_Barcode", f"not a TCGA barcode {barcode!r}")
                )
                continue
            cohort = fixed or samples.cohort(barcode)
            if cohort is None:
                ctx.rejects.add(
                    SourceFormatError(
                        f.origin,
                        lineno,
                        "Tumor_Sample_Barcode",
                        f"no project for {barcode!r} (unknown TSS code; give a sample sheet)",
                    )
                )
                continue
            patient = barcode[:12]
            patients[cohort.disease_id].add(patient)
            if vclass not in NON_SILENT:
                continue
            gene = resolver.resolve(
                self.name,
                entrez=row.get("Entrez_Gene_Id"),
                ensembl=row.get("Gene"),
                symbol=row["Hugo_Symbol"],
            )
            if gene is not None:
                mutated[(gene, cohort.disease_id)].add(patient)
        if counted[0] == 0:
            raise SourceFormatError(f.origin, None, None, "MAF has a header but no mutation rows")
        ctx.count("maf_rows", counted[0])
