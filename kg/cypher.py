"""Read-only Cypher for bioinformaticians.

Neo4j's read access mode is not access control on a single instance, so a query is
refused unless its ``EXPLAIN`` plan is read-only: the summary's query type must be
``r``, and the plan must not load files (``LOAD CSV``) or call procedures outside a
small read-only allowlist (:data:`ALLOWED_PROCEDURES`). Accepted queries then run in a read
transaction with a timeout. A query may start with ``EXPLAIN`` (the plan comes back as rows)
or ``PROFILE`` (the query runs and its profiled plan comes back as rows).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import Query
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired

from kg.errors import KGError, QueryRefused, StoreUnavailable
from kg.store import Neo4jStore

if TYPE_CHECKING:
    import pandas as pd

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


_MODE = re.compile(r"^\s*(EXPLAIN|PROFILE)\b\s*", re.IGNORECASE)
_PREFIX = "EXPLAIN "


def split_mode(query: str) -> tuple[str | None, str]:
    """``("EXPLAIN" | "PROFILE" | None, the query without that keyword)``."""
    match = _MODE.match(query)
    if not match:
        return None, query
    return match.group(1).upper(), query[match.end() :]


def _user_message(message: str, query: str) -> str:
    """A server message about ``EXPLAIN <query>`` as if it were about the user's ``query``.

    Removes the internal prefix from the echoed query and shifts line-1 columns, offsets and the
    caret line back by its length.
    """
    shift = len(_PREFIX)
    message = re.sub(r"\(offset: (\d+)\)", lambda m: f"(offset: {max(0, int(m.group(1)) - shift)})", message)
    message = re.sub(r"line 1, column (\d+)", lambda m: f"line 1, column {max(1, int(m.group(1)) - shift)}", message)
    lines = message.split("\n")
    for i, line in enumerate(lines):
        if _PREFIX + query.split("\n")[0] in line:
            lines[i] = line.replace(_PREFIX, "", 1)
            if i + 1 < len(lines) and lines[i + 1].strip() == "^":
                lines[i + 1] = lines[i + 1][shift:] if lines[i + 1].startswith(" " * shift) else lines[i + 1]
    return "\n".join(lines)


def _explain(store: Neo4jStore, query: str, params: dict[str, Any] | None) -> Any:
    try:
        with store.driver.session(database=store.database) as session:
            return session.run(Query(_PREFIX + query), params or {}).consume()  # type: ignore[arg-type]
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        raise StoreUnavailable(f"Neo4j at {store.uri} is unavailable: {exc}") from exc
    except ClientError as exc:
        message = _user_message(exc.message or str(exc), query)
        if "Syntax" in (exc.code or "") or "Syntax" in str(exc):
            raise CypherSyntaxError(f"invalid Cypher: {message}") from exc
        raise QueryRefused(f"query refused: {message}") from exc


def check_read_only(store: Neo4jStore, query: str, params: dict[str, Any] | None = None) -> Any:
    """Raise :class:`QueryRefused` unless ``query``'s plan is read-only; return the EXPLAIN summary."""
    summary = _explain(store, query, params)
    if summary.query_type != "r":
        raise QueryRefused(f"query refused: only read-only queries are allowed (query type {summary.query_type!r})")
    for op in _operators(summary.plan):
        name = _operator_name(op)
        if name == "LoadCSV":
            raise QueryRefused("query refused: LOAD CSV is not allowed")
        if name in FORBIDDEN_OPERATORS:
            details = str(op.get("args", {}).get("Details", ""))
            if not any(details.startswith(p) for p in ALLOWED_PROCEDURES):
                raise QueryRefused(
                    f"query refused: procedure call not allowed ({details or name}); "
                    f"allowed: {', '.join(ALLOWED_PROCEDURES)}"
                )
    return summary


@dataclass
class CypherResult:
    """Columns and rows of a query, and whether ``limit`` cut them."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (one column per returned name)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def write_parquet(self, path: Path) -> None:
        """Write the rows as Parquet; a column mixing types (maps, lists and scalars) is stored as JSON text."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {}
        for i, name in enumerate(self.columns):
            values = [row[i] for row in self.rows]
            try:
                arrays[name] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                arrays[name] = pa.array([None if v is None else json.dumps(v, default=str) for v in values])
        pq.write_table(pa.table(arrays), path)


def _plan_rows(plan: dict[str, Any] | None, profiled: bool, depth: int = 0) -> list[list[Any]]:
    if not plan:
        return []
    args = plan.get("args", {})
    row: list[Any] = ["  " * depth + _operator_name(plan), str(args.get("Details", ""))]
    row += [plan.get("rows"), plan.get("dbHits")] if profiled else [args.get("EstimatedRows")]
    out = [row]
    for child in plan.get("children", []):
        out.extend(_plan_rows(child, profiled, depth + 1))
    return out


def run_read_only(
    store: Neo4jStore, query: str, params: dict[str, Any] | None = None, timeout_s: float = 60.0, limit: int = 100_000
) -> CypherResult:
    """Check that ``query`` is read-only, run it in a read transaction and return its rows.

    ``EXPLAIN …`` returns the plan (operator, details, estimated rows) without running the query;
    ``PROFILE …`` runs it and returns the profiled plan (operator, details, rows, db hits).
    At most ``limit`` rows come back; :attr:`CypherResult.truncated` says whether there were more.
    """
    mode, body = split_mode(query)
    summary = check_read_only(store, body, params)
    if mode == "EXPLAIN":
        return CypherResult(["operator", "details", "estimated_rows"], _plan_rows(summary.plan, False))

    def work(tx: Any) -> CypherResult:
        if mode == "PROFILE":
            result = tx.run("PROFILE " + body, params or {})
            profile = result.consume().profile
            return CypherResult(["operator", "details", "rows", "db_hits"], _plan_rows(profile, True))
        result = tx.run(body, params or {})
        keys = list(result.keys())
        records = result.fetch(limit + 1)
        rows = [[_plain(v) for v in record.values()] for record in records[:limit]]
        return CypherResult(keys, rows, truncated=len(records) > limit)

    try:
        with store.driver.session(database=store.database, default_access_mode="READ") as session:
            return session.execute_read(_with_timeout(work, timeout_s))
    except Neo4jError as exc:
        message = exc.message or str(exc)
        if "timeout" in message.lower() or "terminated" in message.lower():
            raise QueryRefused(f"query stopped after the {timeout_s:g} s timeout (raise it with --timeout)") from exc
        raise QueryRefused(f"query failed: {message}") from exc


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
