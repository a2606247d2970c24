#!/usr/bin/env python3
"""Latency of ``kg rank --phenotypes`` and ``kg predict`` with the served model vs the phenotype prior alone.

Loads the run once, times the first ranking (it builds the network's graph), then times,
alternating, a phenotype-set ranking (four Marfan-like terms) and predictions for 640 diseases
with what the run serves (its evidence network; an older run's ranker or logit) and, as the
baseline in the same run, the phenotype prior alone (IC-weighted similarity to each gene's known
diseases, top genes by ``torch.topk``). Prints both and their ratio. Needs the graph the run was
trained on (``kg neo4j start``). Target (issue 32): ``kg rank --phenotypes`` ≤ 1 s in-process.

Usage: ``python bench/rank_latency.py [--model runs/latest] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from gnn.runs import load_context
from gnn.split import TARGET
from kg.settings import DEFAULT_RUN, load_settings
from kg.store import Neo4jStore

#: Arachnodactyly, ectopia lentis, aortic root aneurysm, tall stature.
TERMS = ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0000098"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        ctx = load_context(settings.home, args.model, store)
    prior = ctx.prior
    if prior is None:
        raise SystemExit(f"{args.model} has no phenotype prior: nothing to compare with")
    served = "evidence network" if ctx.evidence is not None else "ranker" if ctx.ranker is not None else "logit"
    links = ctx.edges[TARGET]
    terms = torch.tensor([ctx.lookup("Phenotype", t) for t in TERMS])
    diseases = torch.unique(links[1])[:640]
    start = time.perf_counter()
    ctx.rank_phenotypes(TERMS, top=10)
    first = time.perf_counter() - start

    def baseline_rank() -> list[int]:
        return torch.topk(prior.scores_for_terms(terms, links)[0], 10).indices.tolist()

    def baseline_predict() -> None:
        for part in diseases.split(64):
            torch.topk(prior.scores(part, links), 20, dim=1)

    timings: dict[str, dict[str, list[float]]] = {
        served: {"rank": [], "predict": []},
        "prior": {"rank": [], "predict": []},
    }
    top: dict[str, list[str]] = {}
    for _ in range(args.rounds):
        start = time.perf_counter()
        rows = ctx.rank_phenotypes(TERMS, top=10)
        timings[served]["rank"].append(time.perf_counter() - start)
        top[served] = [str(r["symbol"]) for r in rows]
        start = time.perf_counter()
        ctx.predict(top=20, diseases=diseases.tolist())
        timings[served]["predict"].append(time.perf_counter() - start)
        start = time.perf_counter()
        genes = baseline_rank()
        timings["prior"]["rank"].append(time.perf_counter() - start)
        top["prior"] = [str(ctx.name("Gene", g)) for g in genes]
        start = time.perf_counter()
        baseline_predict()
        timings["prior"]["predict"].append(time.perf_counter() - start)
    print(f"model {ctx.version} ({served}); first ranking after loading: {first:.2f} s")
    for name, t in timings.items():
        print(
            f"{name:16s} kg rank {min(t['rank']):.3f}–{max(t['rank']):.3f} s (target ≤ 1 s); "
            f"predict {1000 * min(t['predict']) / len(diseases):.2f} ms per disease; top 10: {', '.join(top[name])}"
        )
    for op in ("rank", "predict"):
        ratio = min(timings[served][op]) / min(timings["prior"][op])
        print(f"{op}: {served} / prior alone = {ratio:.2f}×")


if __name__ == "__main__":
    main()
