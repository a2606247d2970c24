"""Read-only Cypher for bioinformaticians.

Neo4j's read access mode is not access control on a single instance, so a query is
refused unless its ``EXPLAIN`` plan is read-only: the summary's query type must be
``r``, and the plan must not load files (``LOAD CSV``) or call procedures outside a
small read-only allowlist. Accepted queries then run in a read transaction with a timeout.
"""

from __future__ import annotations

from typing import Any

from neo4j import Query
from neo4j.exceptions import ClientError, Neo4jError

from kg.errors import KGError, QueryRefused
from kg.store import Neo4jStore

#: Plan operators that read files or reach outside the graph.
FORBIDDEN_OPERATORS = ("LoadCSV", "ProcedureCall", "CommandCall", "SystemProcedureCall")
#: Procedures a query may call (pure reads of schema metadata).
ALLOWED_PROCEDURES = ("db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization")


class CypherSyntaxError(KGError):
    """The query is not valid Cypher."""


def _operators(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    out = [plan]
    for child in plan.get("children", []):
        out.extend(_operators(child))
    return out


def _operator_name(op: dict[str, Any]) -> str:
    return str(op.get("operatorType", "")).split("@")[0]


def check_read_only(store: Neo4jStore, query: str, params: dict[str, Any] | None = None) -> None:
    """Raise :class:`QueryRefused` unless ``query``'s plan is read-only."""
    try:
        with store.driver.session(database=store.database) as session:
            summary = session.run(Query(f"EXPLAIN {query}"), params or {}).consume()  # type: ignore[arg-type]
    except ClientError as exc:
        if "Syntax" in (exc.code or "") or "Syntax" in str(exc):
            raise CypherSyntaxError(f"invalid Cypher: {exc.message}") from exc
        raise QueryRefused(f"query refused: {exc.message}") from exc
    if summary.query_type != "r":
        raise QueryRefused(f"query refused: only read-only queries are allowed (query type {summary.query_type!r})")
    for op in _operators(summary.plan):
        name = _operator_name(op)
        if name == "LoadCSV":
            raise QueryRefused("query refused: LOAD CSV is not allowed")
        if name in FORBIDDEN_OPERATORS:
            details = str(op.get("args", {}).get("Details", ""))
            if not any(details.startswith(p) for p in ALLOWED_PROCEDURES):
                raise QueryRefused(f"query refused: procedure call not allowed ({details or name})")


def run_read_only(
    store: Neo4jStore, query: str, params: dict[str, Any] | None = None, timeout_s: float = 60.0, limit: int = 100_000
) -> tuple[list[str], list[list[Any]]]:
    """Check that ``query`` is read-only, run it in a read transaction and return (columns, rows)."""
    check_read_only(store, query, params)

    def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
        result = tx.run(query, params or {})
        keys = list(result.keys())
        rows = [[_plain(v) for v in record.values()] for record in result.fetch(limit)]
        return keys, rows

    try:
        with store.driver.session(database=store.database, default_access_mode="READ") as session:
            return session.execute_read(_with_timeout(work, timeout_s))
    except Neo4jError as exc:
        raise QueryRefused(f"query failed: {exc.message}") from exc


def _with_timeout(fn: Any, timeout_s: float) -> Any:
    from neo4j import unit_of_work

    return unit_of_work(timeout=timeout_s)(fn)


def _plain(value: Any) -> Any:
    """Turn driver graph objects into JSON-friendly values."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, Path):
        return [_plain(n) for n in value.nodes]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value
