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
    print(f"HPO {result['old']} → {result['new']}; {result['counts']}")
    print(f"{seconds:.0f} s wall, of which training {result['train_seconds']:.0f} s")
    print(open(f"{args.out}/benchmark.md").read())
    versus = result["vs_best_baseline"]
    print("| target | model | best baseline | ratio (95 % CI, diseases resampled) | met |\n|---|---|---|---|---|")
    for group, metric, label, bar in (
        ("all", "mrr", "≥ 1.20×", 1.2),
        ("all", "hits@10", "≥ 1.20×", 1.2),
        ("OMIM", "mrr", "≥ 1.20×", 1.2),
        ("OMIM", "hits@10", "≥ 1.20×", 1.2),
        ("novel-gene", "hits@100", "> every baseline", 1.0),
    ):
        c = versus[group][metric]
        ratio, (low, high) = c["ratio"], c["ci95"]
        if ratio is None:  # the baseline scores 0 (JSON null): any hit beats it
            shown, met = "no ratio (baseline 0)", c["model"] > 0
        else:
            shown, met = f"{ratio:.2f}× ({low:.2f}–{high:.2f})", ratio >= bar if bar > 1 else ratio > bar
        print(
            f"| {group} {metric} {label} | {c['model']:.3f} | {c['best']:.3f} ({c['baseline']}) | "
            f"{shown} | {'yes' if met else 'no'} |"
        )
    print("An interval's lower end under the bar means the margin is within the noise of these diseases.")


if __name__ == "__main__":
    main()
