import gzip
from pathlib import Path

import numpy as np
import pytest

from etl.genemap import GeneResolver
from etl.sources.gtex import GtexSource, tau
from kg.errors import SourceFormatError
from kg.schema import Edge
from tests.conftest import FIXTURES, make_ctx

HEADER = "Name\tDescription\tLiver\tLung\tCells - Cultured fibroblasts"


def _gct(path: Path, rows: list[str], dims: str | None = None) -> Path:
    dims = dims or f"{len(rows)}\t3"
    path.write_bytes(gzip.compress(f"#1.2\n{dims}\n{HEADER}\n".encode() + "\n".join(rows).encode() + b"\n"))
    return path


def test_expressed_in_threshold_and_specificity(tmp_path: Path, genes: GeneResolver) -> None:
    f = _gct(
        tmp_path / "GTEx_Analysis_v10_gene_median_tpm.gct.gz",
        [
            "ENSG00000141510.16\tTP53\t30\t0.5\t12",  # TP53: liver only above 1 TPM
            "ENSG00000121879.5\tPIK3CA\t8\t8\t8",  # flat
            "ENSG00000999999.1\tNOT_A_REAL_GENE\t5\t5\t5",  # unresolved
        ],
    )
    ctx = make_ctx("gtex", [f], genes)
    edges = [e for e in GtexSource().read(ctx) if isinstance(e, Edge)]
    tp53 = [e for e in edges if e.start == "NCBIGene:7157"]
    assert [(e.end, e.props["tpm_median"]) for e in tp53] == [("UBERON:0001114", 30.0)]
    assert tp53[0].props["specificity"] == pytest.approx(np.log2(31) / (np.log2(31) + np.log2(1.5)), rel=1e-5)
    flat = [e for e in edges if e.start == "NCBIGene:5290"]
    assert len(flat) == 2 and all(e.props["specificity"] == pytest.approx(0.5) and e.props["tau"] == 0 for e in flat)
    assert ctx.stats["columns_not_tissues"] == 1 and genes.unresolved_count("gtex") >= 1
    assert GtexSource().version(ctx.files).startswith("v10+")


@pytest.mark.parametrize(
    ("rows", "dims", "match"),
    [
        (["ENSG00000141510.16\tTP53\t30\t0.5\t12"], "2\t3", "line 2 says 2 rows but the file has 1"),
        (["ENSG00000141510.16\tTP53\t30\t0.5\t12"], "1\t4", "header has 3 tissue columns, line 2 says 4"),
        (["ENSG00000141510.16\tTP53\t30\tn/a\t12"], None, r":4 \[Lung\]: not a number: 'n/a'"),
        (["ENSG00000141510.16\tTP53\t30\t12"], None, ":4: 4 fields, expected 5"),
    ],
)
def test_malformed_gct(tmp_path: Path, genes: GeneResolver, rows: list[str], dims: str | None, match: str) -> None:
    ctx = make_ctx("gtex", [_gct(tmp_path / "x.gct.gz", rows, dims)], genes)
    with pytest.raises(SourceFormatError, match=match):
        list(GtexSource().read(ctx))


def test_not_gct_and_truncated_gzip(tmp_path: Path, genes: GeneResolver) -> None:
    (tmp_path / "a.gct").write_text("#1.3\n1\t1\nid\tname\tLiver\n")
    with pytest.raises(SourceFormatError, match=r"a.gct:1 \[#1.3\]: not a GCT file"):
        list(GtexSource().read(make_ctx("gtex", [tmp_path / "a.gct"], genes)))
    good = _gct(tmp_path / "b.gct.gz", [f"ENSG00000141510.16\tTP53\t{i}\t1\t1" for i in range(2000)])
    (tmp_path / "c.gct.gz").write_bytes(good.read_bytes()[:-200])
    with pytest.raises(SourceFormatError, match="truncated or corrupt gzip"):
        list(GtexSource().read(make_ctx("gtex", [tmp_path / "c.gct.gz"], genes)))


def test_tau() -> None:
    assert tau(np.array([5.0, 0.0, 0.0])) == 1.0
    assert tau(np.array([2.0, 2.0, 2.0])) == 0.0


def test_v7_file_without_its_gct_lines(genes: GeneResolver) -> None:
    """The real GTEx v7 head from the mantis-ml wheel: no '#1.2' lines, 'gene_id  Gene_Name' header."""
    f = FIXTURES / "gtex" / "GTEx_Analysis_2016-01-15_v7_RNASeQCv1.1.8_gene_median_tpm.gct"
    ctx = make_ctx("gtex", [f], genes)
    edges = [e for e in GtexSource().read(ctx) if isinstance(e, Edge)]
    tp53 = {e.end: e.props["tpm_median"] for e in edges if e.start == "NCBIGene:7157"}
    assert len(tp53) > 40 and tp53["UBERON:0001114"] > 1  # liver
    assert ctx.stats["columns_not_tissues"] == 2  # EBV lymphocytes, transformed fibroblasts
    assert GtexSource().version(ctx.files).startswith("v7:2016-01-15+")  # release date from the file name


def test_header_that_is_not_gct_is_refused(tmp_path: Path, genes: GeneResolver) -> None:
    f = tmp_path / "median.tsv"
    f.write_text("gene\tsymbol\tLiver\nENSG00000141510\tTP53\t3\n")
    with pytest.raises(SourceFormatError, match=r"median.tsv:1 \[gene\]: not a GCT file"):
        list(GtexSource().read(make_ctx("gtex", [f], genes)))
