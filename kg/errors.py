"""The exception tree of kg: every expected failure is a :class:`KGError`."""

from __future__ import annotations


class KGError(Exception):
    """Base class of every error kg raises on purpose."""


class ConfigError(KGError):
    """A setting is missing, malformed or refused in this environment."""


class StoreUnavailable(KGError):
    """Neo4j cannot be reached or went away during an operation."""


class StoreUnreachable(StoreUnavailable):
    """No connection to Neo4j could be made or kept (the server is down, not merely slow)."""


class Neo4jRunnerError(KGError):
    """The local Neo4j server could not be installed, started or stopped."""


class QueryRefused(KGError):
    """A Cypher query was refused because it is not read-only."""


class InvalidIdentifier(KGError):
    """A CURIE does not match the pattern of its prefix."""


class SourceFormatError(KGError):
    """A source file does not follow its published format.

    Args:
        file: The path or URL of the offending file.
        line: 1-based line number, or ``None`` when the whole file is at fault.
        column: Column name (or header field) at fault, or ``None``.
        reason: What is wrong, echoing the bad value.
    """

    def __init__(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        where = file
        if line is not None:
            where += f":{line}"
        if column is not None:
            where += f" [{column}]"
        super().__init__(f"{where}: {reason}")


class TooManyRejects(KGError):
    """More rows were rejected than the configured threshold allows."""
