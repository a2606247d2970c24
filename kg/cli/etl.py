"""``kg etl``: build a graph release from the sources and load it into Neo4j (the CLI edge of ``etl``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from etl.load import bulk_load_results, load_results
from etl.pipeline import RunReport, build_release, data_warnings, unchanged_sources
from etl.sources import REGISTRY
from kg.cli.output import OutputFormat, console, emit, emit_json, err_console, parse_pairs, progress
from kg.predictions import PredictionStore
from kg.published import current_set, versions
from kg.schema import missing_reference
from kg.settings import EtlSettings, load_settings
from kg.store import Neo4jStore

app = typer.Typer(
    help="Extract, validate and load the gene–disease sources into Neo4j.", no_args_is_help=True, rich_markup_mode=None
)


@app.command()
def run(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            help="NAME=PATH_OR_URL (repeatable; a source given twice, or with comma-separated files, reads all "
            "its files). "
            f"NAME: {', '.join(REGISTRY)}. Unset sources use the shipped defaults.",
        ),
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file (see docs/etl.md).")] = None,
    no_load: Annotated[bool, typer.Option("--no-load", help="Write the release files but do not load Neo4j.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Extract and validate only; write nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Reload sources even if unchanged.")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="First load into an EMPTY local database (`kg neo4j start`) with neo4j-admin import: "
            "stops the server, imports, starts it again. A database holding data is refused.",
        ),
    ] = False,
    bulk_files: Annotated[
        Path | None,
        typer.Option(
            "--bulk-files",
            help="Write the release as neo4j-admin import files into this folder and print the import "
            "command (for a server that is not the local runner, e.g. the neo4j image); loads nothing.",
        ),
    ] = None,
    maf_project: Annotated[str | None, typer.Option(help="TCGA project of MAFs whose name does not say it.")] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Build the release from these sources alone (repeatable or comma-separated, e.g. "
            "--only genes,hpo,go,interactions for a graph of one HPO release without later sources).",
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Summary as table or json.")] = OutputFormat.table,
) -> None:
    """Run the ETL: extract → validate → write a versioned release → load Neo4j idempotently."""
    settings = load_settings(config)
    etl = settings.etl.model_copy(update={"maf_project": maf_project} if maf_project else {})
    overrides = {**etl.sources, **parse_pairs(source or [], "--source", repeat=",")}
    chosen = {n.strip() for part in only or [] for n in part.split(",") if n.strip()} or None
    warnings = data_warnings(overrides, chosen)
    for line in warnings:
        err_console.print(f"[bold yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
    if warnings:
        err_console.print("[bold yellow]run `kg data install` to load the real reference data[/]")
    if not (dry_run or no_load or force or bulk or bulk_files is not None):
        started = time.perf_counter()
        with Neo4jStore.from_settings(settings) as store:
            loads = store.source_loads()
        names = unchanged_sources(overrides, etl, settings.home, loads, chosen)
        if names is not None:
            _nothing_to_do(names, loads, fmt, warnings, time.perf_counter() - started)
            return
    with progress() as bar:

        def start(description: str, total: int | None):  # noqa: ANN202
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        report = build_release(overrides, etl, settings.home, write=not dry_run, start=start, only=chosen)
        if bulk_files is not None and not dry_run:
            _write_bulk_files(report, bulk_files, etl)
            return
        if not (dry_run or no_load):
            with Neo4jStore.from_settings(settings) as store:
                if bulk:
                    from kg.cli.neo4j import server_config

                    server = server_config(settings)
                    done = bulk_load_results(store, server, report.release, report.results, etl, settings.home, start)
                    report.load = done["sources"]
                    console.print(
                        f"bulk import: {done['nodes']:,} nodes, {done['relationships']:,} relationships "
                        f"in {done['import_s']:.1f} s ({done['relationships'] / done['import_s']:,.0f} rels/s); "
                        f"{done['total_s']:.1f} s with files, restart and indexes"
                    )
                else:
                    report.load = load_results(store, report.release, report.results, etl, force=force, start=start)
    _summary(report, fmt, dry_run, warnings)


def _write_bulk_files(report: RunReport, folder: Path, etl: EtlSettings) -> None:
    from etl.load import write_release_files
    from kg.bulk import admin_arguments

    files = write_release_files(report.release, report.results, etl, folder)
    console.print(
        f"{files.node_count:,} nodes and {files.relationship_count:,} relationships in {folder}. With the server "
        "stopped and the database empty, import them (paths as the server sees the folder, here /import); "
        "then start it: the first `kg etl run` creates the indexes and finds every source unchanged."
    )
    console.print("neo4j-admin " + " ".join(admin_arguments(files, folder="/import")), soft_wrap=True, markup=False)


def _nothing_to_do(
    names: list[str], loads: list[dict[str, Any]], fmt: OutputFormat, warnings: list[str], seconds: float
) -> None:
    """A re-run whose every source has the files and settings it was loaded with: nothing extracted."""
    loaded = {row["source"]: row for row in loads}
    rows = [
        {"source": n, "load": "unchanged", "version": loaded[n].get("version"), "release": loaded[n].get("release")}
        for n in names
    ]
    releases = sorted({str(r["release"]) for r in rows})
    if fmt is OutputFormat.json:
        emit_json(
            {
                "release": releases[0] if len(releases) == 1 else releases,
                "release_dir": None,
                "seconds": round(seconds, 2),
                "extracted": False,
                "warnings": warnings,
                "sources": rows,
            }
        )
        return
    console.print(
        f"nothing to do: the {len(names)} sources have the files and settings they were loaded with "
        f"(release {', '.join(releases)}; checked in {seconds:.1f} s). `--force` extracts and reloads them."
    )


def _summary(report: RunReport, fmt: OutputFormat, dry_run: bool, warnings: list[str]) -> None:
    rows = []
    for r in report.results:
        counts = r.counts()
        rows.append(
            [
                r.name,
                "yes" if r.synthetic else "no",
                sum(v for k, v in counts.items() if k.startswith("nodes:")),
                sum(v for k, v in counts.items() if k.startswith("edges:")),
                r.rejects,
                r.unresolved,
                round(r.seconds, 2),
                report.load.get(r.name, "dry-run" if dry_run else "not loaded"),
                r.version,
            ]
        )
    columns = ["source", "synthetic", "nodes", "edges", "rejects", "unresolved", "seconds", "load", "version"]
    if fmt is OutputFormat.json:
        emit_json(
            {
                "release": report.release,
                "release_dir": str(report.release_dir) if report.release_dir else None,
                "seconds": round(report.seconds, 2),
                "warnings": warnings,
                "sources": [
                    {**dict(zip(columns, row, strict=True)), "stats": r.stats}
                    for row, r in zip(rows, report.results, strict=True)
                ],
            }
        )
        return
    table = Table(title=f"release {report.release} ({report.seconds:.1f}s to build)")
    for c in columns[:-1]:
        numeric = c in ("nodes", "edges", "rejects", "unresolved", "seconds")
        table.add_column(c, justify="right" if numeric else "left", no_wrap=True)
    for row in rows:
        table.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row[:-1]])
    console.print(table)
    versions = Table(title="source versions")
    versions.add_column("source", no_wrap=True)
    versions.add_column("version", overflow="fold")
    for row in rows:
        versions.add_row(str(row[0]), str(row[-1]))
    console.print(versions)
    if report.release_dir:
        console.print(f"release files: {report.release_dir}")
    for line in warnings:
        console.print(f"[bold yellow]warning:[/] {line} — run `kg data install`", highlight=False, soft_wrap=True)


@app.command()
def status(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table) -> None:
    """Show what is loaded: each source's version, release and state, counts per type, and the predictions."""
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        loads = store.source_loads()
        nodes = store.count_nodes()
        edges = store.count_edges()
        in_graph = versions(store)
        published = current_set(store)
    store_file = settings.prediction_store
    current = PredictionStore(store_file).current_model() if store_file.is_file() else None
    keys = ("model_version", "run", "graph_release", "trained_at", "written_at", "synthetic")
    model: dict[str, Any] | None = {k: current.get(k) for k in keys} if current else None
    shared = {k: (published or {}).get(k) for k in ("model_version", "run", "rows", "published_at")}
    predictions = {
        "store": str(store_file),
        "current_model": model,
        "neo4j_edges_per_model": in_graph,
        "published_set": shared if published else None,
    }
    cols = ["source", "state", "version", "release", "synthetic", "updated_at"]
    if fmt is OutputFormat.json:
        emit_json(
            {
                "sources": [{c: row.get(c) for c in cols} for row in loads],
                "nodes": nodes,
                "edges": edges,
                "predictions": predictions,
                "missing_reference": missing_reference({r["source"]: bool(r.get("synthetic")) for r in loads}),
            }
        )
        return
    emit(cols, [[row.get(c, "") for c in cols] for row in loads], fmt, title="sources")
    lacking = missing_reference({row["source"]: bool(row.get("synthetic")) for row in loads})
    if lacking:
        console.print(
            f"[bold yellow]real reference data missing from this graph: {', '.join(lacking)} "
            "(run `kg data install`, then `kg etl run`)[/]"
        )
    incomplete = [row["source"] for row in loads if row.get("state") != "loaded"]
    if incomplete:
        console.print(f"[yellow]incomplete load of {', '.join(incomplete)}: run `kg etl run` again to finish it[/]")
    emit(["label/type", "count"], [[k, v] for k, v in {**nodes, **edges}.items()], fmt, title="graph")
    rows = [[k, str(v)] for k, v in (model or {}).items()] or [["current model", "none (run `kg predict`)"]]
    rows += [[f"PREDICTED_ASSOCIATION edges of {v}", str(n)] for v, n in in_graph.items()]
    if published:
        rows.append(["published set (API replicas)", f"{published['model_version']} run {published['run']}"])
    emit(["predictions", "value"], rows, fmt, title=f"predictions ({store_file})")


@app.command()
def sources() -> None:
    """List the registered sources, their shipped defaults, and what is missing (see `kg data status`)."""
    missing = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in data_warnings({})}
    emit(
        ["name", "description", "default", "reference data"],
        [
            [s.name, s.description, (s.default_location() or "-")[:80], missing.get(s.name, "ok")]
            for s in REGISTRY.values()
        ],
        OutputFormat.table,
    )
    if missing:
        console.print("[bold yellow]reference data is missing: run `kg data install`[/]")
