"""``kg train``: export → split → train → evaluate → artefacts, as one library call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gnn.artefacts import save_run
from gnn.evaluation import score_pairs
from gnn.evidence import EvidenceConfig, EvidenceNet, gene_loeuf, mode_terms
from gnn.evidence_fit import FitConfig, fit
from gnn.export import ExportedGraph
from gnn.model import ModelConfig
from gnn.ranker import Ranker
from gnn.scorer import EvidenceScorer
from gnn.split import TARGET, Split, SplitMode, make_split
from gnn.train import TrainConfig, TrainResult, evaluate, train, with_target

#: The evidence network's settings when ``kg train`` is given none.
DEFAULT_EVIDENCE = EvidenceConfig()


@dataclass
class RunSummary:
    """Where the artefacts went and the test metrics."""

    out: Path
    metrics: dict[str, float]
    #: The epoch kept of what ranks predictions (the evidence network's, else the encoder's).
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
    evidence: EvidenceConfig | None = DEFAULT_EVIDENCE,
    fit_config: FitConfig | None = None,
    on_evidence_epoch: Callable[[dict[str, float]], None] | None = None,
) -> RunSummary:
    """Train on an export and write every artefact to ``out``.

    With the phenotype prior and ``evidence`` settings (``None``: none), the evidence network is
    trained after the attention encoder on the same split and becomes what predictions rank by;
    the metrics saved are then its scores on the held-out test diseases. ``ranker``: the earlier
    evidence ranker, applied only to a run without the evidence network.
    """
    edges, num_nodes = graph.edges, graph.num_nodes
    split = make_split(edges, mode, seed=train_config.seed, target=TARGET)
    result = train(num_nodes, split, model_config, train_config, on_epoch, facts=graph.disease_facts)
    featuriser = result.featuriser
    net: EvidenceNet | None = None
    history: list[dict[str, float]] = []
    if result.prior is not None and evidence is not None:
        fit_config = fit_config or FitConfig()
        net, metrics, history = train_evidence(graph, split, result, evidence, fit_config, on_evidence_epoch)
        ranker = None
    else:
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
    save_run(out, result, model_config, train_config, graph_info, split.manifest(), metrics, ranker, net, history)
    kept = int(history[-1]["epoch"]) if net is not None and history else result.best_epoch
    return RunSummary(out, metrics, kept, split.manifest())


def train_evidence(
    graph: ExportedGraph,
    split: Split,
    result: TrainResult,
    config: EvidenceConfig,
    fit_config: FitConfig,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> tuple[EvidenceNet, dict[str, float], list[dict[str, float]]]:
    """The evidence network trained on the split's training links, the epoch kept by validation MRR.

    Returns the network, its metrics on the test diseases (the served score, every training link
    in message passing, ranks among all genes) and its training history.
    """
    assert result.prior is not None
    num_genes = graph.num_nodes["Gene"]
    edges = with_target(split, split.train)
    modes, loeuf = mode_terms(graph.index("Phenotype")), gene_loeuf(graph.node_attrs, graph.data)
    net = EvidenceNet(config)
    scorer = EvidenceScorer(net, result.prior, edges, num_genes, modes, loeuf)

    def validate(candidate: EvidenceNet) -> float:
        scorer.net = candidate.eval()
        return score_pairs(scorer, split, split.val, num_genes).result.mrr

    history = fit(net, result.prior, edges, num_genes, modes, fit_config, validate, on_epoch, loeuf)
    scorer.net = net.eval()
    return net, score_pairs(scorer, split, split.test, num_genes).result.to_flat_dict(), history
