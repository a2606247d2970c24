#!/usr/bin/env python3
"""Time of ``kg release publish`` on the live graph, against a row-per-record read of the same edges.

Publishes the graph and the current predictions into a scratch folder (every table in Parquet and
gzipped TSV, checksums, README) and reports its wall time, rows and rows/s. As the baseline in the
same run it reads one association type (``INTERACTS_WITH`` by default) the straightforward way, a
driver record per edge, and prints both throughputs and their ratio. Needs the graph
(``kg neo4j start``). Target (issue 33): the default graph published in ≤ 60 s on 2 cores.

Usage: ``python bench/publish.py [--baseline-type INTERACTS_WITH]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from etl.sources import REGISTRY
from kg.downloads import publish, read_table
from kg.schema import RelType
from kg.settings import load_settings
from kg.store import Neo4jStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-type", type=RelType, default=RelType.INTERACTS_WITH)
    args = parser.parse_args()
    settings = load_settings()
    licences = {name: source.licence for name, source in REGISTRY.items()}
    with Neo4jStore.from_settings(settings) as store, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = publish(store, settings.prediction_store, Path(tmp), licences)
        seconds = time.perf_counter() - started
        files = [f for f in done.manifest["files"] if f["format"] == "parquet"]
        rows = sum(f["rows"] for f in files)
        size = sum(f["bytes"] for f in done.manifest["files"]) / 1e6
        started = time.perf_counter()
        for f in files:
            read_table(Path(tmp), f["table"])  # SHA-256 checked, then read by pandas
        read_s = time.perf_counter() - started
        rel = args.baseline_type.value
        started = time.perf_counter()
        query = f"MATCH (a)-[r:{rel}]->(b) RETURN a.id AS a, b.id AS b, properties(r) AS p"  # an enum value
        naive = store.read(lambda tx: [record.values() for record in tx.run(query)])
        naive_s = time.perf_counter() - started
    print(f"kg release publish: {seconds:.1f} s for {len(files)} tables, {rows:,} rows, {size:.1f} MB on disk")
    print(f"  {rows / seconds:,.0f} rows/s written (Parquet + TSV.gz + checksums)")
    print(f"  read back, checksums verified: {read_s:.1f} s")
    print(f"baseline, a driver record per edge of {rel}: {len(naive):,} rows in {naive_s:.1f} s")
    print(f"  {len(naive) / naive_s:,.0f} rows/s read only")
    print(f"publish ÷ baseline throughput: {(rows / seconds) / (len(naive) / naive_s):.2f}×")
    print(f"target ≤ 60 s: {'met' if seconds <= 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
