"""The ETL's writes to the graph: its schema, batched MERGE of nodes and edges, stale edges, source records.

Writes are batched ``UNWIND $rows`` statements run in managed transactions (``execute_write``,
which may retry, so every statement is idempotent: ``MERGE`` on node ids and on relationship
keys). Labels and types are checked against the schema Enums before they are put into a Cypher
string; property names must be plain identifiers. :class:`GraphWrites` is part of
:class:`kg.store.Neo4jStore`, which brings the driver and its sessions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction

from kg.schema import EDGE_KEY, ENDPOINTS, META_LABEL, NodeLabel, RelType

T = TypeVar("T")
Row = dict[str, Any]


#: A property name that may appear in Cypher text or an import file header: a plain identifier.
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def property_keys(rows: Sequence[Row], field: str | None = None) -> list[str]:
    """Sorted union of the property names in ``rows`` (or in ``row[field]``), each checked.

    Property names end up in the Cypher text (``SET r.name = row.props.name``, which lets the
    planner avoid an Eager barrier that ``SET r += map`` forces), so only plain identifiers pass.
    """
    keys: set[str] = set()
    for row in rows:
        keys.update(row[field] if field else row)
    bad = [k for k in keys if not PROPERTY_NAME.match(k)]
    if bad:
        raise ValueError(f"invalid property name {bad[0]!r}")
    return sorted(keys)


def source_record(state: str, info: dict[str, Any]) -> dict[str, Any]:
    """Properties of a source's bookkeeping node (``META_LABEL``): its state, when, and ``info`` (dicts as JSON)."""
    return {
        "state": state,
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{k: (json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v) for k, v in info.items()},
    }


def _node_query(label: NodeLabel, keys: Sequence[str]) -> str:
    label = NodeLabel(label)
    sets = ", ".join(f"n.{k} = coalesce(row.{k}, n.{k})" for k in keys if k != "id")
    return f"UNWIND $rows AS row MERGE (n:{label.value} {{id: row.id}})" + (f" SET {sets}" if sets else "")


def _edge_query(rel: RelType, keys: Sequence[str], create: bool = False) -> str:
    """Cypher for one batch of edges grouped by start node (``$groups``: ``{start, rels}``).

    Grouping means one index seek (and one lock) per start node instead of one per row.
    """
    rel = RelType(rel)
    start, end = ENDPOINTS[rel]
    match = (
        "UNWIND $groups AS g "
        f"MATCH (a:{start.value} {{id: g.start}}) "
        "UNWIND g.rels AS row "
        f"MATCH (b:{end.value} {{id: row.end}}) "
    )
    if create:
        props = ", ".join(f"{k}: row.props.{k}" for k in keys)
        return match + f"CREATE (a)-[r:{rel.value} {{{props}}}]->(b) RETURN count(r) AS n"
    key = ", ".join(f"{k}: row.props.{k}" for k in EDGE_KEY[rel])
    sets = ", ".join(f"r.{k} = row.props.{k}" for k in keys if k not in EDGE_KEY[rel])
    return (
        match + f"MERGE (a)-[r:{rel.value} {{{key}}}]->(b)" + (f" SET {sets}" if sets else "") + " RETURN count(r) AS n"
    )


