"""``kg evaluate``: the trained model and every baseline on the same split, plus fidelity.

Rebuilds the run's split from its seed and mode, replays the saved model (its test metrics
must equal ``results.json``), trains the baselines on the same training links, and writes
``evaluation.md``, ``evaluation.json`` and ``pr_curve.png``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from gnn.baselines import DistMult, PhenotypeSimilarity, Popularity
from gnn.evaluation import GeneScorer, Scored, score_pairs
from gnn.explain import Explainer, fidelity
from gnn.export import ExportedGraph
from gnn.features import Featuriser
from gnn.inference import ModelContext
from gnn.model import ModelConfig
from gnn.prior import prior_for
from gnn.scorer import EvidenceScorer
from gnn.split import Split, make_split
from gnn.train import GNNScorer, TrainConfig, train, with_target

METRICS = ("mrr", "hits@1", "hits@10", "hits@50", "auroc", "auprc")


def _model_config(config: dict[str, Any], **override: Any) -> ModelConfig:
    return ModelConfig.from_saved({**config["model"], **override})


def replay(graph: ExportedGraph, run: Path) -> dict[str, Any]:
    """Rebuild the run's split from its seed and mode and re-evaluate the saved weights on it."""
    ctx, saved, split = rebuild(graph, run)
    replayed = score_pairs(_saved_model(ctx, split), split, split.test, ctx.num_nodes["Gene"]).metrics
    matches = _matches(replayed, saved)
    return {"model_version": ctx.version, "saved": saved["metrics"], "replayed": replayed, "matches": matches}


def rebuild(graph: ExportedGraph, run: Path) -> tuple[ModelContext, dict[str, Any], Split]:
    """The run's model, its saved results and its split, rebuilt from the seed and mode."""
    ctx = ModelContext(graph, run)
    saved = ctx.run.results()
    edges = graph.edges
    return ctx, saved, make_split(edges, saved["split"]["mode"], seed=int(ctx.config["train"]["seed"]))


def _saved_model(ctx: ModelContext, split: Split) -> GeneScorer:
    """What the run serves, over the split's training links: its evidence network, or its encoder."""
    config = ctx.model.config
    edges = with_target(split, split.train)
    prior = prior_for(ctx.model, ctx.num_nodes, edges, facts=ctx.graph.disease_facts)
    if ctx.evidence is not None and prior is not None:
        return EvidenceScorer.of_export(ctx.evidence, prior, ctx.graph, edges)
    featuriser = Featuriser.for_model(ctx.num_nodes, split.message_edges, config)
    return GNNScorer(ctx.model, featuriser, edges, prior)


def _matches(replayed: dict[str, float], saved: dict[str, Any]) -> bool:
    return all(abs(replayed[m] - saved["metrics"][m]) < 1e-5 for m in METRICS if m in saved["metrics"])


