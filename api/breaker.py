"""Neo4j behind a circuit breaker: the API's graph reads fail at once while the database is down.

The breaker holds two stores of the same server: a quick one (``neo4j_timeout_s``) and a patient
one for the first read of each query after an outage (``graph_probe_timeout_s``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kg.errors import KGError, StoreUnavailable, StoreUnreachable
from kg.settings import Settings
from kg.store import Neo4jStore

GRAPH_DOWN = "the graph database is unavailable; predictions are still served"


class GraphDown(KGError):
    """Neo4j does not answer; the field needs the graph."""


class GraphBreaker:
    """The API's way to Neo4j (see :meth:`call`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # fail fast: a request must not wait 15 s of driver retries when Neo4j is down
        timeout = settings.api.neo4j_timeout_s
        self.store = Neo4jStore.from_settings(
            settings, retry_s=timeout, connection_timeout_s=timeout, read_timeout_s=timeout
        )
        # a query's first read after an outage: as quick to connect, patient with a cold plan
        patient = max(timeout, settings.api.graph_probe_timeout_s)
        self.patient = Neo4jStore.from_settings(
            settings, retry_s=timeout, connection_timeout_s=timeout, read_timeout_s=patient
        )
        self._lock = threading.Lock()
        self._down_until = 0.0  # the breaker is open (calls fail at once) until then; 0: closed
        self._probing = False  # a call is finding out whether Neo4j is back
        self._warm: set[Any] = set()  # query functions that answered since Neo4j was last unreachable

    @property
    def tripped(self) -> bool:
        """Whether Neo4j was unreachable and no call has got through since."""
        with self._lock:
            return self._down_until > 0

    @property
    def round_trips(self) -> int:
        """Graph reads sent to Neo4j so far (through either store)."""
        return self.store.round_trips + self.patient.round_trips

    def call(self, fn: Any, *args: Any) -> Any:
        """Run a :mod:`kg.queries` function; :class:`GraphDown` when Neo4j does not answer.

        A circuit breaker: once Neo4j is unreachable, calls fail at once (no driver retries, no
        worker thread held for ``neo4j_timeout_s``) for ``graph_retry_s``; then one call at a time
        probes it, and the first that gets through closes the breaker for everyone.

        The first call of each query function after an outage (or since start-up) may read for
        ``graph_probe_timeout_s``: a Neo4j that has just started plans its first queries slowly (a
        cold JVM: 1–8 s for the evidence query on two cores), and cutting those off at
        ``neo4j_timeout_s`` left every later call as cold as the first (graph fields stayed
        unavailable 10–15 s after Neo4j was back). Once a function has answered, its plan is
        cached on the server and it reads with the short timeout again.
        """
        with self._lock:
            if self._probing or time.monotonic() < self._down_until:
                raise GraphDown(GRAPH_DOWN)
            probe = self._down_until > 0
            self._probing = probe
        reached = False
        try:
            result = fn(self.store if fn in self._warm else self.patient, *args)  # a probe's fn is never warm
            reached = True
            self._warm.add(fn)
        except StoreUnreachable as exc:
            with self._lock:
                self._down_until = time.monotonic() + self.settings.api.graph_retry_s
                self._warm.clear()  # a restarted server plans every query afresh
            raise GraphDown(GRAPH_DOWN) from exc
        except StoreUnavailable as exc:  # slow, not down: this call fails, others still try
            raise GraphDown(GRAPH_DOWN) from exc
        finally:
            if probe:  # whatever happened, the probe is over (an unexpected error must not wedge it)
                with self._lock:
                    self._probing = False
                    if reached:
                        self._down_until = 0.0
        return result

    def close(self) -> None:
        """Close both drivers."""
        self.patient.close()
        self.store.close()
