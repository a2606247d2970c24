"""gnomAD constraint: verbatim lines of the real v2.1 file, and v4's published column layout."""

from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.io import LocalFile
from etl.sources.constraint import ConstraintSource
from kg.errors import SourceFormatError
from kg.schema import Node, NodeLabel
from tests.conftest import FIXTURES, make_ctx

V2 = FIXTURES / "constraint" / "constraint.txt"
FBN1, TP53 = "NCBIGene:2200", "NCBIGene:7157"


def _genes(paths: list[Path], genes: GeneResolver) -> tuple[dict[str, dict], object]:
    ctx = make_ctx("constraint", paths, genes)
    nodes = [r for r in ConstraintSource().read(ctx) if isinstance(r, Node)]
    assert all(n.label is NodeLabel.GENE for n in nodes)
    return {n.id: n.props for n in nodes}, ctx


def test_canonical_transcript_per_gene(genes: GeneResolver) -> None:
    found, ctx = _genes([V2], genes)
    assert found[FBN1]["loeuf"] == pytest.approx(0.048)  # the canonical row, not ENST00000560355's 1.732
    assert found[FBN1]["pli"] == pytest.approx(1.0, abs=1e-3) and found[FBN1]["mis_z"] > 3
    assert found[TP53]["loeuf"] == pytest.approx(0.616)
    version = ConstraintSource().version(ctx.files)  # type: ignore[attr-defined]
    assert version.startswith("gnomad:v2.1:2018-10-17+sha256:")
    assert {p["constraint_version"] for p in found.values()} == {version}
    assert ctx.stats["genes"] == len(found) == 7  # type: ignore[attr-defined]
    assert any(k[0] == "constraint" and k[2] == "AC003043.1" for k in genes.unresolved)  # a clone name


def test_na_values_are_left_unset(tmp_path: Path, genes: GeneResolver) -> None:
    lines = V2.read_text().splitlines()
    header = lines[0].split("\t")
    # FBN1's canonical row written as the file writes a gene without expected LoF (AC003043.1's row)
    row = next(line for line in lines if line.startswith("FBN1\t")).split("\t")
    for column in ("oe_lof_upper", "pLI"):
        row[header.index(column)] = "NA"
    f = tmp_path / "constraint.txt"
    f.write_text("\n".join([lines[0], "\t".join(row)]) + "\n")
    found, _ = _genes([f], genes)
    assert set(found[FBN1]) == {"mis_z", "constraint_version"}


V4_HEADER = ["gene", "gene_id", "transcript", "canonical", "mane_select", "lof.pLI", "lof.oe_ci.upper", "mis.z_score"]


def test_v4_columns_and_ensembl_ids(tmp_path: Path, genes: GeneResolver) -> None:
    f = tmp_path / "gnomad.v4.1.constraint_metrics.tsv"
    rows = [
        V4_HEADER,
        ["FBN1", "ENSG00000166147", "ENST00000316623", "true", "true", "1.0", "0.061", "5.2"],
        ["FBN1", "ENSG00000166147", "ENST00000560355", "false", "false", "0.0", "1.9", "0.1"],
        ["OLDNAME", "ENSG00000141510", "ENST00000269305", "true", "true", "0.2", "0.75", "NA"],
        ["NOTAGENE", "ENSG99999999999", "ENST0", "true", "true", "0.1", "1.0", "0.0"],
    ]
    f.write_text("".join("\t".join(r) + "\n" for r in rows))
    found, ctx = _genes([f], genes)
    assert found[FBN1]["loeuf"] == pytest.approx(0.061) and found[FBN1]["mis_z"] == pytest.approx(5.2)
    assert found[TP53] == {"pli": 0.2, "loeuf": 0.75, "constraint_version": found[FBN1]["constraint_version"]}
    assert ConstraintSource().version(ctx.files).startswith("gnomad:v4.1:2024-04-19")  # type: ignore[attr-defined]
    assert any(k[0] == "constraint" and "NOTAGENE" in k[2] for k in genes.unresolved)


def test_bad_input_names_file_line_and_column(tmp_path: Path, genes: GeneResolver) -> None:
    lines = V2.read_text().splitlines()
    bad = tmp_path / "constraint.txt"
    fields = lines[1].split("\t")
    fields[7] = "low"  # oe_lof_upper
    bad.write_text("\n".join([lines[0], "\t".join(fields)]) + "\n")
    with pytest.raises(SourceFormatError, match=r"constraint.txt:2 \[oe_lof_upper\]: not a number: 'low'"):
        _genes([bad], genes)
    other = tmp_path / "expression.tsv"
    other.write_text("gene\ttissue\ttpm\nTP53\tliver\t3.0\n")
    with pytest.raises(SourceFormatError, match="gnomAD constraint header lacks 'oe_lof_upper' or 'lof.oe_ci.upper'"):
        _genes([other], genes)


def test_undated_release_says_so(tmp_path: Path) -> None:
    f = tmp_path / "my_constraint_scores.tsv"
    f.write_text("x\n")
    version = ConstraintSource().version([LocalFile(f, str(f), "0" * 64)])
    assert version.startswith("gnomad:unknown")  # kg benchmark refuses a feature source without a date
