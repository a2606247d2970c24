"""Keeping a replica's copy of the published prediction set current: a pull now and then, in a thread.

Every replica serves the set ``kg predict`` published last, from its own SQLite copy, which keeps
answering while Neo4j is down (:mod:`kg.published` holds the set in Neo4j).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from api.breaker import GraphBreaker
from kg.errors import KGError, StoreUnavailable
from kg.predictions import PredictionStore
from kg.published import pull
from kg.settings import Settings
from kg.store import Neo4jStore

log = logging.getLogger("kg.api")


class PredictionSync:
    """Pulls the published set into ``predictions`` when it does not hold it.

    Args:
        settings: The API's settings (``predictions_sync_s``, timeouts).
        breaker: The graph's breaker: no pull while Neo4j is known to be down.
        predictions: This replica's SQLite store.
        pulled: Called with what a pull brought (the service drops what it cached of the old set).
    """

    def __init__(
        self,
        settings: Settings,
        breaker: GraphBreaker,
        predictions: PredictionStore,
        pulled: Callable[[dict[str, Any]], None],
    ) -> None:
        self.settings, self.breaker, self.predictions, self._pulled = settings, breaker, predictions, pulled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store: Neo4jStore | None = None

    def once(self) -> dict[str, Any] | None:
        """One pull (``None``: nothing pulled: the set is current, incomplete, or Neo4j is down)."""
        if self.breaker.tripped:  # Neo4j was unreachable: requests find out when it is back
            return None
        if self._store is None:  # a bulk read: no read timeout, but as quick to give up on a dead server
            timeout = self.settings.api.neo4j_timeout_s
            self._store = Neo4jStore.from_settings(self.settings, retry_s=timeout, connection_timeout_s=timeout)
        try:
            pulled = pull(self._store, self.predictions)
        except StoreUnavailable:
            return None
        except KGError as exc:  # an incomplete set (being re-published): keep ours, try next time
            log.warning("%s", exc)
            return None
        if pulled is not None:
            self._pulled(pulled)
            log.info(
                "pulled prediction set %s (run %s, %s rows)", pulled["model_version"], pulled["run"], pulled["rows"]
            )
        return pulled

    def start(self) -> None:
        """Pull now, then every ``predictions_sync_s`` in a background thread (0: never)."""
        every = self.settings.api.predictions_sync_s
        if every <= 0 or self._thread is not None:
            return
        self.once()

        def loop() -> None:
            while not self._stop.wait(every):
                self.once()

        self._thread = threading.Thread(target=loop, name="kg-predictions-sync", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and close its connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._store is not None:
            self._store.close()
