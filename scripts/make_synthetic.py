#!/usr/bin/env python3
"""Generate the SYNTHETIC TCGA/GTEx sample files shipped in ``etl/data/synthetic``.

Real TCGA/GTEx files are large and not redistributable here, so the demo ships small files
in their exact published formats (GTEx GCT 1.2, GDC and MC3 MAF, Xena Toil matrix and
phenotype, GDC STAR counts + sample sheet). Every value is SYNTHETIC: made up by this
script from a fixed seed, with planted signal (known driver genes mutated, planted
differentially expressed genes) so that the pipeline has something to find. File names
start with ``SYNTHETIC_`` and every edge derived from them carries ``synthetic: true``.

Usage: ``python scripts/make_synthetic.py [--out etl/data/synthetic]``
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
import uuid
from pathlib import Path

import numpy as np

from etl.writers import (
    GDC_MAF_PREAMBLE,
    gct_header,
    matched_normal,
    sample_sheet,
    sample_sheet_row,
    star_head,
    xena_matrix_header,
    xena_phenotype,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "etl" / "data" / "reference" / "Homo_sapiens.gene_info.gz"
DRIVERS = {
    "TCGA-BRCA": ["TP53", "PIK3CA", "GATA3", "CDH1", "MAP3K1", "KMT2C", "PTEN"],
    "TCGA-LUAD": ["TP53", "KRAS", "EGFR", "STK11", "KEAP1", "NF1", "BRAF"],
    "TCGA-GBM": ["PTEN", "TP53", "EGFR", "NF1", "PIK3R1", "IDH1"],
    "TCGA-COAD": ["APC", "TP53", "KRAS", "PIK3CA", "FBXW7", "SMAD4"],
    "TCGA-KIRC": ["VHL", "PBRM1", "SETD2", "BAP1", "KDM5C"],
}
MC3_TSS = {"TCGA-GBM": ["02", "06"], "TCGA-COAD": ["AA", "A6"], "TCGA-KIRC": ["CZ"]}
NON_SILENT = ["Missense_Mutation"] * 6 + ["Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site"]
OTHER = ["Silent", "Silent", "Intron", "3'UTR"]
MAF_COLUMNS = [
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Center",
    "NCBI_Build",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Strand",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "dbSNP_RS",
    "Tumor_Sample_Barcode",
    "Matched_Norm_Sample_Barcode",
    "HGVSp_Short",
    "Gene",
]
XENA_COHORTS = {  # project: (Xena 'primary disease or tissue', GTEx tissue)
    "TCGA-BRCA": ("Breast Invasive Carcinoma", "Breast - Mammary Tissue"),
    "TCGA-LUAD": ("Lung Adenocarcinoma", "Lung"),
    "TCGA-LIHC": ("Liver Hepatocellular Carcinoma", "Liver"),
    "TCGA-KIRC": ("Kidney Renal Clear Cell Carcinoma", "Kidney - Cortex"),
}


def gz_bytes(text: str) -> bytes:
    """Deterministic gzip (no timestamp) of ``text``."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.encode())
    return buf.getvalue()


def load_genes() -> list[tuple[str, str, str]]:
    """(entrez, symbol, first Ensembl id) of protein-coding genes that have one."""
    out = []
    with gzip.open(REFERENCE, "rt") as fh:
        next(fh)
        for line in fh:
            f = line.rstrip("\n").split("\t")
            ens = [x[8:] for x in f[5].split("|") if x.startswith("Ensembl:")]
            if f[9] == "protein-coding" and ens:
                out.append((f[1], f[2], ens[0]))
    return out