def evaluate_run(
    graph: ExportedGraph,
    run: Path,
    fidelity_pairs: int = 20,
    k: int = 5,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Evaluate the run in ``run`` and all baselines on its split; returns the report dict."""
    ctx, saved, split = rebuild(graph, run)
    num_nodes = ctx.num_nodes
    train_config = TrainConfig(**ctx.config["train"])
    genes = num_nodes["Gene"]
    results: dict[str, Scored] = {}
    timings: dict[str, float] = {}

    def run_model(name: str, build: Callable[[], GeneScorer]) -> None:
        log(f"{name}…")
        start = time.perf_counter()
        model = build()
        timings[name] = time.perf_counter() - start
        results[name] = score_pairs(model, split, split.test, genes)

    def sage() -> GeneScorer:
        trained = train(
            num_nodes,
            split,
            _model_config(ctx.config, conv="sage"),
            train_config,
            facts=ctx.graph.disease_facts,
        )
        return GNNScorer(trained.model, trained.featuriser, with_target(split, split.train), trained.prior)

    served = "evidence network (this run, served)" if ctx.evidence is not None else "HeteroGAT (attention, this run)"
    run_model(served, lambda: _saved_model(ctx, split))
    timings[served] = float(saved.get("train_seconds", float("nan")))  # training, not replay
    run_model("Popularity (gene degree)", lambda: Popularity(num_nodes, split))
    run_model("Phenotype similarity (simGIC, HPO ancestors)", lambda: PhenotypeSimilarity(num_nodes, split))
    run_model("GraphSAGE (same size, no attention)", sage)
    run_model("DistMult (KG embedding)", lambda: DistMult(num_nodes, split))
    attention_name = next(iter(results))
    replay = results[attention_name].metrics
    replay_ok = _matches(replay, saved)
    baselines = {n: r.metrics for n, r in results.items() if n != attention_name}
    best = {m: max(b[m] for b in baselines.values()) for m in METRICS}
    relative = {m: (replay[m] / best[m] - 1.0) if best[m] > 0 else float("inf") for m in METRICS}
    log("fidelity…")
    fid = _fidelity(ctx, fidelity_pairs, k)
    return {
        "run": str(run),
        "model_version": ctx.version,
        "graph_release": graph.graph_release,
        "split": {key: v for key, v in split.manifest().items() if key != "held_out_diseases"},
        "train_config": asdict(train_config),
        "metrics": {n: r.metrics for n, r in results.items()},
        "seconds": timings,
        "replay_matches_results_json": replay_ok,
        "relative_to_best_baseline": relative,
        "fidelity": fid,
        "_curves": {n: (r.scores, r.labels) for n, r in results.items()},
    }


def _fidelity(ctx: ModelContext, pairs: int, k: int) -> dict[str, float]:
    """Fidelity on real predictions: the top new candidate of randomly chosen diseases."""
    if not ctx.model.has_attention or pairs <= 0:
        return {}
    explainer = Explainer(ctx)
    diseases = sorted(set(ctx.edges[("Gene", "ASSOCIATED_WITH", "Disease")][1].tolist()))
    chosen = random.Random(0).sample(diseases, min(pairs, len(diseases)))
    predictions = ctx.predict(top=1, diseases=chosen)
    index = ctx.graph.index("Gene")
    dindex = ctx.graph.index("Disease")
    sample = [(index[p.gene_id], dindex[p.disease_id]) for p in predictions if not p.known]
    return fidelity(explainer, sample, k=k)


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """``evaluation.md``, ``evaluation.json`` and ``pr_curve.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    curves = report.pop("_curves", {})
    (out / "evaluation.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    (out / "evaluation.md").write_text(markdown(report))
    if curves:
        _pr_curve(out / "pr_curve.png", curves)
    return [out / "evaluation.md", out / "evaluation.json", out / "pr_curve.png"]


def markdown(report: dict[str, Any]) -> str:
    """The evaluation table (test split) plus relative gain and fidelity."""
    split = report["split"]
    lines = [
        f"Test split: {split['mode']}-held-out, {split['test']} links "
        f"(train {split['train']}, val {split['val']}); graph release `{report['graph_release']}`, "
        f"model `{report['model_version']}`.",
        "",
        "| model | " + " | ".join(METRICS) + " | fit s |",
        "|---|" + "---|" * (len(METRICS) + 1),
    ]
    for name, metrics in report["metrics"].items():
        cells = " | ".join(f"{metrics[m]:.3f}" for m in METRICS)
        lines.append(f"| {name} | {cells} | {report['seconds'][name]:.1f} |")
    rel = report["relative_to_best_baseline"]
    lines += [
        "",
        "Attention model vs best baseline (relative): "
        + ", ".join(f"{m} {rel[m] * 100:+.0f}%" for m in ("mrr", "hits@10", "auroc")),
        f"Replay of the saved model matches results.json: {report['replay_matches_results_json']}.",
    ]
    fid = report.get("fidelity") or {}
    if fid.get("pairs"):
        lines.append(
            f"Fidelity on {int(fid['pairs'])} predictions: deleting the top-{int(fid['k'])} attended edges lowers the "
            f"logit by {fid['drop_top_k']:.3f} on average vs {fid['drop_random_k']:.3f} for {int(fid['k'])} random "
            f"computation-graph edges (ratio {fid['ratio']:.1f}×; "
            f"larger in {fid['share_top_larger'] * 100:.0f}% of pairs)."
        )
    return "\n".join(lines) + "\n"


def _pr_curve(path: Path, curves: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, (scores, labels) in curves.items():
        order = torch.argsort(scores, descending=True, stable=True)
        hits = labels[order].float()
        tp = torch.cumsum(hits, 0)
        precision = tp / torch.arange(1, hits.numel() + 1)
        recall = tp / hits.sum()
        ax.plot(recall.numpy(), precision.numpy(), label=name, linewidth=1.2)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Gene–disease links, test split (1 random negative per positive)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
