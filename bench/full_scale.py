#!/usr/bin/env python3
"""Full-size TCGA inputs through the ETL: time, rows/s, peak memory and how cost grows (issue 11).

Generates full-size inputs in their published formats (``bench/full_scale_inputs.py``: fixed
seed, planted truths, kept in ``--data`` and reused), then for each fraction of each input
extracts it the way ``kg etl run -s SOURCE=FILE`` does (with the gene reference and the TCGA
projects it needs), each run in a fresh process, and prints per input and fraction: input rows,
seconds, rows/s, peak RSS of the process and the relationships it yields; then the scaling
exponent of seconds against rows (a least-squares slope on log–log; 1.0 is linear) and, on the
full run, whether every planted truth holds.

Inputs built so far: ``mc3`` (the MC3 pan-cancer MAF, 3.6M rows from 10,510 tumours in 33
projects, with a GDC tissue-source-site table). Still to come: the Xena Toil matrix, one large
GDC MAF, 1,000 STAR-count files and a GTEx v8 GCT, and loading into Neo4j.

Targets (issue 11, 2 cores): the MC3 MAF ≤ 2 min; peak RSS ≤ 4 GiB; exponent ≤ 1.15.

Usage: ``python bench/full_scale.py [--data ~/.cache/kg/full-scale] [--fractions 0.125,0.25,0.5,1]``
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import full_scale_inputs as inputs  # noqa: E402 - a sibling module of this script

SOURCES = {"mc3": "tcga-maf"}


def worker(kind: str, files: list[str]) -> None:
    """One extraction in this process; prints its figures as JSON."""
    from etl.pipeline import build_release
    from kg.schema import RelType
    from kg.settings import EtlSettings

    only = {"genes", "tcga-projects"} | ({SOURCES[kind]} if kind != "none" else set())
    overrides = {SOURCES[kind]: ",".join(files)} if kind != "none" else {}
    with tempfile.TemporaryDirectory(prefix="kg-full-scale-") as home:
        started = time.perf_counter()
        report = build_release(overrides, EtlSettings(), Path(home), write=False, only=only)
        total = time.perf_counter() - started
    result = next((r for r in report.results if kind != "none" and r.name == SOURCES[kind]), None)
    edges = result.edges.get(RelType.MUTATED_IN, []) if result else []
    print(
        json.dumps(
            {
                "seconds": result.seconds if result else 0.0,
                "total_seconds": total,
                "rows": (result.stats.get("maf_rows", 0) if result else 0),
                "relationships": sum(len(v) for v in result.edges.values()) if result else 0,
                "rejects": result.rejects if result else 0,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "mutated": {f"{e['start']}|{e['end']}": e["props"]["frequency"] for e in edges},
            }
        )
    )


def run(kind: str, files: list[Path]) -> dict:  # type: ignore[type-arg]
    cmd = [sys.executable, __file__, "--worker", kind, *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{kind} on {files}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(ys) on log(xs)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "kg" / "full-scale")
    parser.add_argument("--fractions", default="0.125,0.25,0.5,1")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.files)
        return
    fractions = [float(f) for f in args.fractions.split(",")]
    args.data.mkdir(parents=True, exist_ok=True)
    base = run("none", [])
    print(f"baseline (gene reference + TCGA projects only): peak RSS {base['peak_rss_mb']:.0f} MB")
    print(
        f"{'input':6s} {'fraction':>8s} {'rows':>10s} {'seconds':>8s} {'rows/s':>9s} {'peak RSS MB':>11s} {'rels':>7s}"
    )
    figures = []
    for fraction in fractions:
        name = f"SYNTHETIC_mc3.v0.2.8.PUBLIC.f{fraction:g}.maf.gz"
        truths_file = args.data / f"{name}.truths.json"
        if not truths_file.exists():
            started = time.perf_counter()
            inputs.write_mc3(args.data, fraction)
            print(f"  (generated {name} in {time.perf_counter() - started:.0f} s)", flush=True)
        truths = json.loads(truths_file.read_text())
        out = run("mc3", [args.data / name, args.data / "tissueSourceSite.tsv"])
        rate = out["rows"] / out["seconds"] if out["seconds"] else float("inf")
        print(
            f"{'mc3':6s} {fraction:8g} {out['rows']:10,d} {out['seconds']:8.1f} {rate:9,.0f} "
            f"{out['peak_rss_mb']:11,.0f} {out['relationships']:7,d}",
            flush=True,
        )
        figures.append((fraction, out, truths))
    if len(figures) > 1:
        exponent = slope([f[1]["rows"] for f in figures], [f[1]["seconds"] for f in figures])
        print(f"mc3 scaling exponent (seconds vs rows): {exponent:.2f} (target ≤ 1.15)")
    fraction, out, truths = figures[-1]
    wrong = [
        f"{d}: {t['symbol']} {out['mutated'].get(t['gene'] + '|' + d)} ≠ {t['frequency']}"
        for d, t in truths["planted"].items()
        if out["mutated"].get(t["gene"] + "|" + d) != t["frequency"]
    ]
    print(
        f"planted truths at fraction {fraction:g}: {len(truths['planted']) - len(wrong)}/{len(truths['planted'])} hold"
        + ("" if not wrong else "; " + "; ".join(wrong[:5]))
    )
    print(f"rows read {out['rows']:,} of {truths['rows']:,} written; rejects {out['rejects']}")
    if fraction == 1:
        met = "met" if out["seconds"] <= 120 else "not met"
        print(f"MC3 at full size: {out['seconds']:.0f} s (target ≤ 120 s: {met})")


if __name__ == "__main__":
    main()
