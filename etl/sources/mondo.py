"""Mondo: one disease space over OMIM, Orphanet and the TCGA cancers.

Reads, in their published formats:

* SSSOM mapping tables (``mondo.sssom.tsv``, ``mondo_exactmatch_omim.sssom.tsv`` …): every
  ``skos:exactMatch`` row from a MONDO class to an OMIM or Orphanet entry becomes
  ``(OMIM/ORPHA Disease)-[:SAME_AS {predicate, justification}]->(MONDO Disease)``; other
  predicates (broad, narrow, close matches) are counted and left out;
* ``mondo.obo``: ``[Term]`` names, ``is_a`` parents and the ``xref``s Mondo marks
  ``{source="MONDO:equivalentTo"}`` (its exact matches);
* KGX edge tables (``mondo-rare_edges.tsv``): ``biolink:subclass_of`` rows between MONDO classes.

MONDO classes become ``Disease`` nodes named from the files; ``is_a``/``subclass_of`` become
``(child)-[:SUBCLASS_OF]->(parent)``. Obsolete classes are skipped. A mapping to an OMIM or
Orphanet entry the graph does not hold is left out by the pipeline (counted as
``not_in_graph``), since mapping files name every entry of both. The shipped default is the
real Mondo 2026-08-04 files described in ``etl/data/mondo/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

from etl.io import LocalFile, TabularFile, numbered_lines
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.ids import is_valid
from kg.schema import Edge, Node, NodeLabel, Record, RelType

#: SSSOM/obo prefixes of the vocabularies the graph holds, and the graph's prefix for each.
PREFIXES = {"OMIM": "OMIM", "Orphanet": "ORPHA", "ORPHA": "ORPHA", "ORDO": "ORPHA"}
_VERSION = re.compile(r"(?:releases/|data-version: \S*?releases/|^data-version: )(\d{4}-\d{2}-\d{2})")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _kind(f: LocalFile) -> str:
    name = f.name.lower().removesuffix(".gz")
    if name.endswith(".obo"):
        return "obo"
    if name.endswith(".sssom.tsv"):
        return "sssom"
    if name.endswith("_edges.tsv"):
        return "kgx"
    if name.endswith(".version"):
        return "version"
    raise SourceFormatError(f.origin, None, None, "mondo reads *.sssom.tsv, mondo.obo or KGX *_edges.tsv files")


def _curie(raw: str) -> str | None:
    """The graph's CURIE for an OMIM/Orphanet id (``Orphanet:558`` → ``ORPHA:558``), else ``None``."""
    prefix, _, local = raw.strip().partition(":")
    mapped = PREFIXES.get(prefix)
    curie = f"{mapped}:{local}" if mapped else None
    return curie if curie and is_valid(curie, ("OMIM", "ORPHA")) else None


def _table(f: LocalFile, ctx: SourceContext, required: tuple[str, ...], what: str) -> Iterator[dict[str, str]]:
    """Rows of a tab-separated table with a header (``#`` lines skipped) as dicts; other widths are rejected."""
    table = TabularFile(f, required=required, what=what)
    for row in table.rows(ctx.rejects.add):
        yield dict(zip(table.header, row.fields, strict=True))


