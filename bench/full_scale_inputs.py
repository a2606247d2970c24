"""Full-size TCGA inputs in their published formats, from a fixed seed, with planted truths.

Used by ``bench/full_scale.py``. Every value is SYNTHETIC (file names say so); the layouts are
the real ones, quirks included:

* **MC3 pan-cancer MAF** (``mc3.v0.2.8.PUBLIC.maf.gz``): no ``#version`` header, one header line
  of MAF + VEP + caller columns (GRCh37), 10,510 tumour samples across the 33 TCGA projects, 3,600,963 rows at
  fraction 1, tumour barcodes whose only project hint is the tissue source site (TSS) code, so a
  TSS table in GDC's layout comes with it (``tissueSourceSite.tsv``); per-patient mutation
  counts are log-normal (a few hypermutated tumours carry thousands of rows); silent, intronic
  and UTR rows that must not count.

Planted truths: in each project, one driver gene carries a non-silent mutation in exactly the
planted share of the project's patients, and no other row names that gene, so the loaded
``MUTATED_IN`` frequency must equal it.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from etl import writers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_synthetic import load_genes  # noqa: E402 - the sample files' gene list

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "etl" / "data" / "tcga_projects.tsv"
MC3_SAMPLES, MC3_ROWS = 10_510, 3_600_963
# a header in MC3's layout: the standard MAF columns, VEP's annotation columns and the callers'
# (120 here; the real file's exact set differs a little). Values the ETL does not read are filled
# with plausible tokens, so that a line is about as wide as a real one
MC3_COLUMNS = (
    "Hugo_Symbol Entrez_Gene_Id Center NCBI_Build Chromosome Start_Position End_Position Strand "
    "Variant_Classification Variant_Type Reference_Allele Tumor_Seq_Allele1 Tumor_Seq_Allele2 dbSNP_RS "
    "dbSNP_Val_Status Tumor_Sample_Barcode Matched_Norm_Sample_Barcode Match_Norm_Seq_Allele1 "
    "Match_Norm_Seq_Allele2 Tumor_Validation_Allele1 Tumor_Validation_Allele2 Match_Norm_Validation_Allele1 "
    "Match_Norm_Validation_Allele2 Verification_Status Validation_Status Mutation_Status Sequencing_Phase "
    "Sequence_Source Validation_Method Score BAM_File Sequencer Tumor_Sample_UUID Matched_Norm_Sample_UUID "
    "HGVSc HGVSp HGVSp_Short Transcript_ID Exon_Number t_depth t_ref_count t_alt_count n_depth n_ref_count "
    "n_alt_count all_effects Allele Gene Feature Feature_type Consequence cDNA_position CDS_position "
    "Protein_position Amino_acids Codons Existing_variation ALLELE_NUM DISTANCE STRAND_VEP SYMBOL "
    "SYMBOL_SOURCE HGNC_ID BIOTYPE CANONICAL CCDS ENSP SWISSPROT TREMBL UNIPARC RefSeq SIFT PolyPhen EXON "
    "INTRON DOMAINS GMAF AFR_MAF AMR_MAF ASN_MAF EAS_MAF EUR_MAF SAS_MAF AA_MAF EA_MAF CLIN_SIG SOMATIC "
    "PUBMED MOTIF_NAME MOTIF_POS HIGH_INF_POS MOTIF_SCORE_CHANGE IMPACT PICK VARIANT_CLASS TSL HGVS_OFFSET "
    "PHENO MINIMISED ExAC_AF ExAC_AF_AFR ExAC_AF_AMR ExAC_AF_EAS ExAC_AF_FIN ExAC_AF_NFE ExAC_AF_OTH "
    "ExAC_AF_SAS GENE_PHENO FILTER CONTEXT src_vcf_id tumor_bam_uuid normal_bam_uuid case_id GDC_FILTER "
    "COSMIC MC3_Overlap GDC_Validation_Status GDC_Valid_Somatic CENTERS"
).split()
NON_SILENT = ["Missense_Mutation"] * 6 + ["Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site"]
OTHER = ["Silent", "Silent", "Intron", "3'UTR", "5'Flank", "RNA"]
_ALPHABET = list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")


def projects() -> list[tuple[str, str, str]]:
    """(project, disease id, study name) of the 33 TCGA projects."""
    with PROJECTS.open() as fh:
        rows = [r for r in csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")]
    return [(r[0], r[1], r[2]) for r in rows[1:]]


def write_mc3(folder: Path, fraction: float, seed: int = 11) -> dict[str, object]:
    """Write ``mc3.*.maf.gz`` and its TSS table for ``fraction`` of MC3's samples; the planted truths."""
    rng = np.random.default_rng(seed)
    cohorts = projects()
    genes = load_genes()  # (entrez, symbol, Ensembl id) of protein-coding genes
    drivers = rng.choice(len(genes), size=len(cohorts), replace=False)
    planted_share = rng.uniform(0.05, 0.45, size=len(cohorts)).round(3)
    passengers = np.setdiff1d(np.arange(len(genes)), drivers)
    # samples per project, as unequal as TCGA's (BRCA ~1,000, CHOL ~40), and the rows they carry
    sizes = rng.dirichlet(np.full(len(cohorts), 1.5)) * MC3_SAMPLES
    per_project = np.maximum(np.round(sizes * fraction).astype(int), 10)
    burden = rng.lognormal(0, 1.2, size=int(per_project.sum()))
    burden = np.maximum(1, np.round(burden / burden.sum() * MC3_ROWS * fraction)).astype(int)
    tss_rows = []
    planted: dict[str, object] = {}
    name = f"SYNTHETIC_mc3.v0.2.8.PUBLIC.f{fraction:g}.maf.gz"
    written = 0
    with gzip.open(folder / name, "wt", compresslevel=1, newline="") as out:
        out.write("\t".join(MC3_COLUMNS) + "\n")
        patient = 0
        for p, (_project, disease, study) in enumerate(cohorts):
            codes = [f"{_ALPHABET[p // len(_ALPHABET) + 20]}{_ALPHABET[p % len(_ALPHABET)]}", f"Q{_ALPHABET[p]}"]
            tss_rows += [f"{c}\tSYNTHETIC site {c}\t{study}\tSYN" for c in codes]
            n = int(per_project[p])
            hit = set(rng.choice(n, size=int(round(planted_share[p] * n)), replace=False).tolist())
            entrez, symbol, ensembl = genes[int(drivers[p])]
            planted[disease] = {"gene": f"NCBIGene:{entrez}", "symbol": symbol, "frequency": round(len(hit) / n, 6)}
            lines: list[str] = []
            ids = rng.choice(len(_ALPHABET) ** 4, size=n, replace=False)  # patients are distinct
            for i in range(n):
                pid = "".join(_ALPHABET[int(ids[i]) // len(_ALPHABET) ** e % len(_ALPHABET)] for e in range(4))
                barcode = f"TCGA-{codes[i % 2]}-{pid}-01A-11D-A{p:03d}-09"
                k = int(burden[patient])
                patient += 1
                picks = [genes[int(j)] for j in rng.choice(passengers, size=k)]
                classes = rng.choice(NON_SILENT + OTHER, size=k)
                if i in hit:
                    picks.append(genes[int(drivers[p])])
                    classes = np.append(classes, "Missense_Mutation")
                positions = rng.integers(1_000_000, 240_000_000, size=len(picks)).tolist()
                lines += [_row(g, str(c), barcode, pos) for g, c, pos in zip(picks, classes, positions, strict=True)]
                if len(lines) > 50_000:
                    out.write("".join(lines))
                    written += len(lines)
                    lines = []
            out.write("".join(lines))
            written += len(lines)
    (folder / "tissueSourceSite.tsv").write_text(
        "TSS Code\tSource Site\tStudy Name\tBCR\n" + "\n".join(tss_rows) + "\n"
    )
    truths = {"file": name, "rows": written, "samples": int(per_project.sum()), "planted": planted}
    (folder / f"{name}.truths.json").write_text(json.dumps(truths, indent=1))
    return truths


_FIXED = {
    "Center": "broad.mit.edu",
    "NCBI_Build": "GRCh37",
    "Chromosome": "1",
    "Strand": "+",
    "Variant_Type": "SNP",
    "Reference_Allele": "C",
    "Tumor_Seq_Allele1": "C",
    "Tumor_Seq_Allele2": "T",
    "HGVSp_Short": "p.R1C",
    "FILTER": "PASS",
    "CENTERS": "MUTECT|MUSE|VARSCANS",
    "t_depth": "87",
    "t_ref_count": "61",
    "t_alt_count": "26",
    "dbSNP_RS": "novel",
    "HGVSc": "c.361C>T",
    "Transcript_ID": "ENST00000263025",
    "Feature": "ENST00000263025",
    "Feature_type": "Transcript",
    "Consequence": "missense_variant",
    "BIOTYPE": "protein_coding",
    "IMPACT": "MODERATE",
    "CONTEXT": "GCCAGCTCCAC",
    "all_effects": ";".join(
        f"GENE,missense_variant,p.R121C,ENST0000026302{i},NM_00000{i}.1,c.361C>T" for i in range(4)
    ),
    "src_vcf_id": "4f6c0a0e-2d59-4b5e-9c8f-6a1b2c3d4e5f",
    "tumor_bam_uuid": "0b9e6e2a-8c1d-4f6a-a3b2-7d5e4c3b2a10",
    "normal_bam_uuid": "1c0f7f3b-9d2e-4a7b-b4c3-8e6f5d4c3b21",
    "case_id": "2d1a8a4c-ae3f-4b8c-85d4-9f7a6e5d4c32",
}
_TEMPLATE = [_FIXED.get(c, ".") for c in MC3_COLUMNS]
_AT = {c: i for i, c in enumerate(MC3_COLUMNS)}
_SET = [
    _AT[c]
    for c in (
        "Hugo_Symbol",
        "Entrez_Gene_Id",
        "Start_Position",
        "End_Position",
        "Variant_Classification",
        "Tumor_Sample_Barcode",
        "Matched_Norm_Sample_Barcode",
        "Gene",
        "SYMBOL",
    )
]


def _row(gene: tuple[str, str, str], vclass: str, barcode: str, pos: int) -> str:
    entrez, symbol, ensembl = gene
    values = _TEMPLATE.copy()
    normal = writers.matched_normal(barcode)
    for i, v in zip(_SET, (symbol, entrez, str(pos), str(pos), vclass, barcode, normal, ensembl, symbol), strict=True):
        values[i] = v
    return "\t".join(values) + "\n"


XENA_SAMPLES, XENA_GENES = 19_131, 60_498
_FLOOR = -9.9658  # log2(0.001): the Toil matrix's value for TPM 0


def write_xena(folder: Path, fraction: float, seed: int = 12) -> dict[str, object]:
    """Write the Toil TPM matrix (log2(TPM+0.001)) and phenotype for ``fraction`` of its samples.

    60,498 gene rows at every fraction (Ensembl ids with version suffixes; the protein-coding
    ones resolve, the rest stand for the lncRNAs and pseudogenes the gene reference does not
    hold), samples as in Toil: TCGA tumours and normals of 33 projects, GTEx normals per tissue,
    TARGET samples the ETL must skip. Planted: per project, 20 genes up and 20 down by 8-fold in
    its tumours, among genes expressed at TPM ≥ 4 (below that, log2(TPM+1) hides the change)
    whose Ensembl id names no other gene (0.7 % do; the ETL cannot tell them apart).
    """
    rng = np.random.default_rng(seed)
    cohorts = [(p, d, s, g) for (p, d, s), g in zip(projects(), _gtex_tissues(), strict=True)]
    genes = load_genes()
    tumours = np.maximum(np.round(rng.dirichlet(np.full(len(cohorts), 1.5)) * 10_535 * fraction), 12).astype(int)
    samples: list[str] = []
    pheno: list[str] = []
    groups: list[tuple[int, str]] = []  # (cohort index, "T" / "N" / "G" / "X") per column
    for c, (_project, _disease, study, _gtex) in enumerate(cohorts):
        site = study.split()[0]
        for kind, n, stype in (
            ("T", int(tumours[c]), "Primary Tumor"),
            ("N", int(tumours[c]) // 12, "Solid Tissue Normal"),
        ):
            code = f"{_ALPHABET[c % 34]}{_ALPHABET[c // 34 + 20]}"
            for _ in range(n):
                sample = f"TCGA-{code}-{len(samples):04X}-{'01' if kind == 'T' else '11'}"
                samples.append(sample)
                pheno.append(f"{sample}\t{study}\t{study}\t{site}\t{stype}\tFemale\tTCGA")
                groups.append((c, kind))
    gtex_tissues = sorted({g for *_, g in cohorts if g})
    per_tissue = max(5, int(7_862 * fraction / max(len(gtex_tissues), 1)))
    for tissue in gtex_tissues:
        for i in range(per_tissue):
            sample = f"GTEX-{len(samples):05X}-{i:04d}-SM-{len(samples) % 99991:05d}"
            samples.append(sample)
            pheno.append(f"{sample}\t{tissue}\t{tissue}\t{tissue.split(' - ')[0]}\tNormal Tissue\tFemale\tGTEX")
            groups.append((-1, "G"))
    for i in range(int(734 * fraction)):
        sample = f"TARGET-10-PA{i:04X}-09"
        samples.append(sample)
        disease = "Acute Lymphoblastic Leukemia"
        pheno.append(f"{sample}\t{disease}\t{disease}\tBlood\tPrimary Blood\tFemale\tTARGET")
        groups.append((-1, "X"))
    # planted DE genes per cohort (protein-coding, so they resolve)
    planted: dict[str, dict[str, list[str]]] = {}
    shift = {}  # gene row -> [(tumour columns, log2 shift)]
    columns = np.array([c for c, _ in groups])
    kinds = np.array([k for _, k in groups])
    levels = rng.normal(2.0, 3.0, size=len(genes))  # mean log2 expression of the protein-coding rows
    # planted where an 8-fold change shows in log2(TPM+1), on Ensembl ids that name one gene only
    shared = {e for e, n in Counter(g[2] for g in genes).items() if n > 1}
    expressed = np.flatnonzero((levels >= 2.0) & np.array([g[2] not in shared for g in genes]))
    for c, (_project, disease, _study, _gtex) in enumerate(cohorts):
        picks = rng.choice(expressed, size=40, replace=False)
        cols = np.flatnonzero((columns == c) & (kinds == "T"))
        planted[disease] = {
            "up": [f"NCBIGene:{genes[int(j)][0]}" for j in picks[:20]],
            "down": [f"NCBIGene:{genes[int(j)][0]}" for j in picks[20:]],
        }
        for j in picks[:20]:
            shift.setdefault(int(j), []).append((cols, 3.0))
        for j in picks[20:]:
            shift.setdefault(int(j), []).append((cols, -3.0))
    lut = np.array([f"{k / 10_000 + _FLOOR:.4f}" for k in range(0, 280_000)], dtype=object)
    name = f"SYNTHETIC_TcgaTargetGtex_rsem_gene_tpm.f{fraction:g}.gz"
    with gzip.open(folder / name, "wt", compresslevel=1, newline="") as out:
        out.write(writers.xena_matrix_header(samples))
        for row in range(XENA_GENES):
            if row < len(genes):
                gene_id = f"{genes[row][2]}.{row % 9 + 1}"
            else:
                gene_id = f"ENSG9{row:010d}.1"  # not in the gene reference: skipped, like Toil's lncRNAs
            # protein-coding genes are expressed at some level; most other rows sit at the floor
            level = levels[row] if row < len(genes) else rng.normal(-8.0, 3.0)
            values = level + rng.normal(0.0, 0.6, size=len(samples))
            for cols, delta in shift.get(row, []):
                values[cols] += delta
            idx = np.clip(np.round((values - _FLOOR) * 10_000), 0, len(lut) - 1).astype(np.int64)
            out.write(gene_id + "\t" + "\t".join(lut[idx]) + "\n")
    pheno_name = f"SYNTHETIC_TcgaTargetGTEX_phenotype.f{fraction:g}.txt.gz"
    with gzip.open(folder / pheno_name, "wt") as out:
        out.write(writers.xena_phenotype(pheno))
    truths = {"files": [name, pheno_name], "samples": len(samples), "genes": XENA_GENES, "planted": planted}
    (folder / f"{name}.truths.json").write_text(json.dumps(truths))
    return truths


def _gtex_tissues() -> list[str]:
    """The GTEx tissue of each TCGA project (empty where GTEx has none), in ``projects()`` order."""
    with PROJECTS.open() as fh:
        rows = [r for r in csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")]
    return [r[5] if len(r) > 5 else "" for r in rows[1:]]


GDC_BRCA_ROWS, GDC_BRCA_SAMPLES = 121_000, 1_000
GTEX_TISSUES = ROOT / "etl" / "data" / "gtex_tissues.tsv"


def write_gdc_maf(folder: Path, fraction: float, seed: int = 13) -> dict[str, object]:
    """Write one GDC masked somatic MAF for TCGA-BRCA (~121k rows at fraction 1) with its planted driver.

    GDC's quirks: ``#version``/``#filedate``/``#annotation.spec`` lines before the header, the
    project only in the file name (no TSS table needed), one driver at a planted share of patients.
    """
    rng = np.random.default_rng(seed)
    genes = load_genes()
    disease = next(d for p, d, _ in projects() if p == "TCGA-BRCA")
    driver = int(rng.integers(len(genes)))
    passengers = np.setdiff1d(np.arange(len(genes)), [driver])
    n = max(10, round(GDC_BRCA_SAMPLES * fraction))
    hit = set(rng.choice(n, size=round(0.3 * n), replace=False).tolist())
    burden = np.maximum(1, rng.poisson(GDC_BRCA_ROWS / GDC_BRCA_SAMPLES, size=n))
    ids = rng.choice(len(_ALPHABET) ** 4, size=n, replace=False)
    name = f"SYNTHETIC_TCGA.BRCA.f{fraction:g}.masked.somatic.maf.gz"
    written = 0
    with gzip.open(folder / name, "wt", compresslevel=1, newline="") as out:
        out.write(writers.GDC_MAF_PREAMBLE)
        out.write("\t".join(MC3_COLUMNS) + "\n")
        for i in range(n):
            pid = "".join(_ALPHABET[int(ids[i]) // len(_ALPHABET) ** e % len(_ALPHABET)] for e in range(4))
            barcode = f"TCGA-A{_ALPHABET[i % 10]}-{pid}-01A-11D-A10Y-09"
            picks = [genes[int(j)] for j in rng.choice(passengers, size=int(burden[i]))]
            classes = list(rng.choice(NON_SILENT + OTHER, size=len(picks)))
            if i in hit:
                picks.append(genes[driver])
                classes.append("Missense_Mutation")
            positions = rng.integers(1_000_000, 240_000_000, size=len(picks)).tolist()
            out.write("".join(_row(g, str(c), barcode, p) for g, c, p in zip(picks, classes, positions, strict=True)))
            written += len(picks)
    planted = {
        disease: {
            "gene": f"NCBIGene:{genes[driver][0]}",
            "symbol": genes[driver][1],
            "frequency": round(len(hit) / n, 6),
        }
    }
    truths = {"file": name, "rows": written, "samples": n, "planted": planted}
    (folder / f"{name}.truths.json").write_text(json.dumps(truths))
    return truths


def write_gtex(folder: Path, fraction: float, seed: int = 14) -> dict[str, object]:
    """Write a GTEx v8 gene median TPM GCT (``#1.2``, 56,200 genes × 54 tissues at fraction 1).

    ``fraction`` scales the gene rows. Planted: 50 protein-coding genes expressed in one tissue
    only (specificity 1 there, no edge elsewhere).
    """
    rng = np.random.default_rng(seed)
    genes = load_genes()
    with GTEX_TISSUES.open() as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")][1:]
    tissues = [r[0] for r in rows] + ["Cells - Cultured fibroblasts", "Cells - EBV-transformed lymphocytes"]
    tissues = list(dict.fromkeys(tissues))[:54]
    n = max(100, round(56_200 * fraction))
    shared = {e for e, k in Counter(g[2] for g in genes).items() if k > 1}
    unique = [i for i in range(min(n, len(genes))) if genes[i][2] not in shared]
    specific = rng.choice(unique, size=50, replace=False)
    where = {int(g): int(rng.integers(len(rows))) for g in specific}
    name = f"SYNTHETIC_GTEx_Analysis_2017-06-05_v8_RNASeQCv1.1.9_gene_median_tpm.f{fraction:g}.gct.gz"
    with gzip.open(folder / name, "wt", compresslevel=1, newline="") as out:
        out.write(writers.gct_header(n, tissues))
        for row in range(n):
            if row < len(genes):
                ensembl, symbol = f"{genes[row][2]}.{row % 7 + 1}", genes[row][1]
            else:
                ensembl, symbol = f"ENSG9{row:010d}.1", f"LINC{row:05d}"
            if row in where:
                values = np.zeros(len(tissues))
                values[where[row]] = 100.0
            else:
                values = np.round(rng.lognormal(0.5, 2.0) * rng.lognormal(0, 0.5, size=len(tissues)), 4)
            out.write(f"{ensembl}\t{symbol}\t" + "\t".join(f"{v:g}" for v in values) + "\n")
    planted = {f"NCBIGene:{genes[g][0]}": rows[t][1] for g, t in where.items()}
    truths = {"file": name, "genes": n, "tissues": len(tissues), "planted": planted}
    (folder / f"{name}.truths.json").write_text(json.dumps(truths))
    return truths


STAR_FILES, STAR_ROWS = 1_000, 60_660


def write_star_counts(folder: Path, fraction: float, seed: int = 15) -> dict[str, object]:
    """Write a GDC download folder of STAR count files (``<file id>/<file name>``) and its sample sheet.

    ``fraction`` of 1,000 files across 10 projects (85 % tumours), each with GENCODE v36's 60,660
    gene rows after the four ``N_`` summary rows, as the GDC serves them (plain TSV, a
    ``# gene-model`` comment line). Planted: per project 10 genes up and 10 down by 8-fold in
    tumours, among expressed genes whose Ensembl id names one gene only.
    """
    rng = np.random.default_rng(seed)
    genes = load_genes()
    shared = {e for e, k in Counter(g[2] for g in genes).items() if k > 1}
    chosen = [p for p in projects() if p[0] in STAR_PROJECTS]
    root = folder / f"SYNTHETIC_gdc_star_counts.f{fraction:g}"
    root.mkdir(parents=True, exist_ok=True)
    prefix = [
        f"{g[2]}.{i % 13 + 1}\t{g[1]}\tprotein_coding\t" if i < len(genes) else f"ENSG9{i:010d}.1\tLNC{i}\tlncRNA\t"
        for i, g in enumerate(genes + [("", "", "")] * (STAR_ROWS - len(genes)))
    ]
    levels = np.concatenate([rng.normal(3.0, 2.5, size=len(genes)), rng.normal(-3.0, 2.0, size=STAR_ROWS - len(genes))])
    candidates = [i for i in range(len(genes)) if levels[i] >= 3.0 and genes[i][2] not in shared]
    planted: dict[str, dict[str, list[str]]] = {}
    sheet: list[str] = []
    n_files = max(4 * len(chosen), round(STAR_FILES * fraction))
    per_project = n_files // len(chosen)
    for c, (project, disease, _study) in enumerate(chosen):
        picks = rng.choice(candidates, size=20, replace=False)
        planted[disease] = {
            "up": [f"NCBIGene:{genes[int(j)][0]}" for j in picks[:10]],
            "down": [f"NCBIGene:{genes[int(j)][0]}" for j in picks[10:]],
        }
        normals = max(3, round(per_project * 0.15))
        for k in range(per_project):
            tumour = k >= normals
            values = levels + rng.normal(0.0, 0.5, size=STAR_ROWS)
            if tumour:
                values[picks[:10]] += 3.0
                values[picks[10:]] -= 3.0
            tpm = np.round(np.exp2(values), 4)
            counts = np.round(tpm * 20).astype(np.int64)
            fid = f"{c:08x}-{k:04x}-4{k % 4096:03x}-a{c:03x}-{rng.integers(2**47):012x}"
            fname = f"{fid[::-1]}.rna_seq.augmented_star_gene_counts.tsv"
            body = "".join(
                f"{pre}{n}\t{n // 2}\t{n - n // 2}\t{t}\t{t / 3:.4f}\t{t / 2.5:.4f}\n"
                for pre, n, t in zip(prefix, counts.tolist(), tpm.tolist(), strict=True)
            )
            head = writers.star_head(rng)
            (root / fid).mkdir(exist_ok=True)
            (root / fid / fname).write_text(head + body)
            case = f"TCGA-{_ALPHABET[c]}{_ALPHABET[k % 34]}-{k:04X}"
            kind = "Primary Tumor" if tumour else "Solid Tissue Normal"
            code = "01A" if tumour else "11A"
            sheet.append(writers.sample_sheet_row(fid, fname, project, case, f"{case}-{code}", kind))
    (root / "gdc_sample_sheet.SYNTHETIC.tsv").write_text(writers.sample_sheet(sheet))
    truths = {"folder": root.name, "files": per_project * len(chosen), "genes": STAR_ROWS, "planted": planted}
    (folder / f"{root.name}.truths.json").write_text(json.dumps(truths))
    return truths


STAR_PROJECTS = {f"TCGA-{p}" for p in ("BRCA", "LUAD", "LUSC", "KIRC", "LIHC", "PRAD", "THCA", "COAD", "HNSC", "STAD")}
