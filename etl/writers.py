"""Writers of the published formats the adapters read: GDC MAF, GCT 1.2, Xena Toil, GDC STAR counts.

One home for the layouts, used by both generators of SYNTHETIC inputs: the shipped samples
(``scripts/make_synthetic.py``) and the full-size benchmark inputs (``bench/full_scale_inputs.py``).
The values are theirs; the headers, summary rows and sample-sheet lines are written here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The lines a GDC masked somatic MAF starts with, before its header.
GDC_MAF_PREAMBLE = "#version gdc-1.0.0\n#filedate 20240101\n#annotation.spec gdc-1.0.1-public\n"
#: UCSC Xena's TCGA-TARGET-GTEx phenotype columns.
XENA_PHENOTYPE_COLUMNS = (
    "sample",
    "detailed_category",
    "primary disease or tissue",
    "_primary_site",
    "_sample_type",
    "_gender",
    "_study",
)
#: The first two lines of a GDC ``*.rna_seq.augmented_star_gene_counts.tsv``.
STAR_HEADER = (
    "# gene-model: GENCODE v36\n"
    "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second\t"
    "tpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded\n"
)
#: STAR's summary rows, before the genes.
STAR_SUMMARY = ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous")
#: The columns of a GDC sample sheet (``gdc_sample_sheet.*.tsv``).
SAMPLE_SHEET_COLUMNS = (
    "File ID",
    "File Name",
    "Data Category",
    "Data Type",
    "Project ID",
    "Case ID",
    "Sample ID",
    "Sample Type",
)


def matched_normal(tumour: str) -> str:
    """The matched normal aliquot barcode written beside a tumour barcode."""
    return tumour[:13] + "10A-01D-A00X-09"


def gct_header(rows: int, columns: Sequence[str]) -> str:
    """The three header lines of a GCT 1.2 file (version, dimensions, column names)."""
    return f"#1.2\n{rows}\t{len(columns)}\nName\tDescription\t" + "\t".join(columns) + "\n"


def xena_matrix_header(samples: Sequence[str]) -> str:
    """The header line of a Xena gene × sample matrix."""
    return "sample\t" + "\t".join(samples) + "\n"


def xena_phenotype(rows: Sequence[str]) -> str:
    """A Xena phenotype file: the header, then ``rows`` (tab-joined lines in :data:`XENA_PHENOTYPE_COLUMNS`)."""
    return "\t".join(XENA_PHENOTYPE_COLUMNS) + "\n" + "\n".join(rows) + "\n"


def star_head(rng: np.random.Generator) -> str:
    """A STAR count file's header and summary rows (made-up read counts drawn from ``rng``)."""
    return STAR_HEADER + "".join(f"{label}\t\t\t{rng.integers(10**5, 10**6)}\t0\t0\t\t\t\n" for label in STAR_SUMMARY)


def sample_sheet(rows: Sequence[str]) -> str:
    """A GDC sample sheet: the header, then ``rows`` (see :func:`sample_sheet_row`)."""
    return "\n".join(["\t".join(SAMPLE_SHEET_COLUMNS), *rows]) + "\n"


def sample_sheet_row(file_id: str, file_name: str, project: str, case: str, sample: str, sample_type: str) -> str:
    """One STAR count file's line of a GDC sample sheet."""
    kind = "Transcriptome Profiling\tGene Expression Quantification"
    return f"{file_id}\t{file_name}\t{kind}\t{project}\t{case}\t{sample}\t{sample_type}"
