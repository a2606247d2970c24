"""Bad rows: written to a rejects file with the reason; too many abort the run."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import SourceFormatError, TooManyRejects


@dataclass
class Rejects:
    """Collects rejected rows of one source.

    Args:
        source: Source name.
        max_fraction: Largest tolerated fraction of rejected rows.
        max_count: Largest tolerated number of rejected rows (the stricter of the two wins
            once a source has more than ``max_count / max_fraction`` rows).
    """

    source: str
    max_fraction: float = 0.01
    max_count: int = 1000
    rows: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)

    def add(self, error: SourceFormatError) -> None:
        """Record one rejected row; abort at once past ``max_count``."""
        self.rows.append((error.file, error.line, error.column, error.reason))
        if len(self.rows) > self.max_count:
            raise TooManyRejects(f"{self.source}: more than {self.max_count} rejected rows; first: {self.first()}")

    def first(self) -> str:
        """The first rejection, formatted as an error line."""
        if not self.rows:
            return ""
        file, line, column, reason = self.rows[0]
        return str(SourceFormatError(file, line, column, reason))

    def check(self, total_rows: int) -> None:
        """Raise :class:`TooManyRejects` if the rejected fraction exceeds the threshold."""
        if not self.rows:
            return
        fraction = len(self.rows) / max(total_rows, 1)
        if fraction > self.max_fraction:
            raise TooManyRejects(
                f"{self.source}: {len(self.rows)} of {total_rows} rows rejected "
                f"({fraction:.1%} > {self.max_fraction:.1%}); first: {self.first()}"
            )

    def write(self, path: Path) -> None:
        """Write the rejected rows as TSV (file, line, column, reason)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t")
            writer.writerow(["file", "line", "column", "reason"])
            writer.writerows(self.rows)
