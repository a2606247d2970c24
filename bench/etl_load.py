#!/usr/bin/env python3
"""Load benchmark: ≥ 1M generated relationships into a real Neo4j 5.26 server.

Prints relationships/s for a fresh load and for an idempotent re-run (the ETL's own
``etl.load.write_edges``), and — in the same run, on the same server — the per-row path
(one MERGE query per row, one transaction each), measured on a subset and extrapolated.

The benchmark starts its own server in a temporary folder (it wipes the graph it loads),
so a user's database is never touched.

Usage: ``python bench/etl_load.py [--edges 1000000] [--per-row 5000] [--workers 2]``

What moved the fresh-load figure on 2 cores (each measured with this script): the Rust
packstream extension (the pure-Python driver packed only ~28k rows/s), literal
``SET r.k = row.props.k`` instead of ``SET r += map`` (removes an Eager barrier), CREATE for
sources with no edges yet, two writer transactions on rows sorted by start node, ParallelGC,
batches grouped by start node. What did not: 3+ writers, batches of 5k/20k/25k, sorting by
end node (worse), disabling Python's GC during batching.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from etl.load import write_edges
from kg import local_neo4j
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore, batched


def generate(n_genes: int, n_diseases: int, n_edges: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_edges:
        pairs.add((rng.randrange(n_genes), rng.randrange(n_diseases)))
    rows = []
    for g, d in pairs:
        n = rng.randrange(1, 50)
        rows.append(
            {
                "start": f"NCBIGene:{g + 1}",
                "end": f"MONDO:{d + 1:07d}",
                "props": {
                    "source": "bench",
                    "source_version": "v1",
                    "release": "bench-r1",
                    "n_mutated": n,
                    "n_samples": 50,
                    "frequency": n / 50,
                },
            }
        )
    return rows


def per_row(store: Neo4jStore, rows: list[dict]) -> float:
    """The naive path: one parameterised MERGE per row, each in its own write transaction."""
    query = (
        "MATCH (a:Gene {id: $start}) MATCH (b:Disease {id: $end}) "
        "MERGE (a)-[r:MUTATED_IN {source: $props.source}]->(b) SET r += $props"
    )
    t0 = time.perf_counter()
    with store.driver.session() as session:
        for row in rows:
            session.execute_write(lambda tx, r=row: tx.run(query, **r).consume())
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--genes", type=int, default=40_000)
    parser.add_argument("--diseases", type=int, default=2_000)
    parser.add_argument("--per-row", type=int, default=5_000, help="rows timed on the per-row path")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()

    with local_neo4j.scratch() as config, Neo4jStore(config.uri) as store:
        store.ensure_schema()
        for label, ids in (
            (NodeLabel.GENE, [f"NCBIGene:{i + 1}" for i in range(args.genes)]),
            (NodeLabel.DISEASE, [f"MONDO:{i + 1:07d}" for i in range(args.diseases)]),
        ):
            for chunk in batched(({"id": i} for i in ids), args.batch):
                store.merge_nodes(label, chunk)
        rows = generate(args.genes, args.diseases, args.edges)
        # baseline first, on its own source key, then removed
        sample = [{**r, "props": {**r["props"], "source": "bench-per-row"}} for r in rows[: args.per_row]]
        t_row = per_row(store, sample)
        store.delete_stale_edges("bench-per-row", "none")
        row_rate = len(sample) / t_row

        t0 = time.perf_counter()
        write_edges(store, RelType.MUTATED_IN, rows, args.batch, args.workers, fresh=True)
        t_fresh = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_edges(store, RelType.MUTATED_IN, rows, args.batch, args.workers, fresh=False)
        t_rerun = time.perf_counter() - t0
        count = store.count_edges()["MUTATED_IN"]

    assert count == args.edges, f"expected {args.edges} relationships after the re-run, found {count}"
    fresh_rate, rerun_rate = args.edges / t_fresh, args.edges / t_rerun
    figures = {
        "relationships": args.edges,
        "fresh_load_s": round(t_fresh, 2),
        "fresh_rels_per_s": round(fresh_rate),
        "idempotent_rerun_s": round(t_rerun, 2),
        "rerun_rels_per_s": round(rerun_rate),
        "relationships_after_rerun": count,
        "per_row_rows_measured": len(sample),
        "per_row_rels_per_s": round(row_rate),
        "per_row_extrapolated_s_for_all": round(args.edges / row_rate, 1),
        "ratio_fresh_vs_per_row": round(fresh_rate / row_rate, 1),
        "ratio_rerun_vs_per_row": round(rerun_rate / row_rate, 1),
        "workers": args.workers,
        "batch": args.batch,
    }
    print(f"fresh load:      {args.edges:,} relationships in {t_fresh:.1f}s = {fresh_rate:,.0f} rels/s")
    print(
        f"idempotent rerun: {args.edges:,} relationships in {t_rerun:.1f}s = {rerun_rate:,.0f} rels/s "
        f"(count after rerun: {count:,})"
    )
    print(
        f"per-row baseline: {len(sample):,} rows in {t_row:.1f}s = {row_rate:,.0f} rels/s "
        f"(extrapolated to {args.edges:,}: {args.edges / row_rate:,.0f}s)"
    )
    print(f"ratio vs per-row: fresh {fresh_rate / row_rate:.1f}x, rerun {rerun_rate / row_rate:.1f}x")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
