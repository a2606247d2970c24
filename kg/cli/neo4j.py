"""``kg neo4j``: run the real Neo4j 5.26 Community server locally (no Docker)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg import local_neo4j
from kg.cli.output import OutputFormat, console, emit_json
from kg.settings import Settings, load_settings

app = typer.Typer(
    help="Run a local Neo4j 5.26 Community server in a JVM (Bolt on 127.0.0.1).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PortOpt = Annotated[int | None, typer.Option("--port", help="Bolt port [default: from KG_NEO4J_URI, 7687]")]
DirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Data directory [default: $KG_HOME/neo4j]")]


def server_config(
    settings: Settings, port: int | None = None, data_dir: Path | None = None
) -> local_neo4j.ServerConfig:
    """The runner configuration from settings and command-line overrides.

    Without ``--port``, a ``--data-dir`` whose server recorded its port uses that port, so
    ``status``/``stop`` look at that directory's server, not at the default port.
    """
    recorded = local_neo4j.recorded_port(data_dir) if data_dir is not None and port is None else None
    return local_neo4j.ServerConfig(
        home=data_dir or settings.home / "neo4j",
        host=settings.bolt_host,
        port=port or recorded or settings.bolt_port,
        heap_mb=settings.neo4j_heap_mb,
        pagecache_mb=settings.neo4j_pagecache_mb,
        tx_log_retention=settings.neo4j_tx_log_retention,
    )


@app.command()
def install() -> None:
    """Fetch the Neo4j jars with Maven into the user cache (done by start when needed)."""
    lib = local_neo4j.install(server_config(load_settings()))
    console.print(f"Neo4j {local_neo4j.NEO4J_VERSION} jars in {lib}")


@app.command()
def start(port: PortOpt = None, data_dir: DirOpt = None, timeout: float = 180.0) -> None:
    """Start the server, wait until a Cypher query answers, print the Bolt URI."""
    config = server_config(load_settings(), port, data_dir)
    with console.status("starting Neo4j…", spinner="dots"):
        uri = local_neo4j.start(config, timeout_s=timeout)
    console.print(
        f"Neo4j {local_neo4j.NEO4J_VERSION} answers at [bold]{uri}[/] (pid {local_neo4j.read_pid(config)}, "
        f"log {config.log_file})"
    )
    print(uri)


@app.command()
def stop(port: PortOpt = None, data_dir: DirOpt = None) -> None:
    """Stop the server started from this data directory."""
    config = server_config(load_settings(), port, data_dir)
    console.print("stopped" if local_neo4j.stop(config) else "not running")


@app.command()
def status(
    port: PortOpt = None,
    data_dir: DirOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Show whether the server runs and answers."""
    info = local_neo4j.status(server_config(load_settings(), port, data_dir))
    if fmt is OutputFormat.table:
        for k, v in info.items():
            console.print(f"{k:>14}: {v}")
    else:
        emit_json(info)
    raise typer.Exit(0 if info["answers"] else 1)
