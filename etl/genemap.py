"""Resolve gene identifiers (Entrez, symbols, aliases, Ensembl) to one Gene id."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from kg.schema import Node

_ENSEMBL = re.compile(r"^(ENSG\d{11})(?:\.\d+)?(_PAR_Y)?$")


def strip_ensembl(raw: str) -> tuple[str, bool] | None:
    """Return ``(ENSG id without version, is_PAR_Y)`` or ``None`` if not an Ensembl gene id."""
    m = _ENSEMBL.match(raw.strip())
    return (m.group(1), bool(m.group(2))) if m else None


class GeneResolver:
    """Maps identifiers to ``NCBIGene:`` ids and counts what it cannot resolve.

    Current symbols win over aliases/previous symbols; an alias shared by several genes is
    ambiguous and is not used. ``_PAR_Y`` Ensembl ids (GENCODE's copies of X/Y
    pseudo-autosomal genes) resolve to the same gene as the X copy.
    """

    def __init__(self, genes: Iterable[Node]) -> None:
        """Index the Gene nodes of the gene reference."""
        self.entrez: set[str] = set()
        self.symbol: dict[str, str] = {}
        self.ensembl: dict[str, str] = {}
        alias_hits: dict[str, set[str]] = {}
        for node in genes:
            self.entrez.add(node.id)
            symbol = node.props.get("symbol")
            if symbol:
                self.symbol[symbol.upper()] = node.id
            for ens in node.props.get("ensembl_ids") or ([node.props["ensembl"]] if node.props.get("ensembl") else []):
                self.ensembl.setdefault(ens, node.id)
            for alias in node.props.get("aliases") or []:
                alias_hits.setdefault(alias.upper(), set()).add(node.id)
        self.alias = {a: next(iter(ids)) for a, ids in alias_hits.items() if len(ids) == 1 and a not in self.symbol}
        self.unresolved: Counter[tuple[str, str, str]] = Counter()

    def __len__(self) -> int:
        return len(self.entrez)

    def resolve(
        self,
        source: str,
        *,
        entrez: str | None = None,
        symbol: str | None = None,
        ensembl: str | None = None,
    ) -> str | None:
        """Return the Gene id for the first identifier that resolves, else count it and return ``None``."""
        if entrez:
            entrez = entrez.removeprefix("NCBIGene:")
        if entrez and entrez not in ("0", "-", ""):
            curie = f"NCBIGene:{entrez}" if entrez.isdigit() else None
            if curie in self.entrez:
                return curie
        if ensembl:
            parsed = strip_ensembl(ensembl)
            if parsed and parsed[0] in self.ensembl:
                return self.ensembl[parsed[0]]
        if symbol:
            key = symbol.strip().upper()
            hit = self.symbol.get(key) or self.alias.get(key)
            if hit:
                return hit
        given = [(k, v) for k, v in (("ensembl", ensembl), ("symbol", symbol), ("entrez", entrez)) if v]
        kind = given[0][0] if given else "none"
        self.unresolved[(source, kind, "|".join(v for _, v in given))] += 1
        return None

    def unresolved_count(self, source: str) -> int:
        """Number of distinct identifiers of ``source`` that did not resolve."""
        return sum(1 for (s, _, _) in self.unresolved if s == source)

    def write_report(self, path: Path, source: str | None = None) -> int:
        """Write the unresolved identifiers (source, kind, identifier, occurrences) as TSV."""
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = sorted((k, n) for k, n in self.unresolved.items() if source is None or k[0] == source)
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t")
            writer.writerow(["source", "kind", "identifier", "occurrences"])
            for (src, kind, value), n in rows:
                writer.writerow([src, kind, value, n])
        return len(rows)
