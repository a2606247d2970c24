"""Typed CURIE identifiers: validation of the ids that nodes carry."""

from __future__ import annotations

import re

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


def gene_curie(entrez_id: int | str) -> str:
    """Return the Gene node id for an NCBI (Entrez) gene id."""
    return f"NCBIGene:{int(entrez_id)}"
