"""The adapter contract: a source reads its files and yields kg records, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from etl.io import LocalFile
from etl.rejects import Rejects
from kg.schema import Record
from kg.settings import EtlSettings

if TYPE_CHECKING:
    from etl.cohorts import CohortTable
    from etl.genemap import GeneResolver


@dataclass
class SourceContext:
    """Everything an adapter may use; adapters never touch Neo4j.

    Args:
        name: The source name (registry key).
        files: The fetched files of this source (a location may list several).
        settings: ETL thresholds.
        rejects: Sink for bad rows.
        genes: Resolver of gene identifiers (built from the ``genes`` source).
        cohorts: The curated TCGA project table.
    """

    name: str
    files: list[LocalFile]
    settings: EtlSettings
    rejects: Rejects
    genes: GeneResolver | None = None
    cohorts: CohortTable | None = None
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to a named counter reported in the run summary."""
        self.stats[key] = self.stats.get(key, 0) + n

    def resolver(self) -> GeneResolver:
        """The gene resolver (sources that need it run after ``genes``)."""
        if self.genes is None:
            raise RuntimeError(f"source {self.name!r} needs the gene reference")
        return self.genes

    def cohort_table(self) -> CohortTable:
        """The TCGA project table."""
        if self.cohorts is None:
            raise RuntimeError(f"source {self.name!r} needs the TCGA project table")
        return self.cohorts


class Source(Protocol):
    """A source adapter: one file per source plus one registry line."""

    name: ClassVar[str]
    description: ClassVar[str]
    needs_genes: ClassVar[bool]
    licence: ClassVar[str]

    def default_location(self) -> str | None:
        """Where the shipped default data lives, or ``None`` if there is none."""
        ...

    def version(self, files: list[LocalFile]) -> str:
        """The release/version of the data, read from the files where they say it."""
        ...

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield node and edge records; raise ``SourceFormatError`` on malformed files."""
        ...


def pick(files: list[LocalFile], *stems: str) -> LocalFile | None:
    """Return the first file whose name (without .gz) starts with one of ``stems``."""
    for stem in stems:
        for f in files:
            name = f.name.lower().removesuffix(".gz")
            if name.startswith(stem.lower()):
                return f
    return None
