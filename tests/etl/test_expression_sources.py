import gzip
from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.sources import REGISTRY
from etl.sources.gdc_counts import GdcCountsSource
from etl.sources.xena import XenaSource
from kg.errors import SourceFormatError
from kg.schema import Edge, RelType
from tests.conftest import make_ctx

SYNTH = Path(str(REGISTRY["tcga-maf"].default_location()).split(",")[0]).parent


def test_xena_planted_de_pooled_vs_tcga_only(genes: GeneResolver) -> None:
    files = [SYNTH / "SYNTHETIC_TcgaTargetGtex_rsem_gene_tpm.gz", SYNTH / "SYNTHETIC_TcgaTargetGTEX_phenotype.txt.gz"]
    pooled = [e for e in XenaSource().read(make_ctx("xena", files, genes)) if isinstance(e, Edge)]
    tcga = [e for e in XenaSource().read(make_ctx("xena", files, genes, de_normal="tcga")) if isinstance(e, Edge)]
    assert {e.props["normal_source"] for e in pooled} == {"TCGA+GTEx"}
    assert {e.props["normal_source"] for e in tcga} == {"TCGA"}
    assert {e.props["n_normal"] for e in pooled} == {16} and {e.props["n_normal"] for e in tcga} == {6}
    # 4 cohorts x 50 planted genes (8-fold): most are found, with the planted direction
    assert 120 <= len(pooled) <= 210
    assert {e.end for e in pooled} == {"MONDO:0006256", "MONDO:0005061", "MONDO:0007256", "MONDO:0005005"}
    assert all((e.props["log2fc"] > 0) == (e.type is RelType.UPREGULATED_IN) for e in pooled)
    assert all(abs(e.props["log2fc"]) >= 1 and e.props["padj"] < 0.05 for e in pooled)


def test_xena_rejects_count_matrix(tmp_path: Path, genes: GeneResolver) -> None:
    (tmp_path / "TcgaTargetGtex_gene_expected_count.gz").write_bytes(gzip.compress(b"sample\tA\n"))
    pheno = SYNTH / "SYNTHETIC_TcgaTargetGTEX_phenotype.txt.gz"
    with pytest.raises(SourceFormatError, match="expected the TPM matrix"):
        list(XenaSource().read(make_ctx("xena", [tmp_path / "TcgaTargetGtex_gene_expected_count.gz", pheno], genes)))


def test_gdc_counts_planted_de(genes: GeneResolver) -> None:
    folder = SYNTH / "SYNTHETIC_gdc_star_counts"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    ctx = make_ctx("gdc-counts", files, genes)
    edges = [e for e in GdcCountsSource().read(ctx) if isinstance(e, Edge)]
    assert ctx.stats["cohorts_tested"] == 2
    assert 30 <= len(edges) <= 40  # 2 cohorts x 20 planted 10-fold changes
    assert {e.props["normal_source"] for e in edges} == {"TCGA"} and {e.props["n_tumor"] for e in edges} == {10}
    assert GdcCountsSource().version(ctx.files).startswith("GENCODEv36+")


def test_gdc_sample_sheet_missing_column(tmp_path: Path, genes: GeneResolver) -> None:
    sheet = tmp_path / "gdc_sample_sheet.tsv"
    sheet.write_text("File ID\tFile Name\tProject ID\tSample ID\n")
    with pytest.raises(SourceFormatError, match=r"gdc_sample_sheet.tsv:1 \[Sample Type\]"):
        list(GdcCountsSource().read(make_ctx("gdc-counts", [sheet], genes)))
