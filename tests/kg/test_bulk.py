"""The import files of a bulk load (no server needed; the import itself is tested in tests/etl)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.bulk import ARRAY_DELIMITER, BulkImportError, admin_arguments, merge_nodes, write_import_files
from kg.schema import NodeLabel, RelType


def _edge(start: str, end: str, **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": "hpo", **props}}


def test_nodes_merge_like_merge_and_files_carry_typed_headers(tmp_path: Path) -> None:
    nodes = merge_nodes(
        [
            (NodeLabel.GENE, [{"id": "NCBIGene:1", "symbol": "A1BG", "aliases": ["A1B", "ABG"], "name": None}]),
            (NodeLabel.GENE, [{"id": "NCBIGene:1", "name": "alpha-1-B glycoprotein", "aliases": []}]),
            (NodeLabel.DISEASE, [{"id": "OMIM:1", "name": "one"}]),
        ]
    )
    assert nodes[NodeLabel.GENE]["NCBIGene:1"] == {  # a later non-null value wins; [] is no value
        "id": "NCBIGene:1",
        "symbol": "A1BG",
        "aliases": ["A1B", "ABG"],
        "name": "alpha-1-B glycoprotein",
    }
    edges = [(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:1", "OMIM:1", score=0.5, n=3, synthetic=False)])]
    files = write_import_files(nodes, edges, tmp_path)
    genes = list(csv.reader((tmp_path / "nodes.Gene.csv").open()))
    assert genes[0] == [":ID", "id:string", "aliases:string[]", "name:string", "symbol:string"]
    assert genes[1] == ["0", "NCBIGene:1", f"A1B{ARRAY_DELIMITER}ABG", "alpha-1-B glycoprotein", "A1BG"]
    diseases = list(csv.reader((tmp_path / "nodes.Disease.csv").open()))
    assert diseases == [[":ID", "id:string", "name:string"], ["1", "OMIM:1", "one"]]  # store ids run on across labels
    ((path, rows),) = files.relationships["ASSOCIATED_WITH"]
    header, row = list(csv.reader(path.open()))
    assert header == [
        ":START_ID",
        ":END_ID",
        "n:long",
        "score:double",
        "source:string",
        "synthetic:boolean",
    ]
    assert row == ["0", "1", "3", "0.5", "hpo", "false"] and rows == 1
    arguments = admin_arguments(files)
    assert not files.multiline and "--multiline-fields=false" in arguments and "--id-type=ACTUAL" in arguments


def test_a_line_break_in_a_value_switches_multiline_parsing_on(tmp_path: Path) -> None:
    nodes = merge_nodes([(NodeLabel.DISEASE, [{"id": "OMIM:1", "name": "two\nlines"}])])
    assert write_import_files(nodes, [], tmp_path).multiline


def test_bad_rows_are_refused_with_what_is_wrong(tmp_path: Path) -> None:
    nodes = merge_nodes([(NodeLabel.GENE, [{"id": "NCBIGene:1"}]), (NodeLabel.DISEASE, [{"id": "OMIM:1"}])])
    with pytest.raises(BulkImportError, match=r"ASSOCIATED_WITH: \(NCBIGene:2\)->\(OMIM:1\)"):
        write_import_files(nodes, [(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:2", "OMIM:1")])], tmp_path)
    mixed = merge_nodes([(NodeLabel.GENE, [{"id": "NCBIGene:1", "x": 1}, {"id": "NCBIGene:2", "x": "one"}])])
    with pytest.raises(BulkImportError, match=r"Gene\.x: values of types \['long', 'string'\]"):
        write_import_files(mixed, [], tmp_path)
