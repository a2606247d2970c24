#!/usr/bin/env python3
"""Explanation latency on the default graph: ``explain(gene, disease)`` against scoring the disease alone.

Loads a trained run (``kg train`` first) on its own export through the run service, builds the
:class:`gnn.explain.Explainer` once (timed: it builds the evidence network's graph) and times
``explain(gene, disease)`` for the top new candidate of ``--pairs`` random diseases. The baseline
in the same run is the served score of the same disease over all genes without its explanation
(the evidence network's forward pass), so the ratio is the explanation's own cost. A run without
the evidence network is timed against a fresh encoder pass instead. Target (issue 32): p99 ≤ 100 ms.

Usage: ``python bench/explain.py [--model runs/latest] [--pairs 100]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import torch

from gnn.explain import Explainer
from gnn.runs import load_context
from kg.settings import DEFAULT_RUN, load_settings
from kg.store import Neo4jStore


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--pairs", type=int, default=100)
    args = parser.parse_args()
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        ctx = load_context(settings.home, args.model, store)
    graph = ctx.graph
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
    baseline = []
    for _, disease in pairs:
        start = time.perf_counter()
        if ctx.scorer is not None:
            ctx.scorer.logits(ctx.scorer.rows(torch.tensor([disease])))
        else:  # a server without the cached encoding: an encoder pass per request
            with torch.no_grad():
                ctx.model.eval().encode(ctx.featuriser(ctx.edges), ctx.edges, return_attention=True)
        baseline.append((time.perf_counter() - start) * 1000)
    what = "the served score of the disease alone" if ctx.scorer is not None else "a fresh encoder pass"
    print(f"model {ctx.version}; graph {graph.graph_release}; {len(pairs)} explanations")
    print(f"explainer set-up: {setup_s * 1000:.0f} ms, once")
    p50, p99 = statistics.median(cached), percentile(cached, 0.99)
    print(f"explain: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 ≤ 100 ms)")
    print(f"baseline, {what}: p50 {statistics.median(baseline):.1f} ms, p99 {percentile(baseline, 0.99):.1f} ms")
    print(f"ratio explain / baseline (p50): {p50 / statistics.median(baseline):.2f}×")


if __name__ == "__main__":
    main()
