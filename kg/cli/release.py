"""``kg release``: publish the graph and the predictions as versioned bulk downloads (``kg.downloads``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from etl.sources import REGISTRY
from kg.cli.output import OutputFormat, console, emit, emit_json, progress
from kg.downloads import publish, releases
from kg.settings import load_settings
from kg.store import Neo4jStore

app = typer.Typer(
    help="Versioned bulk downloads of the graph and its predictions (Parquet + TSV, with a manifest).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def downloads_dir(out: Path | None) -> Path:
    """The downloads folder: ``--out``, else ``<KG_HOME>/downloads`` (what `kg serve` serves at /downloads/)."""
    return out if out is not None else load_settings().home / "downloads"


@app.command(name="publish")
def publish_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="Downloads folder (default: <KG_HOME>/downloads, served by kg serve).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Summary as table or json.")] = OutputFormat.table,
) -> None:
    """Write every association, node and served prediction as Parquet and gzipped TSV, one folder per release.

    The folder is named <graph release>-<model version> and holds manifest.json (SHA-256, row
    counts, source versions and licences) and a README.md that documents every column.
    """
    settings = load_settings()
    folder = downloads_dir(out)
    licences = {name: source.licence for name, source in REGISTRY.items()}
    started = time.perf_counter()
    with progress() as bar, Neo4jStore.from_settings(settings) as store:
        task = bar.add_task("publish tables", total=None)
        done = publish(store, settings.prediction_store, folder, licences, lambda _t, n: bar.advance(task, n))
    seconds = time.perf_counter() - started
    files = [f for f in done.manifest["files"] if f["format"] == "parquet"]
    if fmt is OutputFormat.json:
        emit_json({"folder": str(done.folder), "seconds": round(seconds, 2), "manifest": done.manifest})
        return
    emit(["table", "rows", "parquet MB"], [[f["table"], f["rows"], round(f["bytes"] / 1e6, 2)] for f in files], fmt)
    console.print(f"published {done.folder} in {seconds:.1f} s")


@app.command(name="list")
def list_cmd(
    out: Annotated[Path | None, typer.Option("--out", help="Downloads folder.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """The published releases, newest first."""
    found = releases(downloads_dir(out))
    rows = [
        [m["name"], m["created_at"], (m.get("model") or {}).get("model_version", "-"), len(m["files"])] for m in found
    ]
    if fmt is OutputFormat.json:
        emit_json(found)
        return
    emit(["release", "created", "model", "files"], rows, fmt)
