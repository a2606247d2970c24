"""The Neo4j store: the driver, its sessions and the writes of the ETL.

Every Neo4j access goes through ``kg`` (this store, and the read modules built on it:
:mod:`kg.queries`, :mod:`kg.cypher`, :mod:`kg.export`, :mod:`kg.predictions`); no other
package imports the driver (``tests/test_layers.py``).

Writes are batched ``UNWIND $rows`` statements run in managed transactions
(``execute_write``, which may retry, so every statement is idempotent: ``MERGE``
on node ids and on relationship keys). Labels and types are checked against the
schema Enums before they are put into a Cypher string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from kg.errors import StoreUnavailable, StoreUnreachable
from kg.schema import EDGE_KEY, ENDPOINTS, META_LABEL, NodeLabel, RelType
from kg.settings import Settings

T = TypeVar("T")
Row = dict[str, Any]


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most ``size`` items."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


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


class Neo4jStore:
    """A connection to the graph, with typed read and write operations.

    Args:
        uri: Bolt URI.
        user: User name.
        password: Password (ignored by the local runner, which has auth disabled).
        database: Database name.
        retry_s: How long managed transactions retry on transient failures (the driver's
            retry window, not a query timeout).
        connection_timeout_s: How long opening a connection may take.
        read_timeout_s: Server-side timeout of each read transaction (``None``: the server's
            default, no limit); a read that runs longer is stopped by Neo4j.
    """

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        retry_s: float = 15.0,
        connection_timeout_s: float = 5.0,
        read_timeout_s: float | None = None,
    ) -> None:
        """Create the driver (no connection is made until the first query)."""
        self.uri = uri
        self.database = database
        self.read_timeout_s = read_timeout_s
        self.round_trips = 0  # transactions run (the API tests count them to catch N+1 queries)
        try:
            self._driver: Driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=connection_timeout_s,
                max_transaction_retry_time=retry_s,
                notifications_min_severity="OFF",
            )
        except (DriverError, ValueError) as exc:
            raise StoreUnavailable(f"cannot create a driver for {uri}: {exc}") from exc

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        retry_s: float = 15.0,
        connection_timeout_s: float = 5.0,
        read_timeout_s: float | None = None,
    ) -> Neo4jStore:
        """A store for the connection the settings describe."""
        return cls(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
            retry_s=retry_s,
            connection_timeout_s=connection_timeout_s,
            read_timeout_s=read_timeout_s,
        )

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreUnreachable(f"Neo4j at {self.uri} is unavailable: {exc}") from exc
        except Neo4jError as exc:
            if "TimedOut" in (exc.code or ""):  # the read ran past read_timeout_s
                raise StoreUnavailable(f"Neo4j at {self.uri} did not answer in time ({exc.code})") from exc
            raise
        # Any other driver error (a misuse, a consumed result) is a bug, not an outage: it propagates.

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        self.round_trips += 1
        with self._mapped(), self._driver.session(database=self.database) as session:
            return session.execute_write(fn, *args)

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        self.round_trips += 1
        if self.read_timeout_s is not None:
            fn = unit_of_work(timeout=self.read_timeout_s)(fn)
        with self._mapped(), self._driver.session(database=self.database) as session:
            return session.execute_read(fn, *args)

    def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read transaction function (for read-only modules of ``kg`` such as export)."""
        return self._read(fn, *args)

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a write transaction function (for modules of ``kg`` such as predictions)."""
        return self._write(fn, *args)

    def verify(self) -> None:
        """Raise :class:`StoreUnavailable` unless a real query answers."""
        self._read(lambda tx: tx.run("RETURN 1").consume())

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

    # -- reads ------------------------------------------------------------------
    def source_loads(self) -> list[Row]:
        """Return the recorded state of every source, sorted by name."""

        def work(tx: ManagedTransaction) -> list[Row]:
            result = tx.run(f"MATCH (m:{META_LABEL}) RETURN m ORDER BY m.source")
            return [dict(record["m"]) for record in result]

        return self._read(work)

    def count_nodes(self) -> dict[str, int]:
        """Count nodes per schema label."""

        def work(tx: ManagedTransaction) -> dict[str, int]:
            return {
                label.value: int(tx.run(f"MATCH (n:{label.value}) RETURN count(n) AS n").single()["n"])  # type: ignore[index]
                for label in NodeLabel
            }

        return self._read(work)

    def count_edges(self, by_source: bool = False) -> dict[str, int]:
        """Count relationships per type (or per ``TYPE/source`` when ``by_source``)."""

        def work(tx: ManagedTransaction) -> dict[str, int]:
            counts: dict[str, int] = {}
            for rel in RelType:
                if by_source:
                    q = f"MATCH ()-[r:{rel.value}]->() RETURN r.source AS s, count(r) AS n"
                    for record in tx.run(q):
                        counts[f"{rel.value}/{record['s']}"] = int(record["n"])
                else:
                    q = f"MATCH ()-[r:{rel.value}]->() RETURN count(r) AS n"
                    counts[rel.value] = int(tx.run(q).single()["n"])  # type: ignore[index]
            return counts

        return self._read(work)

    def has_nodes(self) -> bool:
        """Whether the database holds any node at all (a bulk import needs an empty one)."""

        def work(tx: ManagedTransaction) -> bool:
            return tx.run("MATCH (n) RETURN n LIMIT 1").single() is not None

        return self._read(work)

    def clear(self) -> None:
        """Delete every node and relationship (tests and benchmarks only)."""
        with self._mapped(), self._driver.session(database=self.database) as session:
            session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS").consume()
            session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS").consume()

    @property
    def driver(self) -> Driver:
        """The underlying driver (for :mod:`kg.cypher` only)."""
        return self._driver
