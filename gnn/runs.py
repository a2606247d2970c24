"""Loading a run: its folder, the export it was trained on (found by the run's own spec), its model context.

The one rule every caller follows (``kg explain``/``rank``/``predict``, the API, the notebook, the
benches): a run is scored on the export of its own spec and graph release, from the cache when
it is there, else exported from the live graph. A caller that holds the graph (the CLI, the
notebook) is refused when the live graph is no longer the run's; the API, which must load
without Neo4j, serves the run on the graph it was trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gnn.artefacts import ArtefactError, Run
from gnn.export import ExportCache, ExportedGraph, export_graph, model_spec, state_hash
from gnn.export import load as load_export
from gnn.inference import ModelContext
from kg.export import graph_state
from kg.ids import GeneIndex
from kg.store import Neo4jStore


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


def load_context(
    home: Path,
    model: Path,
    store: Neo4jStore | None = None,
    genes: Callable[[], GeneIndex] | None = None,
    alternatives: Callable[[], dict[str, str]] | None = None,
) -> ModelContext:
    """The model context of the run in ``model`` on its export (:func:`run_export`), its encoding cached under ``home``.

    ``genes`` builds the full gene resolver on first need, ``alternatives`` the map of obsolete HPO ids.
    """
    graph = run_export(home, model, store)
    return ModelContext(graph, model, genes, cache_dir=home / "cache" / "context", alternatives=alternatives)
