"""Rendering results for people (rich tables) and scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    csv = "csv"


def emit(columns: list[str], rows: list[list[Any]], fmt: OutputFormat, title: str | None = None) -> None:
    """Print rows as a table, JSON (list of objects) or CSV."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2, default=str) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[json.dumps(v) if isinstance(v, dict | list) else v for v in r] for r in rows])
    else:
        table = Table(title=title)
        for c in columns:
            table.add_column(c, overflow="fold")  # long values wrap, never cut to "…" (piped output is 80 wide)
        for r in rows:
            table.add_row(*[json.dumps(v, default=str) if isinstance(v, dict | list) else str(v) for v in r])
        console.print(table)


def parse_pairs(pairs: list[str], param_hint: str, repeat: str | None = None) -> dict[str, str]:
    """``["k=v", …]`` → ``{k: v}``; a pair without ``=`` or key is a usage error.

    A repeated key is a usage error too, unless ``repeat`` joins the values (``","`` for
    ``--source``, whose locations are comma lists): nothing given is silently dropped.
    """
    import typer

    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=param_hint)
        if key in out:
            if repeat is None:
                raise typer.BadParameter(f"{key} given twice ({out[key]!r} and {value!r})", param_hint=param_hint)
            value = out[key] + repeat + value
        out[key] = value
    return out


def emit_json(obj: Any) -> None:
    """Print one JSON document."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


class RowsPerSecond(ProgressColumn):
    """Shows the task's throughput in rows/s."""

    def render(self, task: Task) -> Text:
        """Render the speed."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="cyan")


def progress(unit: str = "rows") -> Progress:
    """A progress display with rows/s, on stderr so stdout stays clean for --format json.

    Args:
        unit: ``rows`` shows a rows/s column; anything else (e.g. epochs) leaves it out.
    """
    speed = [RowsPerSecond()] if unit == "rows" else []
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *speed,
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
