#!/usr/bin/env python3
"""The saved model against the phenotype baselines on its own disease-held-out split (seconds).

``kg evaluate`` gives the full table (it also trains GraphSAGE and DistMult, ~15 min on the
default graph); this prints the model's saved test metrics next to simGIC and popularity on the
same rebuilt split and scoring protocol, and the ratios model / simGIC.

Usage: ``python bench/heldout.py [--model runs/latest]`` (after ``kg train``; reads the cached export).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gnn.artefacts import Run
from gnn.baselines import PhenotypeSimilarity, Popularity
from gnn.evaluation import score_pairs
from gnn.export import ExportCache, load
from gnn.report import _rebuild
from kg.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("runs/latest"))
    args = parser.parse_args()
    release = Run(args.model).graph_release
    folder = ExportCache.of_home(load_settings().home).find(release)
    if folder is None:
        raise SystemExit(f"no cached export of graph release {release}: run `kg train` first")
    ctx, saved, split = _rebuild(load(folder), args.model)
    n = ctx.num_nodes
    rows = {"model (saved test metrics)": saved["metrics"]}
    for name, baseline in (("simGIC", PhenotypeSimilarity(n, split)), ("popularity", Popularity(n, split))):
        rows[name] = score_pairs(baseline, split, split.test, n["Gene"]).metrics
    diseases = len(set(split.test[1].tolist()))
    print(f"disease-held-out test split: {split.test.shape[1]} gene links of {diseases} held-out test diseases")
    print("| model | MRR | Hits@1 | Hits@10 | Hits@50 | AUROC |\n|---|---|---|---|---|---|")
    for name, m in rows.items():
        cells = " | ".join(f"{m[k]:.3f}" for k in ("mrr", "hits@1", "hits@10", "hits@50", "auroc"))
        print(f"| {name} | {cells} |")
    mine, theirs = rows["model (saved test metrics)"], rows["simGIC"]
    print(f"model / simGIC: MRR {mine['mrr'] / theirs['mrr']:.2f}×, Hits@10 {mine['hits@10'] / theirs['hits@10']:.2f}×")


if __name__ == "__main__":
    main()
