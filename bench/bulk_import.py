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

The two paths alternate ``--rounds`` times (default 2), each load into its own fresh server.

Usage: ``python bench/bulk_import.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from etl.load import bulk_load_results, load_results
from etl.pipeline import RunReport, build_release
from kg import local_neo4j
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore


def load_once(path: str, root: Path, settings: Settings, report: RunReport, n: int) -> dict[str, Any]:
    """Load the release into a fresh local server by ``path``; its seconds and the graph's counts."""
    scratch = local_neo4j.scratch(root / f"{path}-{n}", heap_mb=settings.neo4j_heap_mb, remove=True)
    with scratch as server, Neo4jStore(server.uri, retry_s=60.0) as store:
        began = time.monotonic()
        if path == "bulk":
            done = bulk_load_results(store, server, report.release, report.results, settings.etl, root)
            out: dict[str, Any] = {"seconds": done["import_s"], "total": done["total_s"]}
            out.update({k: done[k] for k in ("files_s", "start_s", "schema_s")})
        else:
            load_results(store, report.release, report.results, settings.etl)
            out = {"seconds": time.monotonic() - began}
            out["total"] = out["seconds"]
        out["counts"] = (store.count_nodes(), store.count_edges())
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternated transactional/bulk pairs (default 2)")
    rounds = parser.parse_args().rounds
    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="kg-bulk-bench-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        report = build_release(dict(settings.etl.sources), settings.etl, root / "home", write=False)
        print(f"release {report.release} built in {time.monotonic() - started:.0f} s")
        runs: dict[str, list[dict[str, Any]]] = {"transactional": [], "bulk": []}
        for n in range(rounds):  # alternated: the machine's drift hits both paths alike
            for path in runs:
                runs[path].append(load_once(path, root, settings, report, n))
            bulk = runs["bulk"][-1]
            steps = ", ".join(f"{k[:-2]} {bulk[k]:.1f} s" for k in ("files_s", "start_s", "schema_s"))
            print(f"round {n + 1}: bulk steps besides the import: {steps} (the rest: stopping the server)")
        relationships = sum(runs["transactional"][0]["counts"][1].values())
        print(f"{'path':<15} {'relationships':>13} {'seconds':>8} {'rels/s':>10} {'total s':>8}")
        for path, done in runs.items():
            for f in done:
                print(
                    f"{path:<15} {relationships:>13,} {f['seconds']:>8.1f} {relationships / f['seconds']:>10,.0f} "
                    f"{f['total']:>8.1f}"
                )
        ratios = [t["seconds"] / b["seconds"] for t, b in zip(runs["transactional"], runs["bulk"], strict=True)]
        whole = [t["total"] / b["total"] for t, b in zip(runs["transactional"], runs["bulk"], strict=True)]
        rates = [relationships / b["seconds"] for b in runs["bulk"]]
        print(
            f"bulk import: {min(rates):,.0f}–{max(rates):,.0f} rels/s (target ≥ 250,000); "
            f"{min(ratios):.1f}–{max(ratios):.1f}x the transactional load (import step, target ≥ 4x), "
            f"{min(whole):.1f}–{max(whole):.1f}x end to end, over {rounds} alternated round(s)"
        )
        counts = {str(r["counts"]) for done in runs.values() for r in done}
        print("same counts per label and type in every load:", len(counts) == 1)


if __name__ == "__main__":
    main()
