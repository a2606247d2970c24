"""``kg train | replay | predict | rank | explain`` as a user runs them, on a tiny live graph."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kg.store import Neo4jStore
from tests.gnn.test_end_to_end import load_planted
from tests.test_cli import kg

pytestmark = pytest.mark.neo4j


def test_model_commands_end_to_end(
    store: Neo4jStore, neo4j_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_planted(store)
    store.mark_source("genes", "loaded", {"fingerprint": "genes-v1", "release": "r1", "version": "v"})
    config = tmp_path / "train.toml"
    config.write_text("[model]\nhidden = 16\nsketch_dim = 16\n\n[train]\nlr = 0.01\n")
    run = tmp_path / "run"
    env: dict = {"uri": neo4j_server.uri, "home": tmp_path / "home"}
    trained = kg("train", "--config", str(config), "--out", str(run), "--format", "json", **env)
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["split"]["mode"] == "disease"
    assert json.loads((run / "config.json").read_text())["model"]["hidden"] == 16  # the TOML was used
    # what is trained is what is served: the evidence network (its kept epoch reported), no encoder epochs
    results = json.loads((run / "results.json").read_text())
    assert results["history"] == [] and results["best_epoch"] == results["evidence_history"][-1]["epoch"]
    assert json.loads(trained.stdout)["best_epoch"] == results["best_epoch"]
    assert "encoder (HeteroGAT, not read by the served score): not trained" in (run / "MODEL_CARD.md").read_text()

    replayed = kg("replay", "--model", str(run), "--format", "json", **env)
    assert replayed.returncode == 0 and json.loads(replayed.stdout)["matches"], replayed.stderr

    evaluated = kg("evaluate", "--model", str(run), "--fidelity-pairs", "4", "--k", "2", "--format", "json", **env)
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["replay_matches_results_json"] is True
    metrics = report["metrics"]
    assert len(metrics) == 5
    # the served score is the evidence network's: it is the run's row, and its metrics are the run's
    model, popularity = metrics["evidence network (this run, served)"], metrics["Popularity (gene degree)"]
    assert model["mrr"] == pytest.approx(json.loads((run / "results.json").read_text())["metrics"]["mrr"], abs=1e-5)
    # the planted modules are learnable: the model ranks far better than gene popularity
    assert model["auroc"] > 0.7 and model["mrr"] > 2 * popularity["mrr"], metrics
    assert report["fidelity"]["pairs"] >= 1
    assert {"evaluation.md", "evaluation.json", "pr_curve.png"} <= {p.name for p in run.iterdir()}
    assert "| Phenotype similarity (simGIC, HPO ancestors) |" in (run / "evaluation.md").read_text()

    predicted = kg("predict", "--model", str(run), "--top", "3", "--format", "json", **env)
    assert predicted.returncode == 0, predicted.stderr
    summary = json.loads(predicted.stdout)
    assert summary["new_candidates"] == summary["neo4j_edges"] == 3 * summary["diseases"]
    assert summary["neo4j_known_scores"] == summary["known_scored"] > 0
    assert (tmp_path / "home" / "predictions.sqlite").is_file()
    status = json.loads(kg("etl", "status", "--format", "json", **env).stdout)["predictions"]
    version = status["current_model"]["model_version"]
    assert status["neo4j_edges_per_model"] == {version: summary["neo4j_edges"]}
    assert status["current_model"]["synthetic"] is False
    published = status["published_set"]  # what every API replica serves
    assert published["model_version"] == version and published["run"] == status["current_model"]["run"]
    assert published["rows"] == summary["new_candidates"] + summary["known_scored"]

    ranked = kg(
        "rank", "--phenotypes", "HP:0001011,HP:0001012", "--top", "5", "--format", "json", "--model", str(run), **env
    )
    assert ranked.returncode == 0, ranked.stderr
    assert [g["rank"] for g in json.loads(ranked.stdout)["genes"]] == [1, 2, 3, 4, 5]

    explained = kg("explain", "GENE2", "OMIM:100001", "--format", "json", "--model", str(run), **env)
    assert explained.returncode == 0, explained.stderr
    body = json.loads(explained.stdout)
    assert body["gene"]["name"] == "GENE2" and body["paths"]
    # one score per explanation, and its parts add up to it
    parts = body["evidence"]["parts"]
    assert sum(p["contribution"] for p in parts) == pytest.approx(body["evidence"]["score"], rel=1e-5)
    table = kg("explain", "GENE2", "OMIM:100001", "--model", str(run), **env)
    assert table.returncode == 0 and "paths of the evidence network" in table.stdout, table.stderr

    unknown = kg("explain", "GENE999", "OMIM:100001", "--model", str(run), **env)
    assert unknown.returncode == 1 and "unknown gene 'GENE999'" in unknown.stderr and "Traceback" not in unknown.stderr
    # the full gene index was needed once (the key is no symbol of the export) and is now cached
    assert [p.name for p in (tmp_path / "home" / "cache").glob("genes-*.json")] == ["genes-genes-v1.json"]
    lower = kg("explain", "ncbigene:2", "omim:100001", "--format", "json", "--model", str(run), **env)
    assert lower.returncode == 0 and json.loads(lower.stdout)["gene"]["id"] == "NCBIGene:2", lower.stderr
    missing = kg("rank", "--phenotypes", "HP:0001011", "--model", str(tmp_path / "nope"), **env)
    assert missing.returncode == 1 and "no trained model" in missing.stderr

    # the model worker: the first call answers in-process and starts it, later calls ask it
    monkeypatch.setenv("KG_WORKER", "1")
    monkeypatch.setenv("KG_WORKER_IDLE_S", "5")
    first = json.loads(kg("explain", "GENE2", "OMIM:100001", "--format", "json", "--model", str(run), **env).stdout)
    sockets = tmp_path / "home" / "run"
    deadline = time.monotonic() + 120
    while not list(sockets.glob("model-*.sock")) and time.monotonic() < deadline:
        time.sleep(0.5)
    (sock,) = sockets.glob("model-*.sock")
    second = json.loads(kg("explain", "GENE2", "OMIM:100001", "--format", "json", "--model", str(run), **env).stdout)
    assert not first["worker"] and second["worker"] and second["paths"] == first["paths"]
    unknown = kg("explain", "GENE999", "OMIM:100001", "--model", str(run), **env)
    assert unknown.returncode == 1 and "unknown gene 'GENE999'" in unknown.stderr  # the worker's error, as before
    assert json.loads(kg("rank", "--phenotypes", "HP:0001011", "--format", "json", "--model", str(run), **env).stdout)[
        "worker"
    ]
    sock.unlink()  # a removed socket stops the worker (and it stops by itself after KG_WORKER_IDLE_S)
