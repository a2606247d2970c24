"""The FastAPI application: ``/graphql``, ``/healthz``, ``/readyz``, ``/metrics``, ``/explore/``.

``/graphql`` is strawberry's ASGI app, reached through :class:`api.middleware.Gate`.

Optional API keys (``KG_API__API_KEYS``): when configured, every request except the health
probes needs ``X-API-Key: <key>`` or ``Authorization: Bearer <key>`` (compared in constant
time), else 401. GraphiQL is served locally and off in production unless configured. The explorer
page (``/explore/``, static files under ``api/static``) holds no data and needs no key: it asks the
user for one when ``/graphql`` answers 401.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from strawberry.asgi import GraphQL

from api.cache import ResponseCache
from api.context import Context, run_sync
from api.downloads import DOWNLOADS, index_page
from api.middleware import EXPLORER, Gate
from api.query import build_schema
from api.service import Service
from kg.settings import Settings

GENERATION_MEMO_S = 1.0  # the cache generation is re-read at most this often (and the recheck setting)
STATIC = Path(__file__).parent / "static"


class Metrics:
    """Prometheus request counts, latencies and GraphQL errors, in the app's own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("kg_api_requests_total", "HTTP requests", ["path", "status"], registry=self.registry)
        self.latency = Histogram(
            "kg_api_request_seconds",
            "HTTP request latency",
            ["path"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.errors = Counter(
            "kg_api_errors_total", "Requests answered with an error status", ["path"], registry=self.registry
        )
        self.cache = Counter(
            "kg_api_response_cache_total",
            "GraphQL requests by response-cache outcome (hit, miss, bypass: not cacheable or generation unknown)",
            ["result"],
            registry=self.registry,
        )


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI GraphQL app with the request context of this service (``context``)."""

    context: Callable[[], Awaitable[Context]]

    async def get_context(self, request: Any, response: Any) -> Context:
        """The service's per-request context (loaders made on first use)."""
        return await self.context()


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """Build the app; the service (graph, predictions, model) is created at start-up if not given."""
    state: dict[str, Any] = {"service": service}
    metrics = Metrics()
    keys = [k.get_secret_value().encode() for k in settings.api.api_keys]
    graphiql = settings.api.graphiql if settings.api.graphiql is not None else settings.environment == "local"
    cache = ResponseCache(settings.api.response_cache_size) if settings.api.response_cache else None
    generation_memo: list[Any] = [float("-inf"), None]  # (when, generation) as last read
    memo_s = min(GENERATION_MEMO_S, settings.api.response_cache_recheck_s)

    async def generation() -> object:
        """The response cache's generation, re-read at most every ``memo_s`` (no thread hop on the hot path)."""
        now = time.monotonic()
        if now - generation_memo[0] >= memo_s:
            try:
                current = await run_sync(state["service"].cache_generation)
            except Exception:  # noqa: BLE001 - whatever broke, GraphQL answers (and masks) it: no cache
                current = None
            generation_memo[:] = [now, current]
        return generation_memo[1]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        if state["service"] is None:
            state["service"] = await run_sync(Service, settings)
        await run_sync(state["service"].start_sync)  # this replica serves the set published in Neo4j
        # the model, graph tables and caches loaded so far live as long as the process: keep them out
        # of the cyclic collector's full passes (otherwise each one walks millions of objects: p99 spikes)
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
        await run_sync(state["service"].close)

    async def context() -> Context:
        return Context(state["service"])

    app = FastAPI(title="kg", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    graphql = GraphQLApp(
        build_schema(settings.api), graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False
    )
    graphql.context = context
    app.add_middleware(
        Gate,
        keys=keys,
        explorer=settings.api.explorer,
        cache=cache,
        generation=generation,
        metrics=metrics,
        graphql=graphql,
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await run_sync(state["service"].readiness)
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    if settings.api.explorer:

        @app.get(EXPLORER.rstrip("/"), include_in_schema=False)
        async def explorer_redirect() -> RedirectResponse:
            return RedirectResponse(EXPLORER)

        @app.get(EXPLORER, include_in_schema=False)
        async def explorer() -> FileResponse:
            return FileResponse(STATIC / "explore" / "index.html", media_type="text/html")

        app.mount(EXPLORER + "static", StaticFiles(directory=STATIC), name="explorer-static")

    downloads = settings.home / "downloads"

    @app.get(DOWNLOADS.rstrip("/"), include_in_schema=False)
    async def downloads_redirect() -> RedirectResponse:
        return RedirectResponse(DOWNLOADS)

    @app.get(DOWNLOADS, include_in_schema=False)
    async def downloads_index() -> HTMLResponse:
        return HTMLResponse(await run_sync(index_page, downloads))

    app.mount(DOWNLOADS, StaticFiles(directory=downloads, check_dir=False), name="downloads")

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.state.kg = state
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker reads the settings from the environment)."""
    from kg.settings import load_settings

    return create_app(load_settings())
