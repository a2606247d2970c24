"""The ``kg`` command line: the edge where settings are read and the layers are wired.

This subpackage is the only part of ``kg`` that imports the upper layers (``etl``,
``gnn`` and, later, ``api``); library code in ``kg`` never does.
"""

from __future__ import annotations

import sys

import typer

from kg.cli import ask as ask_cmd
from kg.cli import benchmark as benchmark_cmd
from kg.cli import cypher as cypher_cmd
from kg.cli import data as data_cmd
from kg.cli import etl as etl_cmd
from kg.cli import export as export_cmd
from kg.cli import model as model_cmd
from kg.cli import neo4j as neo4j_cmd
from kg.cli import release as release_cmd
from kg.cli import serve as serve_cmd
from kg.cli import train as train_cmd
from kg.cli.output import err_console
from kg.errors import KGError

app = typer.Typer(
    name="kg",
    help="Gene–disease knowledge graph: load TCGA/GTEx/HPO into Neo4j and query it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text is plain: "[model] and [train]" and "[default]" stay as written
)
app.add_typer(neo4j_cmd.app, name="neo4j")
app.command(name="cypher")(cypher_cmd.cypher)
app.command(name="export")(export_cmd.export)
app.command(name="train")(train_cmd.train_cmd)
app.command(name="evaluate")(model_cmd.evaluate)
app.command(name="benchmark")(benchmark_cmd.benchmark)
app.command(name="replay")(model_cmd.replay)
app.command(name="predict")(model_cmd.predict)
app.command(name="rank")(ask_cmd.rank)
app.command(name="diagnose")(ask_cmd.diagnose)
app.command(name="explain")(ask_cmd.explain)
app.command(name="worker", hidden=True)(ask_cmd.worker_cmd)
app.command(name="serve")(serve_cmd.serve)
app.add_typer(etl_cmd.app, name="etl")
app.add_typer(data_cmd.app, name="data")
app.add_typer(release_cmd.app, name="release")


def main() -> None:
    """Console entry point: expected errors become one red line and exit code 1."""
    try:
        app()
    except KGError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
