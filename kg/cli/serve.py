"""``kg serve``: the GraphQL API under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.output import err_console
from kg.errors import KGError
from kg.settings import load_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [1].")] = None,
    model: Annotated[Path | None, typer.Option(help="Run folder of the model to serve [runs/latest].")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML settings file (also KG_CONFIG).")] = None,
) -> None:
    """Serve /graphql, /healthz, /readyz and /metrics (settings: KG_API__*, see docs/api.md)."""
    try:
        import uvicorn
    except ImportError as exc:
        raise KGError(f"kg serve needs the API extra: pip install 'kg[api,gnn]' ({exc})") from exc
    if config is not None:
        os.environ["KG_CONFIG"] = str(config)
    overrides = {"host": host, "port": port, "workers": workers, "model_dir": str(model) if model else None}
    for key, value in overrides.items():
        if value is not None:
            os.environ[f"KG_API__{key.upper()}"] = str(value)  # workers read the settings themselves
    settings = load_settings()
    api = settings.api
    err_console.print(f"serving http://{api.host}:{api.port}/graphql (model {api.model_dir}, {api.workers} worker(s))")
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=api.host,
        port=api.port,
        workers=api.workers,
        log_level="warning",
        access_log=False,
    )
