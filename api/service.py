"""What the API serves from: the graph (through its breaker), the prediction store and the loaded model.

One :class:`Service` per process, created from the settings at start-up. Every source can
be missing or down independently: predictions come from SQLite and keep answering when
Neo4j is down; the model (for explanations and phenotype ranking) is loaded from the run
folder and the cached export, without Neo4j. Graph availability is re-checked on each call,
so the service recovers by itself when Neo4j comes back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.breaker import GraphBreaker, GraphDown
from api.cache import generation_of
from api.sync import PredictionSync
from kg import queries
from kg.diseases import read_disease_space
from kg.errors import KGError, StoreUnavailable
from kg.export import graph_state
from kg.ids import Ambiguous, GeneIndex
from kg.predictions import PredictionStore
from kg.settings import Settings

log = logging.getLogger("kg.api")


@dataclass
class ModelState:
    """The loaded model, or why there is none."""

    context: Any = None  # gnn.inference.ModelContext
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    answers: Any = None  # gnn.answers.Answers: every request (explain, rank, patients) goes through it


class Service:
    """Graph, prediction store and model behind the GraphQL schema."""

    def __init__(self, settings: Settings, load_model: bool = True) -> None:
        self.settings = settings
        self.breaker = GraphBreaker(settings)
        self.predictions = PredictionStore(settings.prediction_store)
        self.model = ModelState()
        self._genes: GeneIndex | None = None
        self._lock = threading.Lock()
        self._evidence: OrderedDict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = OrderedDict()
        self._current: tuple[float, dict[str, Any] | None] = (-1e9, None)
        self._graph_state: tuple[float, dict[str, Any] | None] = (-1e9, None)
        #: Keeps the local copy of the published prediction set current.
        self.sync = PredictionSync(settings, self.breaker, self.predictions, self._pulled)
        if load_model:
            self.load_model(settings.api.model_dir)

    # -- model ------------------------------------------------------------------
    def load_model(self, folder: Path) -> None:
        """Load the run in ``folder`` on its cached export; remember the reason if impossible."""
        try:
            from gnn.answers import Answers
            from gnn.artefacts import Run
            from gnn.runs import RunService

            run = Run(folder)
            # the run's own cached export (the API loads without Neo4j); resolvers built once per graph
            context = RunService(self.settings.home, self.graph, live=False).context(folder)
            answers = Answers(context, lambda: self.graph(read_disease_space)).prepare()
            self.model = ModelState(context, None, run.info(), answers=answers)
        except (ImportError, OSError, json.JSONDecodeError, KGError) as exc:
            self.model = ModelState(error=f"model not loaded from {folder}: {exc}")
            log.warning(self.model.error)

    # -- shared predictions -------------------------------------------------------
    def sync_predictions(self) -> dict[str, Any] | None:
        """Pull the set published in Neo4j when the local store does not hold it (``None``: nothing pulled)."""
        return self.sync.once()

    def start_sync(self) -> None:
        """Pull the published set now, then every ``predictions_sync_s`` in a background thread."""
        self.sync.start()

    def _pulled(self, pulled: dict[str, Any]) -> None:
        self._current = (-1e9, None)  # re-read now: the cache generation changes with the set

    # -- graph ------------------------------------------------------------------
    def graph(self, fn: Any, *args: Any) -> Any:
        """Run a :mod:`kg.queries` function through the breaker; :class:`GraphDown` when Neo4j does not answer."""
        return self.breaker.call(fn, *args)

    def evidence(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Evidence per pair, from a bounded in-process cache (valid ``evidence_ttl_s``) or one query.

        Evidence only changes when a source is reloaded, so a short TTL bounds staleness while
        sparing Neo4j the same questions from every page view.
        """
        now = time.monotonic()
        ttl = self.settings.api.evidence_ttl_s
        with self._lock:
            hits = {p: v for p in pairs if (v := self._evidence.get(p)) is not None and now - v[0] < ttl}
        missing = [p for p in pairs if p not in hits]
        stored = self._stored_evidence(missing) if missing else {}
        missing = [p for p in missing if p not in stored]
        found = self.graph(queries.evidence, missing) if missing else {}
        found.update(stored)
        with self._lock:
            for p, rows in found.items():
                self._evidence[p] = (now, rows)
                self._evidence.move_to_end(p)
            while len(self._evidence) > self.settings.api.evidence_cache_size:
                self._evidence.popitem(last=False)
        return {p: hits[p][1] if p in hits else found.get(p, []) for p in pairs}

    def _stored_evidence(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Evidence stored at ``kg predict``, while the graph still has the sources it was read from."""
        current = self.current_predictions()
        recorded = (current or {}).get("evidence_graph")
        if current is None or recorded is None:
            return {}
        live = self.graph_state()
        if live is None or json.dumps(live, sort_keys=True, default=str) != recorded:
            return {}
        return self.predictions.stored_evidence(current["model_version"], pairs)

    def graph_state(self) -> dict[str, Any] | None:
        """The graph's loaded sources (re-read at most every ``response_cache_recheck_s``; ``None``: down)."""
        now = time.monotonic()
        if now - self._graph_state[0] > self.settings.api.response_cache_recheck_s:
            try:
                state: dict[str, Any] | None = self.graph(graph_state)
            except GraphDown:
                state = None
            self._graph_state = (now, state)
        return self._graph_state[1]

    def current_predictions(self) -> dict[str, Any] | None:
        """The current model of the prediction store (re-read at most once a second)."""
        now = time.monotonic()
        if now - self._current[0] > 1.0:
            self._current = (now, self.predictions.current_model())
        return self._current[1]

    def cache_generation(self) -> object | None:
        """What cached responses depend on: the predictions' model and the loaded sources (``None``: unknown).

        The sources are re-read at most every ``response_cache_recheck_s`` seconds, so a finished
        ``kg etl run`` or ``kg predict`` reaches the cache within that time.
        """
        current = self.current_predictions()
        version = f"{current['model_version']}/{current.get('run')}" if current else None
        return generation_of(version, self.graph_state())

    def readiness(self) -> dict[str, Any]:
        """A real Cypher query and a loaded model; says what is missing."""
        checks: dict[str, Any] = {}
        try:
            checks["graph"] = {"ok": True, "genes": queries.ping(self.breaker.store)}
        except StoreUnavailable as exc:
            checks["graph"] = {"ok": False, "reason": str(exc).split(":")[0]}
        model_ok = self.model.context is not None
        checks["model"] = (
            {"ok": True, "version": self.model.info.get("version")}
            if model_ok
            else {"ok": False, "reason": self.model.error}
        )
        current = self.predictions.current_model()
        checks["predictions"] = {"ok": current is not None, "version": (current or {}).get("model_version")}
        checks["ready"] = all(c["ok"] for c in (checks["graph"], checks["model"]))
        return checks

    def gene_id(self, key: str) -> str | Ambiguous | None:
        """Gene id for an NCBI/Ensembl/HGNC id, symbol, previous symbol or alias (case-insensitive)."""
        return self._gene_index().resolve(key)

    def close_gene_matches(self, key: str) -> list[str]:
        """Up to three symbols close to ``key``."""
        return self._gene_index().close_matches(key)

    @property
    def round_trips(self) -> int:
        """Graph reads sent to Neo4j so far (through either store of :meth:`graph`)."""
        return self.breaker.round_trips

    def _gene_index(self) -> GeneIndex:
        with self._lock:
            if self._genes is None:
                try:
                    from gnn.runs import RunService
                except ImportError:  # no GNN extra: the live graph's index, built here
                    self._genes = GeneIndex(self.graph(queries.gene_symbols))
                    return self._genes
                try:
                    self._genes = RunService(self.settings.home, self.graph, live=False).gene_index()
                except GraphDown:  # the model's export still names its genes
                    ctx = self.model.context
                    pairs = zip(ctx.graph.node_ids["Gene"], ctx.graph.node_names["Gene"], strict=True) if ctx else []
                    return GeneIndex({"id": i, "symbol": n} for i, n in pairs)
            return self._genes

    def close(self) -> None:
        """Stop the sync thread and close the driver."""
        self.sync.close()
        self.breaker.close()
