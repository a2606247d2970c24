"""Typed CURIE identifiers: validation of the ids that nodes carry, and the one policy for a user's key.

A key a user types (CLI, GraphQL, notebook, explorer) is read in one order: an exact id (any
case of the prefix), then a gene's symbol, then its Ensembl or HGNC id, then an alias or
previous symbol (:class:`GeneIndex`); nothing matching gives suggestions: the graph's full-text
index where Neo4j is at hand, else :func:`suggest` over the ids and symbols the caller holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kg.errors import InvalidIdentifier

CURIE_PATTERNS: dict[str, re.Pattern[str]] = {
    "NCBIGene": re.compile(r"^NCBIGene:[1-9]\d*$"),
    "HP": re.compile(r"^HP:\d{7}$"),
    "OMIM": re.compile(r"^OMIM:\d{6}$"),
    "ORPHA": re.compile(r"^ORPHA:\d+$"),
    "DECIPHER": re.compile(r"^DECIPHER:\d+$"),
    "MONDO": re.compile(r"^MONDO:\d{7}$"),
    "UBERON": re.compile(r"^UBERON:\d{7}$"),
    "GO": re.compile(r"^GO:\d{7}$"),
}


_ENSEMBL = re.compile(r"^(ENSG\d{11})(?:\.\d+)?(_PAR_Y)?$")


def strip_ensembl(raw: str) -> tuple[str, bool] | None:
    """Return ``(ENSG id without version, is_PAR_Y)`` or ``None`` if not an Ensembl gene id."""
    m = _ENSEMBL.match(raw.strip().upper())
    return (m.group(1), bool(m.group(2))) if m else None


def prefix_of(curie: str) -> str:
    """Return the prefix of ``curie`` (the part before the first colon)."""
    return curie.split(":", 1)[0]


def is_valid(curie: str, prefixes: tuple[str, ...] | None = None) -> bool:
    """Whether ``curie`` is well formed (and, if given, has one of ``prefixes``)."""
    prefix = prefix_of(curie)
    if prefixes is not None and prefix not in prefixes:
        return False
    pattern = CURIE_PATTERNS.get(prefix)
    return bool(pattern and pattern.match(curie))


def check(curie: str, prefixes: tuple[str, ...] | None = None) -> str:
    """Return ``curie`` unchanged if valid, else raise :class:`InvalidIdentifier`."""
    if not is_valid(curie, prefixes):
        allowed = ", ".join(prefixes or tuple(CURIE_PATTERNS))
        raise InvalidIdentifier(f"invalid identifier {curie!r} (expected one of: {allowed})")
    return curie


#: Canonical spelling of each CURIE prefix, by its upper-case form (lookups are case-insensitive).
_PREFIXES = {p.upper(): p for p in (*CURIE_PATTERNS, "HGNC", "ENSEMBL")}


def normalise_curie(key: str) -> str:
    """``omim:154700`` → ``OMIM:154700``; keys without a known prefix come back stripped, unchanged."""
    key = key.strip()
    prefix, sep, rest = key.partition(":")
    if sep and prefix.upper() in _PREFIXES:
        return f"{_PREFIXES[prefix.upper()]}:{rest.strip()}"
    return key


#: How alike a suggestion must be to the key (``difflib`` ratio): one cut-off for every surface.
SUGGESTION_CUTOFF = 0.75


def suggest(key: str, pool: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` entries of ``pool`` spelled like ``key`` (case-insensitive), best first."""
    import difflib

    by_upper: dict[str, str] = {}
    for entry in pool:
        by_upper.setdefault(entry.upper(), entry)
    hits = difflib.get_close_matches(key.strip().upper(), list(by_upper), n=n, cutoff=SUGGESTION_CUTOFF)
    return [by_upper[h] for h in hits]


@dataclass(frozen=True)
class Ambiguous:
    """A key (an alias or previous symbol) that names several genes: never resolved silently."""

    key: str
    candidates: tuple[str, ...]

    @property
    def message(self) -> str:
        """One line for the user."""
        return f"{self.key!r} names {len(self.candidates)} genes ({', '.join(self.candidates)}): give an id or symbol"


class GeneIndex:
    """The one gene resolver: NCBI, Ensembl and HGNC ids, symbols, previous symbols and aliases.

    Case-insensitive. A current symbol always wins over another gene's alias; an alias or previous
    symbol shared by several genes resolves to :class:`Ambiguous` with its candidates.

    Args:
        genes: One mapping per gene with ``id`` (``NCBIGene:…``) and optionally ``symbol``,
            ``aliases``, ``ensembl`` / ``ensembl_ids`` and ``hgnc``.
    """

    def __init__(self, genes: Iterable[Mapping[str, Any]]) -> None:
        self.ids: set[str] = set()
        self.symbols: dict[str, str] = {}  # upper-case symbol → id
        self.display: dict[str, str] = {}  # id → symbol
        self.ensembl: dict[str, str] = {}
        self.hgnc: dict[str, str] = {}
        aliases: dict[str, set[str]] = {}
        for gene in genes:
            gid = str(gene["id"])
            self.ids.add(gid)
            symbol = gene.get("symbol")
            if symbol:
                self.symbols[str(symbol).upper()] = gid
                self.display[gid] = str(symbol)
            ensembl = gene.get("ensembl_ids") or ([gene["ensembl"]] if gene.get("ensembl") else [])
            for ens in ensembl:
                self.ensembl.setdefault(str(ens).upper(), gid)
            if gene.get("hgnc"):
                hgnc = str(gene["hgnc"]).upper()
                self.hgnc[hgnc if hgnc.startswith("HGNC:") else f"HGNC:{hgnc}"] = gid
            for alias in gene.get("aliases") or []:
                aliases.setdefault(str(alias).upper(), set()).add(gid)
        self.aliases = {a: tuple(sorted(ids)) for a, ids in aliases.items() if a not in self.symbols}

    def __len__(self) -> int:
        return len(self.ids)

    def resolve(self, key: str) -> str | Ambiguous | None:
        """The gene id for ``key``, :class:`Ambiguous` for a shared alias, ``None`` if unknown."""
        key = key.strip()
        upper = key.upper()
        curie = normalise_curie(key)
        if curie in self.ids:
            return curie
        if upper.isdigit() and f"NCBIGene:{upper}" in self.ids:
            return f"NCBIGene:{upper}"
        ensembl = strip_ensembl(upper.removeprefix("ENSEMBL:"))
        if ensembl:
            return self.ensembl.get(ensembl[0])
        if upper.startswith("HGNC:"):
            return self.hgnc.get(upper)
        if upper in self.symbols:
            return self.symbols[upper]
        hits = self.aliases.get(upper, ())
        if len(hits) == 1:
            return hits[0]
        if hits:
            return Ambiguous(key, tuple(self.display.get(h, h) for h in hits))
        return None

    def close_matches(self, key: str, n: int = 3) -> list[str]:
        """Symbols spelled like ``key`` (for "did you mean")."""
        return suggest(key, (self.display.get(gid, s) for s, gid in self.symbols.items()), n)
