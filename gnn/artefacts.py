"""Run artefacts: safetensors weights, JSON config/results, a model card and a curve PNG.

``manifest.json`` records the SHA-256 of the weights and the graph release the model was
trained on; :func:`load_model` refuses tampered weights and, when asked, another graph.
Nothing is pickled and nothing is loaded with ``torch.load``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from gnn.evidence import EvidenceConfig, EvidenceNet
from gnn.model import HeteroGAT, ModelConfig
from gnn.ranker import RANKER_FILE, Ranker
from gnn.run_folder import ArtefactError, RunFolder
from gnn.train import TrainConfig, TrainResult
from kg.checksums import sha256_of
from kg.schema import missing_reference

#: A run folder's evidence network (the served score), next to ``model.safetensors``.
EVIDENCE_FILE = "evidence.safetensors"


def git_commit() -> str | None:
    """The current git commit of the code, if known."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, cwd=Path(__file__).parent
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def save_run(
    out: Path,
    result: TrainResult,
    model_config: ModelConfig,
    train_config: TrainConfig,
    graph: dict[str, Any],
    split: dict[str, Any],
    metrics: dict[str, Any],
    ranker: Ranker | None = None,
    evidence: EvidenceNet | None = None,
    evidence_history: list[dict[str, float]] | None = None,
) -> Path:
    """Write every artefact of a training run into ``out``.

    Args:
        out: Folder to write.
        result: The trained model and history.
        model_config: Model hyper-parameters.
        train_config: Training settings.
        graph: ``graph_release``, per-source ``state``, ``node_types``, ``edge_types``,
            ``feature_dims`` and ``num_nodes`` of the training graph.
        split: The split manifest.
        metrics: Evaluation results.
        ranker: The evidence ranker predictions use (``ranker.json``; none: the model's logit).
        evidence: The evidence network predictions use (``evidence.safetensors``; it outranks a ranker).
        evidence_history: Its training history (validation MRR per epoch, epoch 0 untrained).
    """
    out.mkdir(parents=True, exist_ok=True)
    weights = out / "model.safetensors"
    save_file({k: v.contiguous() for k, v in result.model.state_dict().items()}, str(weights))
    config = {"model": asdict(model_config), "train": asdict(train_config), "graph": graph}
    if evidence is not None:
        save_file({k: v.contiguous() for k, v in evidence.state_dict().items()}, str(out / EVIDENCE_FILE))
        config["evidence"] = asdict(evidence.config)
    else:
        (out / EVIDENCE_FILE).unlink(missing_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    kept = int(evidence_history[-1]["epoch"]) if evidence is not None and evidence_history else None
    results = {
        # the epoch kept of what ranks predictions: the evidence network's, else the encoder's
        "best_epoch": result.best_epoch if kept is None else kept,
        "train_seconds": result.seconds,
        "history": result.history,
        **({"evidence_history": evidence_history, "encoder_best_epoch": result.best_epoch} if kept is not None else {}),
        "metrics": metrics,
        "split": split,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))
    if ranker is not None:
        ranker.save(out / RANKER_FILE)
    else:
        (out / RANKER_FILE).unlink(missing_ok=True)
    manifest = {
        **({"ranker_sha256": sha256_of(out / RANKER_FILE)} if ranker is not None else {}),
        **({"evidence_sha256": sha256_of(out / EVIDENCE_FILE)} if evidence is not None else {}),
        "weights_sha256": sha256_of(weights),
        "graph_release": graph["graph_release"],
        "git_commit": git_commit(),
        "seed": model_config.seed,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    if kept is not None and evidence_history:
        # the served network's curve: epoch 0 is the untrained network (the phenotype prior and its spread)
        rows = [{"epoch": h["epoch"], "loss": h["loss"], "val_mrr": h["val"]} for h in evidence_history[:-1]]
        _curve(out / "training_curve.png", rows, kept, "the evidence network")
    else:
        _curve(out / "training_curve.png", result.history, result.best_epoch)
    _card(out / "MODEL_CARD.md", manifest, config, results, ranker, evidence is not None)
    return out


def _curve(
    path: Path, history: list[dict[str, float]], best_epoch: int | None = None, what: str = "the encoder"
) -> None:
    """Training loss (left axis) and validation MRR/AUROC (right axis, 0–1) per epoch, best epoch marked."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] for h in history]
    fig, loss_ax = plt.subplots(figsize=(7, 4))
    losses = [(e, h["loss"]) for e, h in zip(epochs, history, strict=True) if not math.isnan(h["loss"])]
    loss_ax.plot([e for e, _ in losses], [v for _, v in losses], "o-", color="tab:gray", label="training loss")
    loss_ax.set_xlabel("epoch (0 = after pre-training)" if what == "the encoder" else "epoch (0 = untrained)")
    loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set_ylabel("training loss (softmax cross-entropy)")
    metric_ax = loss_ax.twinx()
    metric_ax.plot(epochs, [h["val_mrr"] for h in history], "o-", color="tab:blue", label="validation MRR")
    if all("val_auroc" in h for h in history):
        metric_ax.plot(epochs, [h["val_auroc"] for h in history], "s--", color="tab:green", label="validation AUROC")
    metric_ax.set_ylabel("validation metric")
    metric_ax.set_ylim(0, 1)
    if best_epoch is not None:
        loss_ax.axvline(best_epoch, color="tab:red", linestyle=":", label=f"best epoch ({best_epoch}, kept)")
    handles = loss_ax.get_legend_handles_labels()[0] + metric_ax.get_legend_handles_labels()[0]
    loss_ax.legend(handles=handles, loc="center right", fontsize="small")
    loss_ax.grid(alpha=0.3)
    loss_ax.set_title(f"Training curve of {what}: loss and validation metrics per epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _card(
    path: Path, manifest: dict, config: dict, results: dict, ranker: Ranker | None = None, evidence: bool = False
) -> None:
    sources = config["graph"].get("state", {})
    lacking = missing_reference(dict.fromkeys(sources, False))
    lines = [
        "# Model card",
        "",
        f"- graph release: `{manifest['graph_release']}`",
        f"- code: `{manifest['git_commit']}`",
        f"- seed: {manifest['seed']}",
        "- synthetic inputs: "
        + (
            f"**{config['graph']['synthetic_edges']} edges from synthetic sample files (trained with"
            " --include-synthetic); every prediction of this model is flagged synthetic**"
            if config["graph"].get("synthetic_edges")
            else "none"
        ),
        "- reference sources missing from the graph: "
        + (
            f"**{', '.join(lacking)}** (`kg data install`, then `kg etl run`, gives the documented graph)"
            if lacking
            else "none"
        ),
        f"- weights sha256: `{manifest['weights_sha256']}`",
        f"- split: {json.dumps({k: v for k, v in results['split'].items() if k != 'held_out_diseases'})}",
        (
            f"- evidence network: epoch {results['best_epoch']} kept (validation MRR by epoch: "
            + ", ".join(f"{h['val']:.3f}" for h in results["evidence_history"][:-1])
            + "); encoder (HeteroGAT, not read by the served score): "
            + (f"best epoch {results['encoder_best_epoch']}" if results["history"] else "not trained")
            if evidence
            else f"- best epoch: {results['best_epoch']}"
        ),
        f"- metrics: {json.dumps(results['metrics'], sort_keys=True)}",
        "- predictions rank by: "
        + (
            "the evidence network in `evidence.safetensors` (attention over similar-disease, interaction and GO "
            "paths; the metrics above are its served score on the held-out test diseases)"
            if evidence
            else f"the evidence ranker in `ranker.json` (fitted on {json.dumps(ranker.fitted_on, sort_keys=True)}; "
            "the metrics above are the model's logit alone)"
            if ranker is not None
            else "the model's logit"
        ),
        "",
        "| source | version | release |",
        "|---|---|---|",
        *[f"| {name} | {s.get('version')} | {s.get('release')} |" for name, s in sorted(sources.items())],
    ]
    path.write_text("\n".join(lines) + "\n")


class Run(RunFolder):
    """A run folder (:class:`gnn.run_folder.RunFolder`) with what needs torch: its networks."""

    @property
    def ranker(self) -> Ranker | None:
        """The run's evidence ranker (``None``: predictions are the model's logits), checksum verified."""
        expected = self.manifest.get("ranker_sha256")
        if expected is None:
            return None
        path = self.folder / RANKER_FILE
        if not path.is_file() or sha256_of(path) != expected:
            raise ArtefactError(f"{path}: checksum does not match manifest.json (missing, corrupt or tampered)")
        try:
            return Ranker.load(path)
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            raise ArtefactError(f"{path}: {exc}") from exc

    @property
    def evidence(self) -> EvidenceNet | None:
        """The run's evidence network (``None``: a run from before it), checksum verified."""
        expected = self.manifest.get("evidence_sha256")
        if expected is None:
            return None
        path = self.folder / EVIDENCE_FILE
        if not path.is_file() or sha256_of(path) != expected:
            raise ArtefactError(f"{path}: checksum does not match manifest.json (missing, corrupt or tampered)")
        try:
            net = EvidenceNet(EvidenceConfig.from_saved(self.config.get("evidence", {})))
            net.load_state_dict(load_file(str(path)))
        except (ValueError, TypeError, RuntimeError) as exc:
            raise ArtefactError(f"{path}: {exc}") from exc
        return net.eval()

    def load_model(self, expected_graph_release: str | None = None) -> HeteroGAT:
        """The model, after checking the weights' checksum (and, if given, the graph release)."""
        return load_model(self.folder, expected_graph_release)[0]


def load_model(folder: Path, expected_graph_release: str | None = None) -> tuple[HeteroGAT, dict[str, Any]]:
    """Rebuild the model of a run after checking the weights' checksum (and graph release)."""
    run = Run(folder)
    manifest, config = run.manifest, run.config
    weights = run.weights
    if not weights.is_file() or sha256_of(weights) != manifest["weights_sha256"]:
        raise ArtefactError(f"{weights}: checksum does not match manifest.json (corrupt or tampered weights)")
    if expected_graph_release is not None and manifest["graph_release"] != expected_graph_release:
        raise ArtefactError(
            f"model was trained on graph release {manifest['graph_release']}, "
            f"not on the current {expected_graph_release}; retrain or export that release"
        )
    graph = config["graph"]
    model_config = ModelConfig.from_saved(config["model"])
    edge_types = [tuple(et) for et in graph["edge_types"]]
    model = HeteroGAT((graph["node_types"], edge_types), graph["feature_dims"], graph["num_nodes"], model_config)
    model.load_state_dict(load_file(str(weights)))
    return model.eval(), config
