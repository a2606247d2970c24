#!/usr/bin/env python3
"""Latency of ``kg rank --phenotypes`` and ``kg predict`` with the run's evidence ranker vs the model's logit alone.

Loads the run once (encoding cached), then times, alternating, a phenotype-set ranking (five
Marfan-like terms) and predictions for 640 diseases, with the ranker and without it (the same
model, ``ranker`` switched off), and prints both and their ratio. Needs the graph the run was
trained on (``kg neo4j start``).

Usage: ``python bench/rank_latency.py [--model runs/latest] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from gnn.inference import load_context
from kg.settings import load_settings
from kg.store import Neo4jStore

#: Arachnodactyly, ectopia lentis, aortic root aneurysm, tall stature.
TERMS = ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0000098"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("runs/latest"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        ctx = load_context(store, settings.home, args.model)
    ctx.encoded()
    ranker = ctx.ranker
    if ranker is None:
        raise SystemExit(f"{args.model} has no ranker.json: train it with `kg train --ranker default`")
    diseases = torch.unique(ctx.edges[("Gene", "ASSOCIATED_WITH", "Disease")][1])[:640].tolist()
    timings: dict[str, dict[str, list[float]]] = {
        "ranker": {"rank": [], "predict": []},
        "logit": {"rank": [], "predict": []},
    }
    top: dict[str, list[str]] = {}
    for _ in range(args.rounds):
        for name in ("ranker", "logit"):
            ctx.ranker = ranker if name == "ranker" else None
            start = time.perf_counter()
            rows = ctx.rank_phenotypes(TERMS, top=10)
            timings[name]["rank"].append(time.perf_counter() - start)
            start = time.perf_counter()
            ctx.predict(top=20, diseases=diseases)
            timings[name]["predict"].append(time.perf_counter() - start)
            top[name] = [str(r["symbol"]) for r in rows]
    for name, t in timings.items():
        print(
            f"{name:7s} kg rank {min(t['rank']):.2f}–{max(t['rank']):.2f} s (target ≤ 2 s); "
            f"predict {1000 * min(t['predict']) / len(diseases):.1f} ms per disease; top 10: {', '.join(top[name])}"
        )
    for op in ("rank", "predict"):
        ratio = min(timings["ranker"][op]) / min(timings["logit"][op])
        print(f"{op}: ranker / logit alone = {ratio:.2f}×")


if __name__ == "__main__":
    main()
