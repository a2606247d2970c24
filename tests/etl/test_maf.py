import gzip
from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.sources.maf import MafSource
from kg.errors import SourceFormatError, TooManyRejects
from kg.schema import Edge
from tests.conftest import make_ctx

COLS = ["Hugo_Symbol", "Entrez_Gene_Id", "Variant_Classification", "Tumor_Sample_Barcode", "Gene"]


def _maf(path: Path, rows: list[tuple[str, str, str, str]], gdc_header: bool = True, cols: list[str] = COLS) -> Path:
    head = "#version gdc-1.0.0\n#filedate 20240101\n" if gdc_header else ""
    body = "\n".join("\t".join(r) for r in rows)
    path.write_bytes(gzip.compress((head + "\t".join(cols) + "\n" + body + "\n").encode()))
    return path


def _edges(ctx) -> dict[tuple[str, str], dict]:
    return {(e.start, e.end): e.props for e in MafSource().read(ctx) if isinstance(e, Edge)}


def test_gdc_maf_project_from_file_name_and_frequency(tmp_path: Path, genes: GeneResolver) -> None:
    p1, p2, p3 = "TCGA-A1-0001-01A-11D-A00X-09", "TCGA-A1-0002-01A-11D-A00X-09", "TCGA-A1-0003-01A-11D-A00X-09"
    f = _maf(
        tmp_path / "TCGA.BRCA.mutect.0000.somatic.maf.gz",
        [
            ("TP53", "7157", "Missense_Mutation", p1, "ENSG00000141510"),
            ("TP53", "7157", "Nonsense_Mutation", p1, "ENSG00000141510"),  # same patient twice → counted once
            ("TP53", "7157", "Silent", p2, "ENSG00000141510"),  # silent: not counted
            ("PIK3CA", "5290", "Frame_Shift_Del", p2, "ENSG00000121879"),
            ("GATA3", "0", "3'UTR", p3, ""),  # p3 analysed, no non-silent hit
        ],
    )
    ctx = make_ctx("tcga-maf", [f], genes)
    edges = _edges(ctx)
    brca = "MONDO:0006256"
    assert edges[("NCBIGene:7157", brca)] | {} == {"n_mutated": 1, "n_samples": 3, "frequency": pytest.approx(1 / 3)}
    assert edges[("NCBIGene:5290", brca)]["n_mutated"] == 1
    assert len(edges) == 2
    assert MafSource().version(ctx.files).startswith("gdc-1.0.0+")


def test_mc3_maf_by_tss_code_and_sample_sheet(tmp_path: Path, genes: GeneResolver) -> None:
    f = _maf(
        tmp_path / "mc3.v0.2.8.PUBLIC.maf.gz",
        [
            ("IDH1", "3417", "Missense_Mutation", "TCGA-06-0001-01A-11D-A00X-09", ""),  # 06 → GBM (shipped TSS)
            ("KRAS", "3845", "Missense_Mutation", "TCGA-ZZ-0002-01A-11D-A00X-09", ""),  # ZZ → via sample sheet
        ],
        gdc_header=False,
    )
    sheet = tmp_path / "gdc_sample_sheet.tsv"
    sheet.write_text(
        "File ID\tFile Name\tProject ID\tCase ID\tSample ID\tSample Type\n"
        "x\ty\tTCGA-PAAD\tTCGA-ZZ-0002\tTCGA-ZZ-0002-01A\tPrimary Tumor\n"
    )
    edges = _edges(make_ctx("tcga-maf", [f, sheet], genes))
    assert set(edges) == {("NCBIGene:3417", "MONDO:0018177"), ("NCBIGene:3845", "MONDO:0006047")}


def test_unknown_tss_is_rejected_not_guessed(tmp_path: Path, genes: GeneResolver) -> None:
    rows = [("TP53", "7157", "Missense_Mutation", f"TCGA-06-{i:04d}-01A-11D-A00X-09", "") for i in range(200)]
    rows.append(("TP53", "7157", "Missense_Mutation", "TCGA-QQ-0001-01A-11D-A00X-09", ""))
    ctx = make_ctx("tcga-maf", [_maf(tmp_path / "mc3.maf.gz", rows, gdc_header=False)], genes)
    edges = _edges(ctx)
    assert edges[("NCBIGene:7157", "MONDO:0018177")]["n_samples"] == 200
    assert ctx.rejects.rows == [
        (
            str(tmp_path / "mc3.maf.gz"),
            202,
            "Tumor_Sample_Barcode",
            "no project for 'TCGA-QQ-0001-01A-11D-A00X-09' (unknown TSS code; give a sample sheet)",
        )
    ]
    ctx.rejects.check(201)  # 0.5% < 1%: tolerated
    with pytest.raises(TooManyRejects, match="1 of 50 rows rejected"):
        ctx.rejects.check(50)


def test_maf_without_hugo_symbol(tmp_path: Path, genes: GeneResolver) -> None:
    cols = ["Gene_Name", *COLS[1:]]
    f = _maf(
        tmp_path / "TCGA.BRCA.x.maf.gz", [("TP53", "7157", "Missense_Mutation", "TCGA-A1-0001-01A", "")], cols=cols
    )
    with pytest.raises(SourceFormatError) as err:
        list(MafSource().read(make_ctx("tcga-maf", [f], genes)))
    assert (err.value.line, err.value.column) == (3, "Hugo_Symbol")


def test_empty_maf(tmp_path: Path, genes: GeneResolver) -> None:
    (tmp_path / "TCGA.BRCA.empty.maf").write_text("")
    with pytest.raises(SourceFormatError, match="empty file"):
        list(MafSource().read(make_ctx("tcga-maf", [tmp_path / "TCGA.BRCA.empty.maf"], genes)))
