"""Resolve gene identifiers (Entrez, symbols, aliases, Ensembl) to one Gene id."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from kg.ids import GeneIndex, strip_ensembl
from kg.schema import Node

__all__ = ["GeneResolver", "strip_ensembl"]


class GeneResolver:
    """Maps a source's gene identifiers to ``NCBIGene:`` ids and counts what it cannot resolve.

    The lookups are :class:`kg.ids.GeneIndex`'s (the one resolver the API, the model and the CLI
    use too): current symbols win over aliases/previous symbols, and an alias shared by several
    genes is ambiguous, so it resolves to nothing and is reported. ``_PAR_Y`` Ensembl ids
    (GENCODE's copies of X/Y pseudo-autosomal genes) resolve to the same gene as the X copy.
    """

    def __init__(self, genes: Iterable[Node]) -> None:
        """Index the Gene nodes of the gene reference."""
        self.index = GeneIndex({"id": node.id, **node.props} for node in genes)
        self.unresolved: Counter[tuple[str, str, str]] = Counter()

    def __len__(self) -> int:
        return len(self.index)

    def by_entrez(self, entrez: str) -> str | None:
        """``7157`` or ``NCBIGene:7157`` → the id if the reference has it."""
        entrez = entrez.strip().removeprefix("NCBIGene:")
        curie = f"NCBIGene:{entrez}" if entrez.isdigit() else None
        return curie if curie in self.index.ids else None

    def by_ensembl(self, ensembl: str) -> str | None:
        """An Ensembl gene id (version and ``_PAR_Y`` suffix ignored) → the gene id."""
        parsed = strip_ensembl(ensembl)
        return self.index.ensembl.get(parsed[0]) if parsed else None

    def by_symbol(self, symbol: str) -> str | None:
        """A symbol, previous symbol or alias naming exactly one gene → its id (ambiguous: ``None``)."""
        key = symbol.strip().upper()
        hit = self.index.symbols.get(key)
        if hit is None:
            hits = self.index.aliases.get(key, ())
            hit = hits[0] if len(hits) == 1 else None
        return hit

    def resolve(
        self,
        source: str,
        *,
        entrez: str | None = None,
        symbol: str | None = None,
        ensembl: str | None = None,
    ) -> str | None:
        """Return the Gene id for the first identifier that resolves, else count it and return ``None``."""
        hit = (
            (self.by_entrez(entrez) if entrez and entrez not in ("0", "-") else None)
            or (self.by_ensembl(ensembl) if ensembl else None)
            or (self.by_symbol(symbol) if symbol else None)
        )
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
