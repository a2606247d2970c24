"""Mondo source on verbatim heads of the real Mondo files, and the curated cohort → hereditary table."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pytest

from etl.cohorts import CohortTable
from etl.sources.mondo import MondoSource
from kg.errors import SourceFormatError
from kg.schema import Edge, Node, RelType
from tests.conftest import FIXTURES, make_ctx

MONDO = FIXTURES / "mondo"
SHIPPED = Path(__file__).parents[2] / "etl" / "data" / "mondo"


def _read(paths: list[Path]) -> tuple[dict[str, Node], list[Edge], dict[str, int]]:
    ctx = make_ctx("mondo", paths)
    records = list(MondoSource().read(ctx))
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    return nodes, [r for r in records if isinstance(r, Edge)], ctx.stats


def test_exact_matches_from_the_real_sssom_heads() -> None:
    files = [MONDO / "mondo_exactmatch_omim.sssom.tsv", MONDO / "mondo_exactmatch_orphanet.sssom.tsv"]
    nodes, edges, stats = _read(files)
    same = {(e.start, e.end) for e in edges if e.type is RelType.SAME_AS}
    assert ("OMIM:616033", "MONDO:0000208") in same
    assert ("ORPHA:437", "MONDO:0000044") in same  # Orphanet:437 written in the graph's ORPHA: prefix
    assert not any(end == "MONDO:0000911" for _, end in same)  # "obsolete dilated cardiomyopathy 1T"
    assert stats["obsolete_skipped"] == 1
    assert nodes["MONDO:0000208"].props["name"] == "microcephaly, short stature, and impaired glucose metabolism 1"
    assert all(
        e.props == {"predicate": "skos:exactMatch", "justification": "semapv:ManualMappingCuration"} for e in edges
    )
    ctx = make_ctx("mondo", files)
    assert MondoSource().version(ctx.files) == "mondo:2026-08-04"


def test_hierarchy_from_the_real_kgx_edges_head() -> None:
    nodes, edges, stats = _read([MONDO / "mondo-rare_edges.tsv"])
    assert {(e.start, e.end) for e in edges} >= {("MONDO:0000005", "MONDO:0004907"), ("MONDO:0000005", "MONDO:0100118")}
    assert all(e.type is RelType.SUBCLASS_OF for e in edges) and len(edges) == 5
    assert stats["other_edges"] == 2  # biolink:related_to rows to HGNC genes
    assert "MONDO:0002816" in nodes and nodes["MONDO:0002816"].props.get("name") is None


def test_equivalences_from_real_obo_terms() -> None:
    nodes, edges, _ = _read([MONDO / "omim-exclusion-set.obo"])
    assert {(e.start, e.end) for e in edges} == {("OMIM:108340", "MONDO:9020914"), ("OMIM:113721", "MONDO:9021030")}
    assert nodes["MONDO:9021030"].props["name"] == "breast cancer-related regulator of tp53"


def test_obo_is_a_and_obsolete_terms(tmp_path: Path) -> None:
    obo = tmp_path / "mondo.obo"
    obo.write_text(
        "format-version: 1.2\ndata-version: http://purl.obolibrary.org/obo/mondo/releases/2024-01-03/mondo.owl\n\n"
        "[Term]\nid: MONDO:0007947\nname: Marfan syndrome\nis_a: MONDO:0020066 ! Marfan and Marfan-related disorder\n"
        'xref: OMIM:154700 {source="MONDO:equivalentTo"}\nxref: DOID:14323 {source="MONDO:equivalentTo"}\n'
        'xref: Orphanet:558 {source="MONDO:equivalentTo"}\nxref: UMLS:C0024796 {source="OMIM:154700"}\n\n'
        "[Term]\nid: MONDO:0000911\nname: obsolete dilated cardiomyopathy 1T\nis_obsolete: true\n\n"
        "[Typedef]\nid: part_of\n"
    )
    nodes, edges, _ = _read([obo])
    assert {(e.type, e.start, e.end) for e in edges} == {
        (RelType.SUBCLASS_OF, "MONDO:0007947", "MONDO:0020066"),
        (RelType.SAME_AS, "OMIM:154700", "MONDO:0007947"),
        (RelType.SAME_AS, "ORPHA:558", "MONDO:0007947"),
    }
    assert "MONDO:0000911" not in nodes
    assert MondoSource().version(make_ctx("mondo", [obo]).files) == "mondo:2024-01-03"


def test_a_file_that_is_not_sssom_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.sssom.tsv"
    bad.write_text("# curie_map:\nsubject\tobject\nMONDO:1\tOMIM:1\n")
    with pytest.raises(SourceFormatError) as err:
        _read([bad])
    assert "x.sssom.tsv:2 [subject_id]: SSSOM header lacks 'subject_id'" in str(err.value)


def _shipped_mappings() -> tuple[dict[str, str], dict[str, set[str]]]:
    exact: dict[str, str] = {}
    with gzip.open(SHIPPED / "mondo_exactmatch_omim.sssom.tsv.gz", "rt") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) > 3 and f[2] == "skos:exactMatch":
                exact[f[3]] = f[0]
    parents: dict[str, set[str]] = defaultdict(set)
    with gzip.open(SHIPPED / "mondo-rare_edges.tsv.gz", "rt") as fh:
        for line in fh:
            f = line.split("\t")
            if f[2] == "biolink:subclass_of":
                parents[f[1]].add(f[3])
    return exact, parents


def _ancestors(term: str, parents: dict[str, set[str]]) -> set[str]:
    seen, todo = {term}, [term]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def test_the_curated_hereditary_table_agrees_with_mondo() -> None:
    """Each hereditary disease is MONDO's exact match of the id given; a shared site-specific parent is real."""
    exact, parents = _shipped_mappings()
    table = CohortTable()
    assert len({f.project for f in table.hereditary}) >= 28
    for form in table.hereditary:
        assert exact.get(form.disease_id) == form.mondo_id, form
        if form.shared_parent:
            cohort = table.cohorts[form.project].disease_id
            assert form.shared_parent in _ancestors(cohort, parents), form
            assert form.shared_parent in _ancestors(form.mondo_id, parents), form
