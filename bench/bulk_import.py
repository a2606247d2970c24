#!/usr/bin/env python3
"""Bulk import vs transactional load of the default graph into an empty database (issue 11).

Builds the default release once (``kg etl run``'s sources, not written to ``$KG_HOME``), then
loads it into two fresh local servers in temporary folders, one after the other on the same
machine: the transactional path (``etl.load.load_results``, what ``kg etl run`` does) and the
bulk path (``etl.load.bulk_load_results``, ``kg etl run --bulk``: import files, ``neo4j-admin
database import full``, restart, constraints and indexes). Prints relationships/s of each, the
ratio, and checks that both graphs have the same counts per label and type (the property-level
comparison is ``tests/etl/test_pipeline_neo4j.py``).

Target (issue 11): bulk ≥ 250,000 relationships/s and ≥ 4× the transactional load.

Usage: ``python bench/bulk_import.py``
"""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

from etl.load import bulk_load_results, load_results
from etl.pipeline import build_release
from kg import local_neo4j
from kg.settings import load_settings
from kg.store import Neo4jStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    settings = load_settings()
    etl = settings.etl
    with tempfile.TemporaryDirectory(prefix="kg-bulk-bench-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        report = build_release(dict(etl.sources), etl, root / "home", write=False)
        print(f"release {report.release} built in {time.monotonic() - started:.0f} s")
        figures: dict[str, dict[str, float]] = {}
        counts: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
        for path in ("transactional", "bulk"):
            server = local_neo4j.ServerConfig(
                home=root / path, port=free_port(), heap_mb=settings.neo4j_heap_mb, pagecache_mb=1024
            )
            local_neo4j.start(server)
            try:
                with Neo4jStore(server.uri, retry_s=60.0) as store:
                    began = time.monotonic()
                    if path == "bulk":
                        done = bulk_load_results(store, server, report.release, report.results, etl, root)
                        figures[path] = {"seconds": done["import_s"], "total": done["total_s"]}
                        steps = ", ".join(f"{k[:-2]} {done[k]:.1f} s" for k in ("files_s", "start_s", "schema_s"))
                        print(f"bulk steps besides the import: {steps} (the rest: stopping the server)")
                    else:
                        load_results(store, report.release, report.results, etl)
                        elapsed = time.monotonic() - began
                        figures[path] = {"seconds": elapsed, "total": elapsed}
                    counts[path] = (store.count_nodes(), store.count_edges())
            finally:
                local_neo4j.stop(server)
        relationships = sum(counts["transactional"][1].values())
        print(f"{'path':<15} {'relationships':>13} {'seconds':>8} {'rels/s':>10} {'total s':>8}")
        for path, f in figures.items():
            print(
                f"{path:<15} {relationships:>13,} {f['seconds']:>8.1f} {relationships / f['seconds']:>10,.0f} "
                f"{f['total']:>8.1f}"
            )
        ratio = figures["transactional"]["seconds"] / figures["bulk"]["seconds"]
        whole = figures["transactional"]["total"] / figures["bulk"]["total"]
        print(f"bulk import vs transactional load: {ratio:.1f}x faster (import step); {whole:.1f}x end to end")
        print("same counts per label and type:", counts["transactional"] == counts["bulk"])


if __name__ == "__main__":
    main()