def barcode(rng: np.random.Generator, tss: str, sample: str = "01") -> str:
    """A TCGA aliquot barcode with the given TSS code and sample type."""
    pid = "".join(rng.choice(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"), 4))
    return f"TCGA-{tss}-{pid}-{sample}A-11D-A00X-09"


def maf_rows(rng, genes, by_symbol, project, barcodes) -> list[str]:
    """Mutations of one cohort: drivers at planted rates, random passengers, silent ones."""
    rows = []
    drivers = DRIVERS[project]
    for i, bc in enumerate(barcodes):
        hits = [g for k, g in enumerate(drivers) if rng.random() < 0.6 / (1 + k * 0.5)]
        hits += [genes[j][1] for j in rng.choice(len(genes), size=rng.integers(3, 12), replace=False)]
        for sym in hits:
            vclass = str(rng.choice(NON_SILENT if rng.random() < 0.8 else OTHER))
            rows.append((sym, vclass, bc, i))
    lines = []
    for sym, vclass, bc, _ in rows:
        entrez, ens = by_symbol[sym]
        pos = int(rng.integers(1_000_000, 200_000_000))
        ref, alt = rng.choice(list("ACGT"), 2, replace=False)
        normal = matched_normal(bc)
        lines.append(
            "\t".join(
                [
                    sym,
                    entrez,
                    "WUGSC",
                    "GRCh38",
                    "chr1",
                    str(pos),
                    str(pos),
                    "+",
                    vclass,
                    "SNP",
                    str(ref),
                    str(ref),
                    str(alt),
                    "novel",
                    bc,
                    normal,
                    "p.X1X",
                    ens,
                ]
            )
        )
    return lines


def write_mafs(out: Path, rng, genes, by_symbol) -> None:
    """GDC per-project MAFs (with #version headers) and one MC3-style pan-cancer MAF."""
    head = GDC_MAF_PREAMBLE + "#SYNTHETIC sample: values are made up\n"
    for project, tss in (("TCGA-BRCA", "BH"), ("TCGA-LUAD", "05")):
        bcs = [barcode(rng, tss) for _ in range(40)]
        body = "\n".join(maf_rows(rng, genes, by_symbol, project, bcs))
        name = f"SYNTHETIC_TCGA.{project[5:]}.mutect.somatic.maf.gz"
        (out / name).write_bytes(gz_bytes(head + "\t".join(MAF_COLUMNS) + "\n" + body + "\n"))
    lines = []
    for project, codes in MC3_TSS.items():
        bcs = [barcode(rng, str(rng.choice(codes))) for _ in range(30)]
        lines += maf_rows(rng, genes, by_symbol, project, bcs)
    (out / "SYNTHETIC_mc3.v0.2.8.PUBLIC.maf.gz").write_bytes(
        gz_bytes("\t".join(MAF_COLUMNS) + "\n" + "\n".join(lines) + "\n")
    )


def write_gtex(out: Path, rng, genes, tissues: list[str]) -> None:
    """GCT 1.2 of median TPM: log-normal baseline, some tissue-specific genes."""
    cols = tissues + ["Cells - Cultured fibroblasts", "Cells - EBV-transformed lymphocytes"]
    rows = []
    chosen = genes[:1500]
    for k, (_, sym, ens) in enumerate(chosen):
        base = rng.lognormal(mean=1.0, sigma=1.5)
        vals = base * rng.lognormal(0, 0.5, size=len(cols))
        vals[rng.random(len(cols)) < 0.15] = 0.0
        if k % 10 == 0:
            vals[rng.integers(len(cols))] *= 200
        rows.append(f"{ens}.{rng.integers(1, 20)}\t{sym}\t" + "\t".join(f"{v:.4g}" for v in vals))
    rows.append("ENSG00000999999.1\tSYNTHETIC_UNKNOWN\t" + "\t".join("1" for _ in cols))
    rows.append("ENSG00000182378.14_PAR_Y\tPLCXD1\t" + "\t".join("2.5" for _ in cols))
    text = gct_header(len(rows), cols) + "\n".join(rows) + "\n"
    (out / "SYNTHETIC_GTEx_gene_median_tpm.gct.gz").write_bytes(gz_bytes(text))


def write_xena(out: Path, rng, genes) -> None:
    """Toil TPM matrix (log2(TPM+0.001)) and phenotype, with planted DE genes per cohort."""
    chosen = genes[:1200]
    samples, pheno = [], []
    group_of = []
    for project, (disease, tissue) in XENA_COHORTS.items():
        for kind, n, stype in (("T", 24, "Primary Tumor"), ("N", 6, "Solid Tissue Normal")):
            for _ in range(n):
                bc = barcode(rng, "XX", "01" if kind == "T" else "11")[:15]
                samples.append(bc)
                pheno.append(f"{bc}\t{disease}\t{disease}\t{tissue.split(' - ')[0]}\t{stype}\tFemale\tTCGA")
                group_of.append((project, kind))
        for i in range(10):
            sid = f"GTEX-S{rng.integers(1000, 9999)}-{i:04d}-SM-{rng.integers(10000, 99999)}"
            samples.append(sid)
            pheno.append(f"{sid}\t{tissue}\t{tissue}\t{tissue.split(' - ')[0]}\tNormal Tissue\tFemale\tGTEX")
            group_of.append((project, "N"))
    base = rng.lognormal(1.5, 1.5, size=len(chosen))
    expr = base[:, None] * rng.lognormal(0, 0.35, size=(len(chosen), len(samples)))
    for project in XENA_COHORTS:
        t_cols = [j for j, g in enumerate(group_of) if g == (project, "T")]
        up = rng.choice(len(chosen), 25, replace=False)
        down = rng.choice(len(chosen), 25, replace=False)
        expr[np.ix_(up, t_cols)] *= 8.0
        expr[np.ix_(down, t_cols)] /= 8.0
    logv = np.log2(expr + 0.001)
    lines = [xena_matrix_header(samples).rstrip("\n")]
    for k, (_, _, ens) in enumerate(chosen):
        lines.append(f"{ens}.{(k % 9) + 1}\t" + "\t".join(f"{v:.4f}" for v in logv[k]))
    (out / "SYNTHETIC_TcgaTargetGtex_rsem_gene_tpm.gz").write_bytes(gz_bytes("\n".join(lines) + "\n"))
    (out / "SYNTHETIC_TcgaTargetGTEX_phenotype.txt.gz").write_bytes(gz_bytes(xena_phenotype(pheno)))


def write_gdc_counts(out: Path, rng, genes) -> None:
    """A GDC download folder: <file id>/<file name> STAR count files + a sample sheet."""
    folder = out / "SYNTHETIC_gdc_star_counts"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    chosen = genes[:500]
    versions = rng.integers(1, 15, size=len(chosen))
    base = rng.lognormal(1.5, 1.5, size=len(chosen))
    sheet: list[str] = []
    for project, tss in (("TCGA-LIHC", "DD"), ("TCGA-KIRC", "CZ")):
        planted = rng.choice(len(chosen), 20, replace=False)
        for kind, n, stype, code in (("T", 10, "Primary Tumor", "01"), ("N", 5, "Solid Tissue Normal", "11")):
            for _ in range(n):
                fid = str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63))))
                fname = f"{uuid.UUID(int=int(rng.integers(0, 2**63)))}.rna_seq.augmented_star_gene_counts.tsv"
                tpm = base * rng.lognormal(0, 0.3, size=len(chosen))
                if kind == "T":
                    tpm[planted[:10]] *= 10
                    tpm[planted[10:]] /= 10
                counts = np.round(tpm * 20).astype(int)
                head = star_head(rng)
                rows = []
                for (_, sym, ens), ver, cnt, t in zip(chosen, versions, counts, tpm, strict=True):
                    rows.append(
                        f"{ens}.{ver}\t{sym}\tprotein_coding\t{cnt}\t{cnt // 2}\t{cnt - cnt // 2}\t"
                        f"{t:.4f}\t{t / 3:.4f}\t{t / 2.5:.4f}"
                    )
                (folder / fid).mkdir()
                (folder / fid / fname).write_text(head + "\n".join(rows) + "\n")
                bc = barcode(rng, tss, code)
                sheet.append(sample_sheet_row(fid, fname, project, bc[:12], bc[:16], stype))
    (folder / "gdc_sample_sheet.SYNTHETIC.tsv").write_text(sample_sheet(sheet))


