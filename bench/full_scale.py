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
projects, with a GDC tissue-source-site table; fractions take that share of the tumours) and
``xena`` (the Toil TPM matrix, 60,498 genes × 19,131 samples, and its phenotype file; fractions
take that share of the samples, all genes), ``gdc-maf`` (one GDC masked somatic MAF for
TCGA-BRCA, ~121k rows, ``#version`` header lines, project from the file name) and ``gtex`` (a
GTEx v8 gene median TPM GCT, 56,200 genes × 54 tissues; fractions take that share of the rows)
and ``star`` (1,000 GDC STAR-count files of 60,660 genes in a GDC download folder, with its
sample sheet; fractions take that share of the files).

Then, end to end (``--end-to-end tx|bulk``; ``off`` skips it): a fresh local Neo4j in a temporary
folder and one ``kg etl run`` with all five full-size inputs in place of the shipped samples
(``tx``: the transactional load; ``bulk``: ``--bulk``, neo4j-admin import into the empty
database), timed, with the command's peak RSS and the relationships in the graph afterwards.

Targets (issue 11, 2 cores): the MC3 MAF ≤ 2 min; Xena DE over 33 cohorts ≤ 10 min; peak RSS
≤ 4 GiB; exponent ≤ 1.15; the full-size set loaded end to end ≤ 30 min with peak RSS ≤ 4 GiB.

Usage: ``python bench/full_scale.py [--data ~/.cache/kg/full-scale] [--fractions 0.125,0.25,0.5,1]
[--end-to-end tx|bulk|off]``
"""

from __future__ import annotations

import argparse
import gzip
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

SOURCES = {"mc3": "tcga-maf", "gdc-maf": "tcga-maf", "xena": "xena", "gtex": "gtex", "star": "gdc-counts"}


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
    checked = (RelType.MUTATED_IN, RelType.UPREGULATED_IN, RelType.DOWNREGULATED_IN, RelType.EXPRESSED_IN)
    print(
        json.dumps(
            {
                "seconds": result.seconds if result else 0.0,
                "total_seconds": total,
                "rows": (result.stats.get("maf_rows", 0) if result else 0),
                "relationships": sum(len(v) for v in result.edges.values()) if result else 0,
                "rejects": result.rejects if result else 0,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "edges": {
                    rel.value: {
                        f"{e['start']}|{e['end']}": e["props"].get("frequency", e["props"].get("specificity"))
                        for e in result.edges.get(rel, [])
                    }
                    for rel in checked
                }
                if result
                else {},
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


def prepare(kind: str, data: Path, fraction: float) -> tuple[list[Path], dict]:  # type: ignore[type-arg]
    """The input files of ``kind`` at ``fraction`` (generated once, then reused) and their truths."""
    if kind == "mc3":
        name = f"SYNTHETIC_mc3.v0.2.8.PUBLIC.f{fraction:g}.maf.gz"
        write, files = inputs.write_mc3, [data / name, data / "tissueSourceSite.tsv"]
    elif kind == "gdc-maf":
        name = f"SYNTHETIC_TCGA.BRCA.f{fraction:g}.masked.somatic.maf.gz"
        write, files = inputs.write_gdc_maf, [data / name]
    elif kind == "star":
        name = f"SYNTHETIC_gdc_star_counts.f{fraction:g}"
        write, files = inputs.write_star_counts, [data / name]
    elif kind == "gtex":
        name = f"SYNTHETIC_GTEx_Analysis_2017-06-05_v8_RNASeQCv1.1.9_gene_median_tpm.f{fraction:g}.gct.gz"
        write, files = inputs.write_gtex, [data / name]
    else:
        name = f"SYNTHETIC_TcgaTargetGtex_rsem_gene_tpm.f{fraction:g}.gz"
        pheno = data / f"SYNTHETIC_TcgaTargetGTEX_phenotype.f{fraction:g}.txt.gz"
        write, files = inputs.write_xena, [data / name, pheno]
    truths_file = data / f"{name}.truths.json"
    if not truths_file.exists():
        started = time.perf_counter()
        write(data, fraction)
        print(f"  (generated {name} in {time.perf_counter() - started:.0f} s)", flush=True)
    return files, json.loads(truths_file.read_text())


def normals(pheno: Path) -> dict[str, int]:
    """Normal samples per disease in a generated phenotype file: TCGA normals plus its GTEx tissue's."""
    names = {study.lower(): disease for _, disease, study in inputs.projects()}
    tissue = dict(zip(names.values(), inputs._gtex_tissues(), strict=True))
    tcga: dict[str, int] = {}
    gtex: dict[str, int] = {}
    with gzip.open(pheno, "rt") as fh:
        next(fh)
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[6] == "TCGA" and f[4] == "Solid Tissue Normal":
                tcga[names[f[2].lower()]] = tcga.get(names[f[2].lower()], 0) + 1
            elif f[6] == "GTEX":
                gtex[f[1]] = gtex.get(f[1], 0) + 1
    return {d: tcga.get(d, 0) + gtex.get(tissue[d], 0) for d in names.values()}


