"""One disease space: which diseases stand for the same one, or roll up into another.

Two kinds of links, both loaded by the ETL:

* ``SAME_AS`` (Mondo exact matches): ``OMIM:154700`` and ``ORPHA:558`` are both exact matches
  of ``MONDO:0007947`` (Marfan syndrome). Equivalents are one hop through a MONDO class, never
  chained further, so one loose mapping cannot merge two diseases' whole neighbourhoods.
* ``HEREDITARY_FORM`` (curated): a TCGA cohort → the hereditary diseases of the same cancer.

A disease's *members* are the diseases whose genes count as known for it and whose scores it
inherits: its equivalents, its hereditary forms and their equivalents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from neo4j import ManagedTransaction

from kg.store import Neo4jStore


@dataclass
class DiseaseSpace:
    """Equivalence and roll-up links between diseases.

    Args:
        same_as: ``(disease, MONDO class)`` pairs (``SAME_AS`` edges).
        forms: ``(cohort, hereditary disease)`` pairs (``HEREDITARY_FORM`` edges).
    """

    same_as: Iterable[tuple[str, str]] = ()
    forms: Iterable[tuple[str, str]] = ()
    _classes: dict[str, set[str]] = field(default_factory=dict, init=False)
    _by_class: dict[str, set[str]] = field(default_factory=dict, init=False)
    _forms: dict[str, set[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for disease, mondo in self.same_as:
            self._classes.setdefault(disease, set()).add(mondo)
            self._by_class.setdefault(mondo, set()).add(disease)
        for cohort, form in self.forms:
            self._forms.setdefault(cohort, set()).add(form)

    def equivalents(self, disease: str) -> set[str]:
        """The diseases that are exact matches of ``disease`` (through one MONDO class), itself excluded."""
        out = set(self._by_class.get(disease, ()))  # a MONDO class: the diseases mapped to it
        for mondo in self._classes.get(disease, ()):
            out |= {mondo, *self._by_class.get(mondo, ())}
        out.discard(disease)
        return out

    def members(self, disease: str) -> set[str]:
        """Equivalents, hereditary forms and the forms' equivalents of ``disease`` (itself excluded)."""
        out = self.equivalents(disease)
        for d in (disease, *out):
            for form in self._forms.get(d, ()):
                out |= {form, *self.equivalents(form)}
        out.discard(disease)
        return out

    def with_forms(self) -> set[str]:
        """The diseases (TCGA cohorts) with hereditary forms."""
        return set(self._forms)

    def __len__(self) -> int:
        return sum(len(v) for v in self._classes.values()) + sum(len(v) for v in self._forms.values())


def read_disease_space(store: Neo4jStore) -> DiseaseSpace:
    """The ``SAME_AS`` and ``HEREDITARY_FORM`` links of the graph (one read transaction)."""

    def work(tx: ManagedTransaction) -> DiseaseSpace:
        same = tx.run("MATCH (a:Disease)-[:SAME_AS]->(m:Disease) RETURN DISTINCT a.id AS a, m.id AS m")
        pairs = [(r["a"], r["m"]) for r in same]
        forms = tx.run("MATCH (c:Disease)-[:HEREDITARY_FORM]->(h:Disease) RETURN DISTINCT c.id AS c, h.id AS h")
        return DiseaseSpace(pairs, [(r["c"], r["h"]) for r in forms])

    return store.read(work)
