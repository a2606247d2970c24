#!/usr/bin/env python3
"""Prospective benchmark figures and the issue's targets, from one ``kg benchmark`` run.

Runs ``kg benchmark`` (HPO 2020-10-12 → 2021-10-10 by default: train on the old release's graph
plus GO 2018 and InWeb 2016 in a scratch Neo4j, rank all protein-coding genes for the diseases
new in 2021-10) and prints, next to the full table, the model's ratio against the best baseline
of the same run:

* overall and OMIM: MRR and Hits@10 (target ≥ 1.20×);
* novel-gene diseases: Hits@100 against every baseline (target > 1×).

Usage: ``python bench/prospective.py [--epochs N] [-- extra kg benchmark options]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default="runs/benchmark")
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "kg", "benchmark", "--format", "json", "--out", args.out, *args.extra]
    if args.epochs:
        cmd += ["--epochs", str(args.epochs)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr[-4000:])
    result = json.loads(done.stdout)
    model, table = result["model"], result["results"]
    baselines = [m for m in table if m != model and "ablation" not in m]
    print(f"HPO {result['old']} → {result['new']}; {result['counts']}")
    print(f"{seconds:.0f} s wall, of which training {result['train_seconds']:.0f} s")
    print(open(f"{args.out}/benchmark.md").read())
    print("| target | model | best baseline | ratio | met |\n|---|---|---|---|---|")
    for group in ("all", "OMIM"):
        for metric in ("mrr", "hits@10"):
            best = max(baselines, key=lambda b: table[b][group][metric])
            mine, theirs = table[model][group][metric], table[best][group][metric]
            ratio = mine / theirs if theirs else float("inf")
            met = "yes" if ratio >= 1.2 else "no"
            print(f"| {group} {metric} ≥ 1.20× | {mine:.3f} | {theirs:.3f} ({best}) | {ratio:.2f}× | {met} |")
    mine = table[model]["novel-gene"]["hits@100"]
    worst = max(baselines, key=lambda b: table[b]["novel-gene"]["hits@100"])
    theirs = table[worst]["novel-gene"]["hits@100"]
    print(
        f"| novel-gene hits@100 > every baseline | {mine:.3f} | {theirs:.3f} ({worst}) | "
        f"{mine / theirs if theirs else float('inf'):.2f}× | {'yes' if mine > theirs else 'no'} |"
    )


if __name__ == "__main__":
    main()
