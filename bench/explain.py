#!/usr/bin/env python3
"""Explanation latency on the demo graph: cached attention index vs recomputing the forward pass.

Loads a trained run (``kg train`` first) on the live graph's cached export, builds the
:class:`gnn.explain.Explainer` once (one forward pass with attention, indexed by destination)
and times ``explain(gene, disease)`` for the top new candidate of ``--pairs`` random diseases.
In the same run it times the naive path — a fresh forward pass with attention per explanation
— and prints the ratio. Target: < 200 ms per explanation on CPU.

Usage: ``python bench/explain.py [--model runs/latest] [--pairs 100] [--naive 10]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from gnn.explain import Explainer
from gnn.export import MODEL_SPEC, ExportCache, export_graph
from gnn.inference import ModelContext
from kg.settings import load_settings
from kg.store import Neo4jStore


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("runs/latest"))
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--naive", type=int, default=10, help="explanations timed on the naive path")
    args = parser.parse_args()
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        graph, _ = export_graph(store, MODEL_SPEC, ExportCache.of_home(settings.home))
    ctx = ModelContext(graph, args.model)
    t0 = time.perf_counter()
    explainer = Explainer(ctx)
    setup_s = time.perf_counter() - t0
    diseases = sorted(set(ctx.edges[("Gene", "ASSOCIATED_WITH", "Disease")][1].tolist()))
    chosen = random.Random(0).sample(diseases, min(args.pairs, len(diseases)))
    gene_index, disease_index = graph.index("Gene"), graph.index("Disease")
    pairs = [
        (gene_index[p.gene_id], disease_index[p.disease_id]) for p in ctx.predict(top=1, diseases=chosen) if not p.known
    ]
    cached = []
    for gene, disease in pairs:
        start = time.perf_counter()
        explainer.explain(gene, disease)
        cached.append((time.perf_counter() - start) * 1000)
    naive = []
    for gene, disease in pairs[: args.naive]:
        start = time.perf_counter()
        ctx._encoded = None  # what a server without the index would do: a forward pass per request
        Explainer(ctx).explain(gene, disease)
        naive.append((time.perf_counter() - start) * 1000)
    print(f"model {ctx.version}; graph {graph.graph_release}; {len(pairs)} explanations")
    print(f"index build (one forward pass with attention): {setup_s * 1000:.0f} ms, once")
    print(f"cached index: p50 {statistics.median(cached):.1f} ms, p99 {percentile(cached, 0.99):.1f} ms")
    print(f"naive (forward pass per request): p50 {statistics.median(naive):.0f} ms over {len(naive)}")
    print(f"ratio naive / cached (p50): {statistics.median(naive) / statistics.median(cached):.0f}x")


if __name__ == "__main__":
    main()