def check(kind: str, out: dict, truths: dict, files: list[Path]) -> str:  # type: ignore[type-arg]
    """Whether the planted truths hold in a run's relationships."""
    if kind == "gtex":
        expressed = out["edges"]["EXPRESSED_IN"]
        only = sum(expressed.get(f"{g}|{t}") == 1.0 for g, t in truths["planted"].items())
        elsewhere = sum(k.split("|")[0] in truths["planted"] and v != 1.0 for k, v in expressed.items())
        planted = len(truths["planted"])
        return f"{only}/{planted} planted tissue-specific genes with specificity 1; {elsewhere} edges elsewhere"
    if kind in ("mc3", "gdc-maf"):
        found = out["edges"]["MUTATED_IN"]
        wrong = [
            f"{d}: {t['symbol']} {found.get(t['gene'] + '|' + d)} ≠ {t['frequency']}"
            for d, t in truths["planted"].items()
            if found.get(t["gene"] + "|" + d) != t["frequency"]
        ]
        return f"{len(truths['planted']) - len(wrong)}/{len(truths['planted'])} planted frequencies exact" + (
            "; " + "; ".join(wrong[:5]) if wrong else ""
        )
    up, down = out["edges"]["UPREGULATED_IN"], out["edges"]["DOWNREGULATED_IN"]
    planted = [(g, d, "up") for d, t in truths["planted"].items() for g in t["up"]]
    planted += [(g, d, "down") for d, t in truths["planted"].items() for g in t["down"]]
    found = {(g, d): f"{g}|{d}" in (up if way == "up" else down) for g, d, way in planted}
    extra = len(up) + len(down) - sum(found.values())
    if kind == "star":
        return f"planted DE genes: {sum(found.values())}/{len(found)} found; {extra} DE edges not planted"
    n = normals(files[1])
    parts = []
    for label, keep in (
        ("≥ 10 normals", lambda d: n[d] >= 10),
        ("3–9 normals", lambda d: 3 <= n[d] < 10),
        ("< 3 normals, not tested (as TCGA-DLBC/UVM have none)", lambda d: n[d] < 3),
    ):
        group = [v for (_, d), v in found.items() if keep(d)]
        if group:
            parts.append(f"{sum(group)}/{len(group)} found in cohorts with {label}")
    return "planted DE genes: " + "; ".join(parts) + f"; {extra} DE edges not planted"


def end_to_end(data: Path, mode: str) -> None:
    """All five full-size inputs through one ``kg etl run`` into an empty Neo4j; prints the figures."""
    import os

    from kg import local_neo4j
    from kg.store import Neo4jStore

    sources = {kind: prepare(kind, data, 1.0)[0] for kind in ("mc3", "gdc-maf", "xena", "gtex", "star")}
    by_source: dict[str, list[Path]] = {}
    for kind, files in sources.items():
        by_source.setdefault(SOURCES[kind], []).extend(files)
    with tempfile.TemporaryDirectory(prefix="kg-end-to-end-") as tmp:
        home = Path(tmp)
        with local_neo4j.scratch(home / "neo4j", tx_log_retention="100M size") as server:
            env = {
                **os.environ,
                "KG_HOME": str(home),
                "KG_NEO4J_URI": server.uri,
                "KG_NEO4J_TX_LOG_RETENTION": "100M size",
            }
            cmd = [sys.executable, "-m", "kg", "etl", "run", "--format", "json"]
            for name, files in by_source.items():
                cmd += ["-s", f"{name}={','.join(map(str, files))}"]
            if mode == "bulk":
                cmd.append("--bulk")
            started = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(f"kg etl run failed: {done.stderr[-3000:]}")
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
            with Neo4jStore(server.uri) as store:
                rels = sum(store.count_edges().values())
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    per_source = ", ".join(f"{s['source']} {s['seconds']:.0f} s" for s in summary["sources"] if s["seconds"] >= 1)
    met = wall <= 1800 and peak_mb <= 4096
    print(
        f"end to end ({mode}): kg etl run with all five full-size inputs into an empty Neo4j: {wall / 60:.1f} min, "
        f"peak RSS {peak_mb / 1024:.2f} GiB, {rels:,} relationships in the graph "
        f"(target ≤ 30 min and ≤ 4 GiB: {'met' if met else 'not met'}); extraction: {per_source}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "kg" / "full-scale")
    parser.add_argument("--fractions", default="0.125,0.25,0.5,1")
    parser.add_argument("--inputs", default="mc3,gdc-maf,xena,gtex,star")
    parser.add_argument("--end-to-end", choices=("tx", "bulk", "off"), default="tx")
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
        f"{'input':6s} {'fraction':>8s} {'size':>14s} {'seconds':>8s} {'per s':>11s} {'peak RSS MB':>11s} {'rels':>8s}"
    )
    for kind in filter(None, args.inputs.split(",")):  # --inputs "": the end-to-end run only
        figures = []
        for fraction in fractions:
            files, truths = prepare(kind, args.data, fraction)
            out = run(kind, files)
            if kind in ("mc3", "gdc-maf"):
                size, unit = out["rows"], "rows"
            else:
                width = truths.get("samples") or truths.get("tissues") or truths["files"]
                size, unit = truths["genes"] * width, "values"
            rate = size / out["seconds"] if out["seconds"] else float("inf")
            print(
                f"{kind:6s} {fraction:8g} {size:14,d} {out['seconds']:8.1f} {rate:11,.0f} "
                f"{out['peak_rss_mb']:11,.0f} {out['relationships']:8,d}  ({unit})",
                flush=True,
            )
            figures.append((fraction, size, out, truths, files))
        if len(figures) > 1:
            exponent = slope([f[1] for f in figures], [f[2]["seconds"] for f in figures])
            print(f"{kind} scaling exponent (seconds vs size): {exponent:.2f} (target ≤ 1.15)")
        fraction, _, out, truths, files = figures[-1]
        print(f"{kind} at fraction {fraction:g}: {check(kind, out, truths, files)}; rejects {out['rejects']}")
        if fraction == 1:
            limit = {"mc3": 120, "xena": 600}.get(kind)
            met = "" if limit is None else f" (target ≤ {limit} s: {'met' if out['seconds'] <= limit else 'not met'})"
            print(f"{kind} at full size: {out['seconds']:.0f} s{met}")
    if args.end_to_end != "off":
        end_to_end(args.data, args.end_to_end)


if __name__ == "__main__":
    main()
