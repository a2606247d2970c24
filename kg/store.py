"""The Neo4j store: the driver, its sessions, retries and timeouts, and the reads of the load state.

Every Neo4j access goes through ``kg`` (this store, and the read modules built on it:
:mod:`kg.queries`, :mod:`kg.cypher`, :mod:`kg.export`, :mod:`kg.predictions`); no other
package imports the driver (``tests/test_layers.py``).

The ETL's writes (schema, batched MERGE, stale edges, source records) are in
:mod:`kg.graph_writes`, a part of :class:`Neo4jStore`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from kg.errors import StoreUnavailable, StoreUnreachable
from kg.graph_writes import GraphWrites
from kg.schema import META_LABEL, NodeLabel, RelType
from kg.settings import Settings

T = TypeVar("T")
Row = dict[str, Any]


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most ``size`` items."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class Neo4jStore(GraphWrites):
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

    @property
    def driver(self) -> Driver:
        """The underlying driver (for :mod:`kg.cypher` only)."""
        return self._driver
