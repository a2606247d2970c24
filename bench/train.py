#!/usr/bin/env python3
"""Training benchmark: the attention model vs the non-attention baseline, same graph, same run.

Reads the demo graph from the running Neo4j (``kg neo4j start`` + ``kg etl run`` first; the
export is cached), makes the default disease-held-out split, and trains

* the attention model (HeteroGAT, default config) with early stopping — total time is the
  figure the issue's 5-minute budget refers to;
* the GraphSAGE baseline of the same size for the same number of epochs (no early stop);
* optionally the mini-batch path of the attention model (``--minibatch``).

It prints the device, per-epoch time (median) and total time of each, and the ratio
attention / baseline. Run it on a GPU machine with ``--device cuda``.

``--export FOLDER`` reads a cached export (``$KG_HOME/exports/<key>``) instead of Neo4j, so the
benchmark runs on a machine without the database (a GPU box).

Usage: ``python bench/train.py [--epochs 3] [--device cpu|cuda] [--minibatch] [--export FOLDER] [--format json]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from gnn.export import MODEL_SPEC, ExportCache, export_graph, load
from gnn.model import ModelConfig
from gnn.split import make_split
from gnn.train import TrainConfig, evaluate, train
from kg.settings import load_settings
from kg.store import Neo4jStore


def timed(num_nodes, split, model_config, train_config, facts=None) -> dict:  # type: ignore[no-untyped-def]
    stamps: list[float] = []
    start = time.perf_counter()
    result = train(
        num_nodes,
        split,
        model_config,
        train_config,
        on_epoch=lambda _: stamps.append(time.perf_counter()),
        facts=facts,
    )
    total = time.perf_counter() - start
    epochs = [b - a for a, b in zip([start, *stamps[:-1]], stamps, strict=True)]
    test = evaluate(result.model, result.featuriser, num_nodes, split, split.test, result.prior)
    return {
        "epochs": len(epochs),
        "best_epoch": result.best_epoch,
        "epoch_s_median": statistics.median(epochs),
        "total_s": total,
        "test_mrr": test.mrr,
        "test_hits@10": test.hits[10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--minibatch", action="store_true", help="also time the mini-batch path")
    parser.add_argument("--format", default="table", choices=["table", "json"])
    parser.add_argument("--export", type=Path, help="a cached export folder to read instead of Neo4j")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device visible")
    t0 = time.perf_counter()
    if args.export:
        graph, cached = load(args.export), True
    else:
        settings = load_settings()
        with Neo4jStore.from_settings(settings) as store:
            graph, cached = export_graph(store, MODEL_SPEC, ExportCache.of_home(settings.home))
    export_s = time.perf_counter() - t0
    edges, num_nodes = graph.edges, graph.num_nodes
    split = make_split(edges, "disease", seed=0)
    facts = graph.disease_facts
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    runs = {
        "attention (HeteroGAT)": timed(
            num_nodes, split, ModelConfig(), TrainConfig(epochs=args.epochs, device=args.device), facts
        ),
        "baseline (GraphSAGE, same size, same epochs)": timed(
            num_nodes,
            split,
            ModelConfig(conv="sage"),
            TrainConfig(epochs=args.epochs, patience=args.epochs, device=args.device),
            facts,
        ),
    }
    if args.minibatch:
        runs["attention, mini-batch (2048 links, fanout 15/10)"] = timed(
            num_nodes, split, ModelConfig(), TrainConfig(epochs=args.epochs, batch_size=2048, device=args.device)
        )
    att, base = runs["attention (HeteroGAT)"], runs["baseline (GraphSAGE, same size, same epochs)"]
    report = {
        "device": device,
        "graph": {t: n for t, n in num_nodes.items()},
        "export_s": export_s,
        "export_from_cache": cached,
        "runs": runs,
        "epoch_time_ratio_attention_vs_baseline": att["epoch_s_median"] / base["epoch_s_median"],
    }
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return
    print(f"device: {device}; graph: {report['graph']}; export {export_s:.1f} s (cache: {cached})")
    print(f"{'model':<50} {'epochs':>6} {'epoch s':>8} {'total s':>8} {'test MRR':>9} {'Hits@10':>8}")
    for name, r in runs.items():
        print(
            f"{name:<50} {r['epochs']:>6} {r['epoch_s_median']:>8.2f} {r['total_s']:>8.1f} "
            f"{r['test_mrr']:>9.3f} {r['test_hits@10']:>8.3f}"
        )
    print(f"epoch-time ratio attention / baseline: {report['epoch_time_ratio_attention_vs_baseline']:.2f}x")


if __name__ == "__main__":
    main()
