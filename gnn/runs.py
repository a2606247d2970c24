"""The run service: a run, its export (found by the run's own spec), its model context and id resolvers.

The one rule every caller follows (``kg explain``/``rank``/``predict``, the API, the notebook, the
benches): a run is scored on the export of its own spec and graph release, from the cache when
it is there, else exported from the live graph. A caller that holds the graph (the CLI, the
notebook) is refused when the live graph is no longer the run's; the API, which must load
without Neo4j, serves the run on the graph it was trained on.

The full gene resolver (aliases, Ensembl and HGNC ids: ~77k rows read from the graph) is built
once per gene reference, keyed by its fingerprint: kept in the process and cached as JSON under
``$KG_HOME/cache``, whichever surface asked first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from gnn.artefacts import ArtefactError, Run
from gnn.export import ExportCache, ExportedGraph, export_graph, model_spec, state_hash
from gnn.export import load as load_export
from gnn.inference import ModelContext
from kg import queries
from kg.errors import KGError
from kg.export import graph_state
from kg.ids import GeneIndex
from kg.store import Neo4jStore

T = TypeVar("T")
#: Runs a read on the live graph: ``read(queries.gene_symbols)`` (each surface reaches Neo4j its own way).
GraphRead = Callable[[Callable[[Neo4jStore], Any]], Any]

_LOCK = threading.Lock()
_GENE_INDEXES: dict[tuple[str, str], GeneIndex] = {}


def run_export(home: Path, model: Path, store: Neo4jStore | None = None) -> ExportedGraph:
    """The export the run in ``model`` was trained on: cached under ``home``, else read from ``store``.

    Raises:
        ArtefactError: Not cached and no store given, or the live graph is not the run's graph.
    """
    run = Run(model)
    if store is not None:
        live = state_hash(graph_state(store))
        if live != run.graph_release:
            raise ArtefactError(
                f"model was trained on graph release {run.graph_release}, not on the current {live}; "
                "retrain or export that release"
            )
    spec = model_spec(include_synthetic=run.synthetic_edges > 0)
    key = run.spec_key or spec.key()
    cache = ExportCache.of_home(home)
    folder = cache.root / f"{key}-{run.graph_release}"
    if folder.is_dir():
        return load_export(folder)
    if key != spec.key():
        raise ArtefactError(f"{model} was trained on export spec {key}; no cached export at {folder}")
    if store is None:
        raise ArtefactError(
            f"no cached export of graph release {run.graph_release} under {cache.root} "
            "(start Neo4j on the graph the run was trained on, or run `kg train`)"
        )
    graph, _ = export_graph(store, spec, cache)
    return graph


class RunService:
    """Finds a run's export and model context, and builds the id resolvers once per graph.

    Args:
        home: ``$KG_HOME``: the export cache, the encodings and the resolvers' caches.
        read: Runs a read on the live graph (``None``: no graph at hand).
        live: The caller holds the live graph: a run of another graph release is refused, and a
            run not exported yet is exported from it. ``False`` (the API) serves a run on its own
            cached export, without Neo4j.
    """

    def __init__(self, home: Path, read: GraphRead | None = None, live: bool = True) -> None:
        self.home, self._read, self.live = home, read, live

    def read(self, query: Callable[[Neo4jStore], T]) -> T:
        """``query`` on the live graph.

        Raises:
            KGError: No graph at hand, or it cannot be reached.
        """
        if self._read is None:
            raise KGError("no graph at hand")
        result: T = self._read(query)
        return result

    def export(self, model: Path) -> ExportedGraph:
        """The export the run in ``model`` was trained on (:func:`run_export`)."""
        if self.live and self._read is not None:
            return self.read(lambda store: run_export(self.home, model, store))
        return run_export(self.home, model)

    def context(self, model: Path, alternatives: Callable[[], dict[str, str]] | None = None) -> ModelContext:
        """The model context of the run in ``model`` on its export, its encoding cached under ``home``.

        ``alternatives``: the map of obsolete HPO ids, when the caller has it (else read on first need).
        """
        graph = self.export(model)
        fingerprint = str(graph.state.get("genes", {}).get("fingerprint") or "")
        return ModelContext(
            graph,
            model,
            lambda: self.gene_index(fingerprint or None),
            cache_dir=self.home / "cache" / "context",
            alternatives=alternatives or (lambda: self.read(queries.phenotype_alternatives)),
        )

    def gene_index(self, fingerprint: str | None = None) -> GeneIndex:
        """The full gene resolver of the gene reference ``fingerprint`` (``None``: the live graph's).

        Built once per fingerprint in the process and cached as JSON under ``home``.

        Raises:
            KGError: It is not cached and the graph cannot be read.
        """
        if fingerprint is None:
            fingerprint = str(self.read(graph_state).get("genes", {}).get("fingerprint") or "") or None
        if fingerprint is None:  # no gene reference loaded: nothing to key a cache by
            return GeneIndex(self.read(queries.gene_symbols))
        key = (str(self.home.resolve()), fingerprint)
        with _LOCK:
            if key in _GENE_INDEXES:
                return _GENE_INDEXES[key]
        cache = self.home / "cache" / f"genes-{fingerprint[:16]}.json"
        rows: list[dict[str, Any]]
        if cache.is_file():
            rows = json.loads(cache.read_text())
        else:
            rows = self.read(queries.gene_symbols)
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_suffix(".part")
            partial.write_text(json.dumps(rows))
            partial.replace(cache)
        index = GeneIndex(rows)
        with _LOCK:
            return _GENE_INDEXES.setdefault(key, index)


def load_context(
    home: Path,
    model: Path,
    store: Neo4jStore | None = None,
    alternatives: Callable[[], dict[str, str]] | None = None,
) -> ModelContext:
    """The model context of the run in ``model`` (:meth:`RunService.context`), reading ``store`` when given."""
    read: GraphRead | None = (lambda query: query(store)) if store is not None else None
    return RunService(home, read, live=store is not None).context(model, alternatives)
