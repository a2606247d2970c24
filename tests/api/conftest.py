"""Fixtures of the API tests: a served planted graph (model, predictions) and ``kg serve`` over HTTP."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gnn.export import export_graph
from gnn.inference import ModelContext
from gnn.model import ModelConfig
from gnn.pipeline import train_on_export
from gnn.ranker import DEFAULT_RANKER, Ranker
from gnn.train import TrainConfig
from kg import local_neo4j
from kg.export import ExportSpec
from kg.predictions import PredictionStore
from kg.published import publish
from kg.schema import NodeLabel
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore
from tests.gnn.test_end_to_end import load_planted
from tests.gnn.test_patients import load_patient_terms


@pytest.fixture()
def served(store: Neo4jStore, neo4j_server: local_neo4j.ServerConfig, tmp_path: Path) -> Settings:
    load_planted(store)
    return _serve(store, neo4j_server, tmp_path)


@pytest.fixture()
def served_patient(store: Neo4jStore, neo4j_server: local_neo4j.ServerConfig, tmp_path: Path) -> Settings:
    """The served planted graph with a real phenopacket's terms and Marfan syndrome (tests.gnn.test_patients)."""
    load_planted(store)
    load_patient_terms(store)
    return _serve(store, neo4j_server, tmp_path)


def _serve(store: Neo4jStore, neo4j_server: local_neo4j.ServerConfig, tmp_path: Path) -> Settings:
    store.merge_nodes(
        NodeLabel.GENE,
        [
            {"id": "NCBIGene:1", "symbol": "GENE1", "aliases": ["OLDNAME1"], "ensembl": "ENSG00000000001"},
            {"id": "NCBIGene:2", "symbol": "GENE2", "aliases": ["SHARED"]},
            {"id": "NCBIGene:3", "symbol": "GENE3", "aliases": ["SHARED"]},
        ],
    )
    home = tmp_path / "home"
    graph, _ = export_graph(store, ExportSpec(), home / "exports")
    run = tmp_path / "run"
    key = _fingerprint(home / "exports")
    if key in _TRAINED:  # training is deterministic: the same export gives the same run
        shutil.copytree(_TRAINED[key], run)
    else:
        train_on_export(
            graph,
            run,
            ModelConfig(hidden=16, sketch_dim=16, dropout=0.0),
            TrainConfig(epochs=10, lr=0.01),
            "disease",
            ranker=Ranker.load(DEFAULT_RANKER),  # what kg train ships: the service ranks and explains with it
        )
        _TRAINED[key] = Path(tempfile.mkdtemp(prefix="kg-test-run-")) / "run"
        shutil.copytree(run, _TRAINED[key])  # a pristine copy: a test may change its own run
    ctx = ModelContext(graph, run)
    rows = ctx.predict(top=45)  # every gene: pages of up to 50 candidates
    info = {"model_version": ctx.version, "graph_release": graph.graph_release, "release": graph.graph_release}
    predictions = PredictionStore(home / "predictions.sqlite")
    predictions.replace(info, rows)
    publish(store, predictions, ctx.version)
    return load_settings(neo4j_uri=neo4j_server.uri, home=home, api={"model_dir": str(run)})


#: Runs trained in this pytest run, by their export's fingerprint (copied, never changed in place).
_TRAINED: dict[str, Path] = {}


def _fingerprint(exports: Path) -> str:
    """SHA-256 over every file of an export folder (names and bytes): what training reads."""
    digest = hashlib.sha256()
    for path in sorted(p for p in exports.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(exports)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def serve_http(settings: Settings, **env: str) -> Iterator[str]:
    """``kg serve`` in a subprocess on a free port for ``settings``' graph and model; yields its base URL."""
    port = local_neo4j.free_port()
    environ = {
        **os.environ,
        "KG_NEO4J_URI": settings.neo4j_uri,
        "KG_HOME": str(settings.home),
        "KG_API__MODEL_DIR": str(settings.api.model_dir),
        **env,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, (
                    server.stderr.read() if server.stderr else ""
                )
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
