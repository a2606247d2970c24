"""GO source on a verbatim head of the real GOA human GAF (2018-12-03, mantis-ml wheel)."""

import gzip
import sqlite3
from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.sources.go import GoSource
from kg.errors import SourceFormatError
from kg.schema import Edge, Node, NodeLabel
from tests.conftest import FIXTURES, make_ctx

GAF = FIXTURES / "go" / "goa_human_head.gaf"
FBN1 = "NCBIGene:2200"


def _read(paths: list[Path], genes: GeneResolver, **settings: object) -> tuple[list[Node], list[Edge], object]:
    ctx = make_ctx("go", paths, genes, **settings)
    records = list(GoSource().read(ctx))
    return [r for r in records if isinstance(r, Node)], [r for r in records if isinstance(r, Edge)], ctx


def test_annotations_from_the_real_gaf_head(genes: GeneResolver) -> None:
    nodes, edges, ctx = _read([GAF], genes)
    fbn1 = sorted((e.end, e.props["evidence"], e.props["aspect"]) for e in edges if e.start == FBN1)
    # five FBN1 rows, four of them the same (gene, term, evidence) from different papers
    assert fbn1 == [("GO:0001501", "IMP", "biological_process"), ("GO:0001527", "IDA", "cellular_component")]
    # NOT rows (CYP2D7) are excluded, and counted
    assert ctx.stats["not_annotations"] == 3
    assert not any(e.end in ("GO:0006805", "GO:0042738") and "CYP2D7" in str(e.props) for e in edges)
    assert {n.id for n in nodes} == {e.end for e in edges} and all(n.label is NodeLabel.GO_TERM for n in nodes)
    assert {n.props["aspect"] for n in nodes} <= {"biological_process", "molecular_function", "cellular_component"}
    assert GoSource().version(ctx.files) == "gaf:2018-12-03"  # type: ignore[attr-defined]


def test_iea_can_be_left_out(genes: GeneResolver) -> None:
    _, with_iea, _ = _read([GAF], genes)
    _, without, ctx = _read([GAF], genes, go_include_iea=False)
    assert any(e.props["evidence"] == "IEA" for e in with_iea)
    assert not any(e.props["evidence"] == "IEA" for e in without) and ctx.stats["iea_skipped"] > 0  # type: ignore[attr-defined]
    assert len(without) == len(with_iea) - sum(e.props["evidence"] == "IEA" for e in with_iea)


def test_bad_rows_are_rejected_with_file_line_and_column(tmp_path: Path, genes: GeneResolver) -> None:
    lines = GAF.read_text().splitlines()
    first_row = next(i for i, line in enumerate(lines) if not line.startswith("!"))
    fields = lines[first_row].split("\t")
    lines[first_row] = "\t".join(fields[:10])  # truncated row
    lines[first_row + 1] = lines[first_row + 1].replace("\tIBA\t", "\tXYZ\t")  # unknown evidence code
    bad = tmp_path / "goa_human.gaf.gz"
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    _, edges, ctx = _read([bad], genes, max_reject_fraction=1.0)
    rows = ctx.rejects.rows  # type: ignore[attr-defined]
    assert rows[0][1:] == (first_row + 1, None, "10 fields, GAF 2.x has 17")
    assert rows[1][1:] == (first_row + 2, "Evidence Code", "unknown code 'XYZ'")
    assert rows[0][0].endswith("goa_human.gaf.gz")
    assert edges  # the other rows still load


def test_not_a_gaf_is_refused(tmp_path: Path, genes: GeneResolver) -> None:
    bad = tmp_path / "goa_human.gaf"
    bad.write_text("UniProtKB\tP35555\tFBN1\n")
    with pytest.raises(SourceFormatError, match=r"goa_human.gaf:1: .*gaf-version"):
        _read([bad], genes)


def test_term_names_from_godb_sqlite(tmp_path: Path, genes: GeneResolver) -> None:
    """GO.db's schema (go_term, metadata) as Debian's r-bioc-go.db ships it."""
    db = tmp_path / "GO.sqlite"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE go_term (_id INTEGER PRIMARY KEY, go_id CHAR(10), term VARCHAR(255), "
        "ontology VARCHAR(9), definition TEXT)"
    )
    con.execute("CREATE TABLE metadata (name VARCHAR(80) PRIMARY KEY, value VARCHAR(255))")
    con.execute("INSERT INTO go_term VALUES (1, 'GO:0001527', 'microfibril', 'CC', NULL)")
    con.execute("INSERT INTO metadata VALUES ('GOSOURCEDATE', '2022-07-01')")
    con.commit()
    con.close()
    nodes, _, ctx = _read([GAF, db], genes)
    names = {n.id: n.props.get("name") for n in nodes}
    assert names["GO:0001527"] == "microfibril" and names["GO:0001501"] is None
    assert GoSource().version(ctx.files) == "gaf:2018-12-03+ontology:2022-07-01"  # type: ignore[attr-defined]
