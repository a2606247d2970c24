"""Artefacts round-trip; tampered weights and another graph release are refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gnn.artefacts import ArtefactError, Run, load_model, save_run
from gnn.features import Featuriser
from gnn.model import ModelConfig
from gnn.split import make_split
from gnn.train import TrainConfig, evaluate, train
from tests.gnn.test_train import planted


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    n, edges = planted(2)
    split = make_split(edges, "random", 0.15, 0.15, seed=2)
    mcfg, tcfg = ModelConfig(hidden=8, layers=2, heads=1, dropout=0.0), TrainConfig(epochs=8, lr=0.01)
    result = train(n, split, mcfg, tcfg)
    full = {**split.message_edges}
    featuriser = Featuriser(n, full, mcfg.sketch_dim, mcfg.seed)
    feats = featuriser(full)
    graph = {
        "graph_release": "abc123",
        "state": {"hpo": {"version": "2025-01-16", "release": "r1"}},
        "node_types": list(n),
        "edge_types": [list(et) for et in sorted(full)],
        "feature_dims": {t: f.shape[1] for t, f in feats.items()},
        "num_nodes": n,
    }
    metrics = evaluate(result.model, featuriser, n, split, split.test, result.prior).to_flat_dict()
    out = save_run(tmp_path_factory.mktemp("run"), result, mcfg, tcfg, graph, split.manifest(), metrics)
    return out, result, n, split, metrics, featuriser


def test_files_and_replayed_metrics(run) -> None:
    out, result, n, split, metrics, featuriser = run
    names = {p.name for p in out.iterdir()}
    assert names == {
        "model.safetensors",
        "config.json",
        "results.json",
        "manifest.json",
        "MODEL_CARD.md",
        "training_curve.png",
    }
    assert (out / "training_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model, _ = load_model(out, expected_graph_release="abc123")
    replayed = evaluate(model, featuriser, n, split, split.test, result.prior)
    assert replayed.to_flat_dict() == pytest.approx(metrics)  # replay reproduces the metrics
    assert json.loads((out / "results.json").read_text())["metrics"] == pytest.approx(metrics)
    run_ = Run(out)
    assert run_.version == run_.manifest["weights_sha256"][:12] and run_.graph_release == "abc123"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run_.trained_at)
    assert run_.info()["metrics"] == pytest.approx(metrics) and "held_out_diseases" not in run_.info()["split"]
    assert "2025-01-16" in (out / "MODEL_CARD.md").read_text()
    assert "predictions rank by: the model's logit" in (out / "MODEL_CARD.md").read_text()  # no ranker here
    assert run_.ranker is None


def test_tampered_weights_and_other_graph_are_refused(run, tmp_path: Path) -> None:
    out = run[0]
    with pytest.raises(ArtefactError, match="trained on graph release abc123, not on the current zzz"):
        load_model(out, expected_graph_release="zzz")
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in out.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ArtefactError, match="checksum does not match"):
        load_model(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(ArtefactError, match="missing or unreadable"):
        load_model(copy)
    with pytest.raises(ArtefactError, match="no trained model"):
        Run(tmp_path / "nowhere")
    (copy / "manifest.json").write_text(json.dumps({"weights_sha256": "x"}))
    with pytest.raises(ArtefactError, match="missing manifest.json:graph_release"):
        Run(copy)  # a clear artefact error, not a KeyError mistaken for "model not loaded"
    gnn_sources = "\n".join(p.read_text() for p in Path(__import__("gnn").__file__).parent.glob("*.py"))
    assert not re.search(r"torch\.load\(|pickle\.loads?\(|weights_only\s*=\s*False", gnn_sources)


def test_the_evidence_network_round_trips_and_tampering_is_refused(run, tmp_path: Path) -> None:
    import torch

    from gnn.evidence import EvidenceConfig, EvidenceNet

    out, result, n, split, metrics, _ = run
    net = EvidenceNet(EvidenceConfig(hidden=4, term_size=(2, 50)))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1)
    history = [{"epoch": 0.0, "loss": float("nan"), "val": 0.5}]
    folder = tmp_path / "with-network"
    graph = json.loads((out / "config.json").read_text())["graph"]
    save_run(
        folder,
        result,
        ModelConfig(hidden=8, layers=2, heads=1, dropout=0.0),
        TrainConfig(),
        graph,
        split.manifest(),
        metrics,
        None,
        net,
        history,
    )
    run_ = Run(folder)
    loaded = run_.evidence
    assert loaded is not None and loaded.config == net.config  # the tuple survives JSON
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), net.state_dict().values(), strict=True))
    assert json.loads((folder / "results.json").read_text())["evidence_history"][0]["val"] == 0.5
    assert "the evidence network in `evidence.safetensors`" in (folder / "MODEL_CARD.md").read_text()
    data = bytearray((folder / "evidence.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "evidence.safetensors").write_bytes(bytes(data))
    with pytest.raises(ArtefactError, match="checksum does not match"):
        _ = Run(folder).evidence
    # a run saved again without the network drops its file and its checksum
    save_run(
        folder,
        result,
        ModelConfig(hidden=8, layers=2, heads=1, dropout=0.0),
        TrainConfig(),
        graph,
        split.manifest(),
        metrics,
    )
    assert Run(folder).evidence is None and not (folder / "evidence.safetensors").exists()