class MondoSource:
    """Mondo equivalences (SSSOM / obo xrefs) and hierarchy (obo / KGX edges)."""

    name: ClassVar[str] = "mondo"
    description: ClassVar[str] = "Mondo disease ontology: OMIM/Orphanet exact matches (SSSOM, obo) and hierarchy"
    needs_genes: ClassVar[bool] = False
    licence: ClassVar[str] = "Mondo: CC BY 4.0 (Orphanet mapping file: CC0)"

    def default_location(self) -> str | None:
        """The Mondo 2026-08-04 files shipped in ``etl/data/mondo``."""
        folder = resources.files("etl.data").joinpath("mondo")
        names = (
            "mondo_exactmatch_omim.sssom.tsv.gz",
            "mondo_exactmatch_orphanet.sssom.tsv.gz",
            "mondo-rare_edges.tsv.gz",
        )
        return ",".join(str(folder.joinpath(n)) for n in names)

    def version(self, files: list[LocalFile]) -> str:
        """The Mondo release date named in the files (SSSOM ``mapping_set_version``, obo ``data-version``)."""
        dates: set[str] = set()
        for f in files:
            if _kind(f) == "kgx":  # no header: a ``<file>.version`` beside it names the release
                side = f.path.with_name(f.path.name + ".version")
                if side.is_file() and (m := _DATE.search(side.read_text())):
                    dates.add(m.group(1))
                continue
            for _, line in numbered_lines(f.path, f.origin):
                if not line.startswith(("#", "format-version", "data-version", "ontology", "date", "subsetdef")):
                    break
                if "version" in line and (m := _VERSION.search(line)):
                    dates.add(m.group(1))
        return "mondo:" + "+".join(sorted(dates)) if dates else "mondo:sha256:" + files[0].sha256[:12]

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield MONDO Disease nodes, SAME_AS and SUBCLASS_OF edges."""
        names: dict[str, str | None] = {}
        for f in ctx.files:
            kind = _kind(f)
            if kind == "sssom":
                yield from self._sssom(f, ctx, names)
            elif kind == "obo":
                yield from self._obo(f, ctx, names)
            elif kind == "kgx":
                yield from self._kgx(f, ctx, names)
        for mondo_id, label in names.items():
            yield Node(NodeLabel.DISEASE, mondo_id, {"name": label})
        ctx.count("mondo_classes", len(names))

    def _sssom(self, f: LocalFile, ctx: SourceContext, names: dict[str, str | None]) -> Iterator[Record]:
        for row in _table(f, ctx, ("subject_id", "predicate_id", "object_id"), "SSSOM"):
            subject, predicate, obj, label = (
                row["subject_id"],
                row["predicate_id"],
                row["object_id"],
                row.get("subject_label"),
            )
            if not is_valid(subject, ("MONDO",)):
                continue  # mappings of other vocabularies (e.g. HP) are not disease equivalences
            if label and label.startswith("obsolete "):
                ctx.count("obsolete_skipped")
                continue
            target = _curie(obj)
            if target is None:
                ctx.count("other_vocabulary")
                continue
            if predicate != "skos:exactMatch":
                ctx.count(f"{predicate.split(':')[-1]}_skipped")
                continue
            names.setdefault(subject, label or None)
            props = {"predicate": predicate, "justification": row.get("mapping_justification")}
            yield Edge(RelType.SAME_AS, target, subject, props)
            ctx.count("exact_matches")

    def _kgx(self, f: LocalFile, ctx: SourceContext, names: dict[str, str | None]) -> Iterator[Record]:
        for row in _table(f, ctx, ("subject", "predicate", "object"), "KGX edge"):
            subject, predicate, obj = row["subject"], row["predicate"], row["object"]
            if predicate != "biolink:subclass_of" or not (is_valid(subject, ("MONDO",)) and is_valid(obj, ("MONDO",))):
                ctx.count("other_edges")
                continue
            names.setdefault(subject, None)
            names.setdefault(obj, None)
            yield Edge(RelType.SUBCLASS_OF, subject, obj, {})

    def _obo(self, f: LocalFile, ctx: SourceContext, names: dict[str, str | None]) -> Iterator[Record]:
        term: dict[str, list[str]] = {}
        start = 0

        def flush() -> Iterator[Record]:
            ids = term.get("id", [])
            if not ids or not is_valid(ids[0], ("MONDO",)) or term.get("is_obsolete") == ["true"]:
                return
            mondo_id = ids[0]
            names[mondo_id] = term["name"][0] if term.get("name") else names.get(mondo_id)
            for parent in term.get("is_a", []):
                parent = parent.split("!")[0].strip()
                if is_valid(parent, ("MONDO",)):
                    names.setdefault(parent, None)
                    yield Edge(RelType.SUBCLASS_OF, mondo_id, parent, {})
            for xref in term.get("xref", []):
                if "MONDO:equivalentTo" not in xref:
                    continue
                target = _curie(xref.split()[0])
                if target:
                    yield Edge(
                        RelType.SAME_AS, target, mondo_id, {"predicate": "skos:exactMatch", "justification": "obo"}
                    )
                    ctx.count("exact_matches")

        in_term = False
        for lineno, line in numbered_lines(f.path, f.origin):
            if line.startswith("["):
                if in_term:
                    yield from flush()
                in_term, term, start = line == "[Term]", {}, lineno
                continue
            if in_term and ": " in line:
                key, _, value = line.partition(": ")
                term.setdefault(key, []).append(value)
            elif in_term and line and not line.startswith("!"):
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, None, f"not a 'tag: value' line in the term at {start}")
                )
        if in_term:
            yield from flush()
