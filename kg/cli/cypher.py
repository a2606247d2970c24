"""``kg cypher``: read-only Cypher for bioinformaticians."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from kg.cli.output import OutputFormat, emit, parse_pairs
from kg.cypher import run_read_only
from kg.settings import load_settings
from kg.store import Neo4jStore


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs → dict; values are JSON when they parse (numbers, lists), else strings."""
    params: dict[str, Any] = {}
    for key, value in parse_pairs(pairs, "--param").items():
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def cypher(
    query: Annotated[str, typer.Argument(help="A read-only Cypher query; use $name for parameters.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Query parameter k=v (repeatable).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table,
    limit: Annotated[int, typer.Option(help="Return at most this many rows.")] = 10_000,
) -> None:
    """Run a read-only Cypher query; anything whose plan writes, loads files or calls procedures is refused."""
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        columns, rows = run_read_only(store, query, parse_params(param or []), limit=limit)
    emit(columns, rows, fmt)
