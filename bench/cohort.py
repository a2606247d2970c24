#!/usr/bin/env python3
"""Cohort speed: ``kg rank --phenopacket DIR --out DIR`` on N real phenopackets, against a baseline in the same run.

Ranks N phenopackets of phenopacket-store's A–M cohorts (every k-th file, so many genes are in)
with the served model, as ``kg rank --phenopacket DIR --out DIR`` does (genes and diseases per
patient, PhEval files, top.parquet), in-process after one model load, and prints the seconds,
the milliseconds per patient and the ratio to a baseline timed in the same run: the same
patients read, resolved and ranked by the IC-weighted cosine with every gene's phenotype profile,
the cheapest real ranker. It also times one patient's answer as ``kg rank`` and ``kg diagnose`` give it
(genes, and a diagnosis with its reasons). Targets: 1,000 patients in ≤ 5 min on 2 cores, one
patient in ≤ 0.5 s.

Usage: ``python bench/cohort.py --store PHENOPACKET_STORE [--patients 1000] [--model runs/latest]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.patients import am_files  # noqa: E402
from gnn.answers import Answers  # noqa: E402
from gnn.cohort import rank_cohort  # noqa: E402
from gnn.runs import load_context  # noqa: E402
from kg import queries  # noqa: E402
from kg.diseases import read_disease_space  # noqa: E402
from kg.errors import KGError  # noqa: E402
from kg.patient import read_phenopacket  # noqa: E402
from kg.store import Neo4jStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--model", type=Path, default=ROOT / "runs" / "latest")
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("KG_HOME", ROOT / ".kg")))
    parser.add_argument("--uri", default=os.environ.get("KG_NEO4J_URI", "bolt://127.0.0.1:7687"))
    args = parser.parse_args()
    files = am_files(args.store)
    files = files[:: max(1, len(files) // args.patients)][: args.patients]
    start = time.perf_counter()
    with Neo4jStore(args.uri) as store:
        alternatives = queries.phenotype_alternatives(store)
        space = read_disease_space(store)
        ctx = load_context(args.home, args.model, store, alternatives=lambda: alternatives)
    answers = Answers(ctx, lambda: space)
    ctx.encoded()
    load = time.perf_counter() - start

    # baseline: read, resolve, IC-weighted cosine over every gene's profile (the prior's plain IC, ancestors)
    prior = ctx.patients().prior
    links = ctx.edges[("Gene", "ASSOCIATED_WITH", "Disease")]
    profiles = torch.zeros(ctx.num_nodes["Gene"], prior.ic.numel())
    dense = prior.propagated.to_dense()
    profiles.index_add_(0, links[0], dense[links[1]])
    profiles = profiles.clamp(max=1) * prior.ic
    profiles = profiles / profiles.norm(dim=1, keepdim=True).clamp(min=1e-12)
    resolver = ctx.term_resolver()
    start = time.perf_counter()
    for f in files:
        try:
            patient = resolver.resolve(read_phenopacket(f))
            observed, _ = ctx.patients().terms(patient)
        except KGError:
            continue
        q = prior.ancestors(observed) * prior.ic
        torch.topk(q @ profiles.t(), 100)
    baseline = time.perf_counter() - start

    # one patient at a time, as `kg rank` / `kg diagnose` / the API answer it: genes (top 20) and
    # the differential diagnosis (top 10) with every reason; the first request builds the
    # lazily made parts (the ranker's features, the walk) and is reported on its own
    single = []
    for f in files[:: max(1, len(files) // 50)][:50]:
        request = {"patient": read_phenopacket(f).to_json(), "top": 20}
        start = time.perf_counter()
        try:
            answers({**request, "op": "rank"})
            answers({**request, "op": "diagnose", "top": 10})
        except KGError:
            continue
        single.append(time.perf_counter() - start)
    first, single = single[0], sorted(single[1:])

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run = rank_cohort(answers, files, Path(out), top=100)
        seconds = time.perf_counter() - start
    n = len(files)
    print(f"{n:,} phenopackets ({run.ranked:,} ranked, {len(run.skipped)} skipped); model loaded in {load:.1f} s")
    print(
        f"kg rank --phenopacket DIR --out DIR: {seconds:.1f} s, {1000 * seconds / n:.0f} ms per patient "
        f"(genes and diseases, top 100, PhEval files + Parquet)"
    )
    print(
        f"baseline (read, resolve, IC-weighted cosine top 100): {baseline:.1f} s, "
        f"{1000 * baseline / n:.0f} ms per patient"
    )
    print(f"ratio {seconds / baseline:.1f}×; 1,000 patients ≈ {seconds / n * 1000 / 60:.1f} min (target ≤ 5 min)")
    print(
        f"one patient in-process (genes top 20 + diagnosis top 10 with reasons, {len(single)} patients): "
        f"median {1000 * single[len(single) // 2]:.0f} ms, p95 {1000 * single[int(0.95 * (len(single) - 1))]:.0f} ms, "
        f"max {1000 * single[-1]:.0f} ms (target ≤ 500 ms); the first request after loading {1000 * first:.0f} ms"
    )


if __name__ == "__main__":
    main()