def main() -> None:
    """Write every synthetic sample file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "etl" / "data" / "synthetic")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    genes = load_genes()
    rng.shuffle(genes)
    by_symbol = {sym: (entrez, ens) for entrez, sym, ens in genes}
    for drivers in DRIVERS.values():
        missing = [d for d in drivers if d not in by_symbol]
        assert not missing, f"driver genes missing from the reference: {missing}"
    tissues = [
        ln.split("\t")[0]
        for ln in (ROOT / "etl/data/gtex_tissues.tsv").read_text().splitlines()
        if ln and not ln.startswith("#")
    ][1:]
    write_mafs(args.out, rng, genes, by_symbol)
    write_gtex(args.out, rng, genes, tissues)
    write_xena(args.out, rng, genes)
    write_gdc_counts(args.out, rng, genes)
    (args.out / "README.md").write_text(
        "# SYNTHETIC sample files\n\nEvery file here is SYNTHETIC: generated by `scripts/make_synthetic.py` "
        "(fixed seed) in the exact published formats of GTEx, GDC/MC3 MAF, UCSC Xena Toil and GDC STAR counts. "
        "No value is real data. Edges derived from them carry `synthetic: true`.\n"
    )
    print(f"wrote synthetic samples to {args.out}")


if __name__ == "__main__":
    main()
