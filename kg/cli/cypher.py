"""``kg cypher``: read-only Cypher for bioinformaticians."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli.output import OutputFormat, emit, err_console, parse_pairs
from kg.cypher import run_read_only
from kg.settings import load_settings
from kg.store import Neo4jStore


class CypherFormat(StrEnum):
    """Output of ``kg cypher``."""

    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


_TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": None, "json": json.loads}


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``name=value`` pairs → dict.

    ``name:str=17`` (also ``:int``, ``:float``, ``:bool``, ``:json``) gives the type; without a
    suffix the value is read as JSON when it parses (``17`` → integer, ``[1,2]`` → list,
    ``"17"`` → string), else kept as a string — as ``:param`` does in Neo4j Browser.
    """
    params: dict[str, Any] = {}
    for key, value in parse_pairs(pairs, "--param").items():
        name, _, kind = key.partition(":")
        if kind and kind not in _TYPES:
            raise typer.BadParameter(
                f"unknown type {kind!r} in {key!r} (use {', '.join(_TYPES)})", param_hint="--param"
            )
        try:
            if kind == "bool":
                if value.lower() not in ("true", "false"):
                    raise ValueError(f"not true/false: {value!r}")
                params[name] = value.lower() == "true"
            elif kind:
                params[name] = _TYPES[kind](value)
            else:
                try:
                    params[name] = json.loads(value)
                except json.JSONDecodeError:
                    params[name] = value
        except ValueError as exc:
            raise typer.BadParameter(f"{key}={value}: {exc}", param_hint="--param") from exc
    return params


def cypher(
    query: Annotated[
        str,
        typer.Argument(
            help="A read-only Cypher query; use $name for parameters. Start it with EXPLAIN for the plan or "
            "PROFILE for the profiled plan."
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Parameter name=value (repeatable). The value is JSON when it parses (17 is an integer, "
            "'\"17\"' a string); force a type with name:str=17, :int, :float, :bool or :json.",
        ),
    ] = None,
    fmt: Annotated[
        CypherFormat, typer.Option("--format", help="table, json, csv, or parquet (with --out).")
    ] = CypherFormat.table,
    out: Annotated[Path | None, typer.Option(help="Write the rows to this file (needed for parquet).")] = None,
    limit: Annotated[
        int, typer.Option(help="Return at most this many rows (a warning says when more matched).")
    ] = 10_000,
    timeout: Annotated[float, typer.Option(help="Seconds the query may run before it is stopped.")] = 60.0,
) -> None:
    """Run a read-only Cypher query.

    Refused: anything whose plan writes, loads files (LOAD CSV) or calls a procedure outside the
    read-only allowlist (db.labels, db.relationshipTypes, db.propertyKeys, db.schema.visualization).
    """
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        result = run_read_only(store, query, parse_params(param or []), timeout_s=timeout, limit=limit)
    if fmt is CypherFormat.parquet or out is not None:
        if fmt is not CypherFormat.parquet:
            raise typer.BadParameter("--out writes Parquet: add --format parquet", param_hint="--out")
        if out is None:
            raise typer.BadParameter("Parquet is binary: give a file with --out", param_hint="--format")
        result.write_parquet(out)
        err_console.print(f"{len(result.rows):,} rows written to {out}")
    else:
        emit(result.columns, result.rows, OutputFormat(fmt.value))
    if result.truncated:
        err_console.print(f"[yellow]warning:[/] output cut at {limit:,} rows; more matched (raise --limit)")
