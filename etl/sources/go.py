"""Gene Ontology: annotations (GAF 2.x) plus term names/aspects (``go-basic.obo`` or GO.db SQLite).

Writes ``GOTerm`` nodes and ``(Gene)-[:ANNOTATED_WITH {evidence, aspect, reference,
assigned_by, date}]->(GOTerm)``. Annotations with a ``NOT`` qualifier are excluded;
electronic (IEA) ones are kept unless ``KG_ETL__GO_INCLUDE_IEA=false``. Genes are resolved by
the GAF symbol (column 3), then by its synonyms (column 11); what does not resolve goes to the
release's ``unresolved/go.tsv``. An unknown evidence code or a row with the wrong number of
columns is rejected with its file, line and column.

The shipped default is the real GOA human GAF of 2018-12-03 inside the ``mantis-ml`` 1.6.5 wheel
and, when ``scripts/setup.sh`` could fetch it, the GO ontology of Debian's ``r-bioc-go.db``
(2022-07-01) for term names.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from etl.genemap import GeneResolver
from etl.io import LocalFile, Row, TabularFile, numbered_lines
from etl.reference import debian_file, wheel_data
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.ids import is_valid
from kg.schema import Edge, Node, NodeLabel, Record, RelType

#: GO evidence codes (geneontology.org/docs/guide-go-evidence-codes).
EVIDENCE_CODES = frozenset(
    "EXP IDA IPI IMP IGI IEP HTP HDA HMP HGI HEP IBA IBD IKR IRD ISS ISO ISA ISM IGC RCA TAS NAS IC ND IEA".split()
)
ASPECTS = {"P": "biological_process", "F": "molecular_function", "C": "cellular_component"}
_NAMESPACES = {v: k for k, v in ASPECTS.items()} | {"BP": "P", "MF": "F", "CC": "C"}
#: GAF 2.x's 17 columns (2.0 files may leave the last two out).
GAF_NAMES = (
    "DB",
    "DB Object ID",
    "DB Object Symbol",
    "Qualifier",
    "GO ID",
    "DB:Reference",
    "Evidence Code",
    "With (or) From",
    "Aspect",
    "DB Object Name",
    "DB Object Synonym",
    "DB Object Type",
    "Taxon",
    "Date",
    "Assigned By",
    "Annotation Extension",
    "Gene Product Form ID",
)
_GENERATED = re.compile(r"^!\s*(?:Generated|date-generated):\s*(\d{4}-\d{2}-\d{2})")


def _kind(f: LocalFile) -> str:
    name = f.name.lower().removesuffix(".gz")
    if name.endswith((".sqlite", ".db")):
        return "godb"
    if name.endswith(".obo"):
        return "obo"
    return "gaf"


class GoSource:
    """GO annotations + ontology adapter."""

    name: ClassVar[str] = "go"
    description: ClassVar[str] = "Gene Ontology: GAF 2.x annotations (+ go-basic.obo or GO.db SQLite for term names)"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = "GO and GOA annotations: CC BY 4.0"

    def default_location(self) -> str | None:
        """GOA human 2018-12 (mantis-ml wheel) and, if fetched, GO.db's ontology."""
        gaf = wheel_data("mantis_ml", "goa/12_12_2018.goa_human.gaf.local_copy.gz")
        if gaf is None:
            return None
        godb = debian_file("r-bioc-go.db", "GO.sqlite")
        return ",".join(str(p) for p in (gaf, godb) if p is not None)

    def version(self, files: list[LocalFile]) -> str:
        """``gaf:<generated date>[+ontology:<date>]``, read from the files."""
        parts = []
        for f in files:
            kind = _kind(f)
            if kind == "gaf":
                parts.append(f"gaf:{_gaf_date(f) or 'sha256:' + f.sha256[:12]}")
            elif kind == "godb":
                parts.append(f"ontology:{_godb_date(f.path) or 'unknown'}")
            else:
                parts.append(f"ontology:{_obo_date(f) or 'unknown'}")
        return "+".join(sorted(parts))

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield GOTerm nodes and ANNOTATED_WITH edges."""
        gafs = [f for f in ctx.files if _kind(f) == "gaf"]
        if not gafs:
            raise SourceFormatError(", ".join(f.origin for f in ctx.files), None, None, "go needs a GAF file")
        terms: dict[str, dict[str, str | None]] = {}
        for f in ctx.files:
            if _kind(f) == "godb":
                terms.update(_godb_terms(f))
            elif _kind(f) == "obo":
                terms.update(_obo_terms(f))
        used: dict[str, str] = {}
        for f in gafs:
            yield from self._gaf(f, ctx, used)
        for go_id, aspect in used.items():
            meta = terms.get(go_id, {})
            yield Node(NodeLabel.GO_TERM, go_id, {"name": meta.get("name"), "aspect": meta.get("aspect") or aspect})
        ctx.count("go_terms", len(used))

    def _gaf(self, f: LocalFile, ctx: SourceContext, used: dict[str, str]) -> Iterator[Record]:
        resolver = ctx.resolver()
        include_iea = ctx.settings.go_include_iea
        seen: set[tuple[str, str, str]] = set()
        table = TabularFile(f, names=GAF_NAMES, what="GAF 2.x", comment="!", short=2)  # 2.0 may drop the last two
        if not table.first_line:
            raise SourceFormatError(f.origin, None, None, "no annotation rows")
        if not any(line.startswith("!gaf-version: 2") for line in table.preamble):
            no_version = "not a GAF 2.x file: no '!gaf-version: 2.x' header"
            raise SourceFormatError(f.origin, table.first_line, None, no_version)
        rows = 0
        for row in table.rows(ctx.rejects.add):
            rows += 1
            qualifier, go_id, evidence, aspect = row["Qualifier"], row["GO ID"], row["Evidence Code"], row["Aspect"]
            if "NOT" in qualifier.split("|"):
                ctx.count("not_annotations")
                continue
            if not is_valid(go_id, ("GO",)):
                ctx.rejects.add(SourceFormatError(f.origin, row.lineno, "GO ID", f"bad GO id {go_id!r}"))
                continue
            if evidence not in EVIDENCE_CODES:
                ctx.rejects.add(SourceFormatError(f.origin, row.lineno, "Evidence Code", f"unknown code {evidence!r}"))
                continue
            if aspect not in ASPECTS:
                wrong = f"expected P, F or C, got {aspect!r}"
                ctx.rejects.add(SourceFormatError(f.origin, row.lineno, "Aspect", wrong))
                continue
            if evidence == "IEA" and not include_iea:
                ctx.count("iea_skipped")
                continue
            gene = _resolve(resolver, row, self.name)
            if gene is None:
                continue
            key = (gene, go_id, evidence)
            if key in seen:
                continue
            seen.add(key)
            used.setdefault(go_id, ASPECTS[aspect])
            yield Edge(
                RelType.ANNOTATED_WITH,
                gene,
                go_id,
                {
                    "evidence": evidence,
                    "aspect": ASPECTS[aspect],
                    "qualifier": qualifier or None,
                    "reference": row["DB:Reference"] or None,
                    "assigned_by": row["Assigned By"] or None,
                    "date": row["Date"] or None,
                },
            )
        ctx.count("gaf_rows", rows)


def _resolve(resolver: GeneResolver, row: Row, source: str) -> str | None:
    """The GAF symbol first, then its synonyms; unresolved rows are reported with their UniProt id."""
    symbol, synonyms = row["DB Object Symbol"], row["DB Object Synonym"]
    for name in [symbol, *(synonyms.split("|") if synonyms else [])]:
        hit = resolver.by_symbol(name)
        if hit:
            return hit
    return resolver.resolve(source, symbol=f"{symbol} ({row['DB']}:{row['DB Object ID']})")


def _gaf_date(f: LocalFile) -> str | None:
    for _, line in numbered_lines(f.path, f.origin):
        if not line.startswith("!"):
            return None
        if m := _GENERATED.match(line):
            return m.group(1)
    return None


def _obo_terms(f: LocalFile) -> dict[str, dict[str, str | None]]:
    terms: dict[str, dict[str, str | None]] = {}
    current: dict[str, str | None] | None = None
    for _, line in numbered_lines(f.path, f.origin):
        if line.startswith("["):
            current = None
            if line == "[Term]":
                current = {}
            continue
        if current is None or ": " not in line:
            continue
        key, value = line.split(": ", 1)
        if key == "id" and value.startswith("GO:"):
            terms[value] = current
        elif key == "name":
            current["name"] = value
        elif key == "namespace":
            current["aspect"] = value if value in _NAMESPACES else None
    return terms


def _obo_date(f: LocalFile) -> str | None:
    for _, line in numbered_lines(f.path, f.origin):
        if line.startswith("data-version:"):
            return line.split(":", 1)[1].strip().rsplit("/", 1)[-1]
        if line.startswith("[Term]"):
            break
    return None


def _godb(path: Path, origin: str) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.execute("SELECT go_id, term, ontology FROM go_term LIMIT 1")
    except sqlite3.Error as exc:
        raise SourceFormatError(origin, None, None, f"not a GO.db SQLite file ({exc})") from exc
    return con


def _godb_terms(f: LocalFile) -> dict[str, dict[str, str | None]]:
    con = _godb(f.path, f.origin)
    try:
        rows = con.execute("SELECT go_id, term, ontology FROM go_term").fetchall()
    finally:
        con.close()
    return {go: {"name": name, "aspect": ASPECTS.get(_NAMESPACES.get(ns, ""), None)} for go, name, ns in rows}


def _godb_date(path: Path) -> str | None:
    con = _godb(path, str(path))
    try:
        row = con.execute("SELECT value FROM metadata WHERE name = 'GOSOURCEDATE'").fetchone()
    finally:
        con.close()
    return str(row[0]) if row else None
