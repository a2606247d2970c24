"""``kg train``: export → split → train → evaluate → artefacts, as one library call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gnn.artefacts import save_run
from gnn.export import ExportedGraph
from gnn.model import ModelConfig
from gnn.ranker import Ranker
from gnn.split import TARGET, SplitMode, make_split
from gnn.train import TrainConfig, evaluate, train, with_target


@dataclass
class RunSummary:
    """Where the artefacts went and the test metrics."""

    out: Path
    metrics: dict[str, float]
    best_epoch: int
    split: dict[str, Any]


def train_on_export(
    graph: ExportedGraph,
    out: Path,
    model_config: ModelConfig,
    train_config: TrainConfig,
    mode: SplitMode | str = SplitMode.disease,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    ranker: Ranker | None = None,
) -> RunSummary:
    """Train the attention model on an export and write every artefact to ``out``.

    ``ranker``: the evidence ranker its predictions apply (kept in the run folder); it is fitted
    elsewhere (``kg benchmark``, on new diseases of a later release), never on this graph.
    """
    edges, num_nodes = graph.edges, graph.num_nodes
    split = make_split(edges, mode, seed=train_config.seed, target=TARGET)
    result = train(num_nodes, split, model_config, train_config, on_epoch, facts=graph.disease_facts)
    featuriser = result.featuriser
    metrics = evaluate(result.model, featuriser, num_nodes, split, split.test, result.prior).to_flat_dict()
    feats = featuriser(with_target(split, split.train))
    graph_info = {
        "graph_release": graph.graph_release,
        "state": graph.state,
        "node_types": list(num_nodes),
        "edge_types": [list(et) for et in sorted(split.message_edges)],
        "feature_dims": {t: int(f.shape[1]) for t, f in feats.items()},
        "num_nodes": num_nodes,
        "spec_key": graph.spec_key,
        "synthetic_edges": graph.synthetic_edges,
    }
    save_run(out, result, model_config, train_config, graph_info, split.manifest(), metrics, ranker)
    return RunSummary(out, metrics, result.best_epoch, split.manifest())