def group_by_start(rows: Sequence[Row]) -> list[Row]:
    """``[{start, end, props}, …]`` → ``[{start, rels: [{end, props}, …]}, …]`` (order kept)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row["start"], []).append({"end": row["end"], "props": row["props"]})
    return [{"start": start, "rels": rels} for start, rels in groups.items()]


class GraphWrites:
    """The ETL's writes, on the sessions of the store they are part of."""

    database: str
    _driver: Driver

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _mapped(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    # -- schema -----------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the uniqueness constraints and relationship indexes (idempotent)."""
        statements = [
            f"CREATE CONSTRAINT {label.value.lower()}_id IF NOT EXISTS FOR (n:{label.value}) REQUIRE n.id IS UNIQUE"
            for label in NodeLabel
        ]
        # No relationship-property index on r.source: with one, the planner (planning on an
        # empty type) seeks MERGE candidates through it instead of Expand(Into) between the
        # two endpoints, which makes loading quadratic. Stale deletion scans the type instead.
        statements += [f"DROP INDEX rel_{rel.value.lower()}_source IF EXISTS" for rel in RelType]
        statements.append(
            f"CREATE CONSTRAINT meta_source IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.source IS UNIQUE"
        )
        labels = "|".join(label.value for label in NodeLabel)
        statements.append(  # kg.queries.search: ids, symbols and names
            f"CREATE FULLTEXT INDEX kg_names IF NOT EXISTS FOR (n:{labels}) ON EACH [n.id, n.symbol, n.name]"
        )
        with self._mapped(), self._driver.session(database=self.database) as session:
            for stmt in statements:
                session.run(stmt).consume()
            session.run("CALL db.awaitIndexes(300)").consume()

    # -- writes -----------------------------------------------------------------
    def merge_nodes(self, label: NodeLabel, rows: Sequence[Row]) -> int:
        """MERGE one batch of nodes by ``id`` and set their properties; ``None`` and ``[]`` are no value.

        A property without a value keeps what the node had (another source may have set it);
        an empty list is not stored (a bulk import cannot store one, and no reader needs one).
        """
        query = _node_query(label, property_keys(rows))
        cleaned = [{k: (None if v == [] else v) for k, v in row.items()} for row in rows]

        def work(tx: ManagedTransaction) -> int:
            return tx.run(query, rows=cleaned).consume().counters.nodes_created

        return self._write(work)

    def merge_edges(self, rel: RelType, rows: Sequence[Row], create: bool = False) -> int:
        """Write one batch of relationships; rows are ``{start, end, props}``.

        Args:
            rel: Relationship type.
            rows: The batch.
            create: ``CREATE`` instead of ``MERGE`` on the key (``source`` …): only correct
                when no relationship of this type and source exists yet (a fresh load).

        Returns:
            The number of rows whose two endpoints were found (and so were written).
        """
        query = _edge_query(rel, property_keys(rows, "props"), create=create)

        def work(tx: ManagedTransaction) -> int:
            record = tx.run(query, groups=groups).single()
            return int(record["n"]) if record else 0

        groups = group_by_start(rows)
        return self._write(work)

    def delete_stale_edges(self, source: str, release: str, batch: int = 10_000) -> int:
        """Delete the edges of ``source`` that do not belong to ``release``."""
        deleted = 0
        for rel in RelType:
            query = (
                f"MATCH ()-[r:{rel.value}]->() WHERE r.source = $source AND r.release <> $release "
                "WITH r LIMIT $batch DELETE r RETURN count(*) AS n"
            )

            def work(tx: ManagedTransaction, q: str = query) -> int:
                record = tx.run(q, source=source, release=release, batch=batch).single()
                return int(record["n"]) if record else 0

            while (n := self._write(work)) > 0:
                deleted += n
        return deleted

    def count_source_edges(self, rel: RelType, source: str) -> int:
        """Number of ``rel`` relationships that ``source`` owns."""
        query = f"MATCH ()-[r:{RelType(rel).value}]->() WHERE r.source = $source RETURN count(r) AS n"

        def work(tx: ManagedTransaction) -> int:
            record = tx.run(query, source=source).single()
            return int(record["n"]) if record else 0

        return self._read(work)

    def mark_source(self, source: str, state: str, info: dict[str, Any]) -> None:
        """Record the load state of one source (``loading`` or ``loaded``)."""
        props = source_record(state, info)

        def work(tx: ManagedTransaction) -> None:
            tx.run(f"MERGE (m:{META_LABEL} {{source: $source}}) SET m += $props", source=source, props=props).consume()

        self._write(work)

    def clear(self) -> None:
        """Delete every node and relationship (tests and benchmarks only)."""
        with self._mapped(), self._driver.session(database=self.database) as session:
            session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS").consume()
            session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS").consume()
