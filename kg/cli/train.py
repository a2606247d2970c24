"""``kg train``: train the attention model on the live graph and write its artefacts."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli.output import OutputFormat, console, emit_json, err_console, progress
from kg.errors import KGError
from kg.settings import DEFAULT_RUN, load_settings
from kg.store import Neo4jStore


def evidence_table(path: Path | None) -> dict[str, Any]:
    """The config's ``[evidence]`` table: the evidence network's settings (``gnn.evidence.EvidenceConfig``)."""
    if path is None:
        return {}
    table = dict(tomllib.loads(path.read_text()).get("evidence", {}))  # readable: _config_tables read it first
    known = {"power", "hidden", "spread", "floor", "term_size", "gate_hidden"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise KGError(f"{path}: unknown settings {unknown} in the evidence table; known: {sorted(known)}")
    return table


def _config_tables(path: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if path is None:
        return {}, {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KGError(f"{path}: cannot read the training config ({exc})") from exc
    return dict(data.get("model", {})), dict(data.get("train", {}))


def train_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the artefacts.")] = DEFAULT_RUN,
    config: Annotated[
        Path | None,
        typer.Option(help="TOML file with [model], [train] and [evidence] tables (flags below override it)."),
    ] = None,
    split: Annotated[str, typer.Option(help="Evaluation split: disease (held-out diseases) or random.")] = "disease",
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Maximum epochs of the HeteroGAT encoder (early stopping on validation MRR) [3 with --no-evidence; "
            "0 with the evidence network, whose score does not read it].",
        ),
    ] = None,
    hidden: Annotated[int | None, typer.Option(help="Hidden width [64].")] = None,
    layers: Annotated[int | None, typer.Option(help="Attention layers [2].")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate [0.005].")] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Supervision links per mini-batch; 0 = full batch [0].")
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or auto [cpu].")] = None,
    include_synthetic: Annotated[
        bool,
        typer.Option(
            "--include-synthetic",
            help="Also learn from edges loaded from synthetic sample files (off: they never drive a prediction; "
            "a model trained with them flags every prediction synthetic).",
        ),
    ] = False,
    seed: Annotated[
        int | None, typer.Option(help="Seed [0]; a CPU run on the same machine is bitwise reproducible for a seed.")
    ] = None,
    deterministic: Annotated[
        bool | None,
        typer.Option(
            "--deterministic/--no-deterministic",
            help="PyTorch's deterministic kernels on CPU [on]: the same graph, seed and thread count give the same "
            "weights on the same machine, at no measurable cost on the default graph.",
        ),
    ] = None,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence",
            help="Train the evidence network, which then ranks every prediction [on]: attention over the paths "
            "from a query's similar diseases to each gene, through their interaction partners and GO terms.",
        ),
    ] = True,
    ranker: Annotated[
        str,
        typer.Option(
            help="With --no-evidence only: the evidence ranker applied to predictions, 'default' (shipped, fitted "
            "by kg benchmark on new diseases of HPO 2021-10), a ranker.json, or 'none' (the model's logit alone).",
        ),
    ] = "default",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Export the graph (cached), split without leakage, train with early stopping, save artefacts."""
    try:
        from gnn.export import ExportCache, export_graph, model_spec
        from gnn.model import ModelConfig
        from gnn.pipeline import DEFAULT_EVIDENCE, train_on_export
        from gnn.ranker import DEFAULT_RANKER, Ranker
        from gnn.train import TrainConfig
    except ImportError as exc:
        raise KGError(f"kg train needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
    model_table, train_table = _config_tables(config)
    evidence_config = DEFAULT_EVIDENCE.with_settings(evidence_table(config))
    flags_model = {"hidden": hidden, "layers": layers, "seed": seed}
    flags_train = {
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "device": device,
        "seed": seed,
        "deterministic": deterministic,
    }
    model_table.update({k: v for k, v in flags_model.items() if v is not None})
    train_table.update({k: v for k, v in flags_train.items() if v is not None})
    if evidence and "epochs" not in train_table:
        # the served score is the evidence network's: it reads the prior's learned term weights, not the encoder
        train_table.update(epochs=0, pretrain_steps=train_table.get("pretrain_steps", 0))
    try:
        model_config, train_config = ModelConfig(**model_table), TrainConfig(**train_table)
    except (TypeError, ValueError) as exc:
        raise KGError(f"invalid training config: {exc}") from exc
    chosen = None
    if ranker != "none" and model_config.prior and not evidence:
        path = DEFAULT_RANKER if ranker == "default" else Path(ranker)
        try:
            chosen = Ranker.load(path)
        except (OSError, ValueError, TypeError) as exc:
            raise KGError(f"--ranker {ranker}: cannot use {path} ({exc})") from exc
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        graph, _ = export_graph(store, model_spec(include_synthetic), ExportCache.of_home(settings.home))
    with progress("epochs") as bar:
        # epoch 0 is the evaluation after pre-training
        total = train_config.epochs + (1 if train_config.pretrain_steps else 0)
        task = bar.add_task("training the encoder", total=total, visible=total > 0)

        def on_epoch(row: dict[str, float]) -> None:
            text = f"training loss {row['loss']:.3f} val MRR {row['val_mrr']:.3f} AUROC {row['val_auroc']:.3f}"
            bar.update(task, advance=1, description=text)

        stage = bar.add_task("evidence network", total=None, visible=evidence and model_config.prior)

        def on_evidence_epoch(row: dict[str, float]) -> None:
            bar.update(stage, description=f"evidence network: epoch {row['epoch']:.0f}, val MRR {row['val']:.3f}")

        summary = train_on_export(
            graph,
            out,
            model_config,
            train_config,
            split,
            on_epoch,
            chosen,
            evidence_config if evidence else None,
            on_evidence_epoch=on_evidence_epoch,
        )
    if fmt is OutputFormat.json:
        emit_json(
            {
                "out": str(summary.out),
                "metrics": summary.metrics,
                "best_epoch": summary.best_epoch,
                "synthetic_edges": graph.synthetic_edges,
                "split": {k: v for k, v in summary.split.items() if k != "held_out_diseases"},
            }
        )
        return
    console.print(
        f"best epoch {summary.best_epoch}; test metrics: "
        + ", ".join(f"{k} {v:.3f}" for k, v in summary.metrics.items())
    )
    console.print(f"artefacts: {summary.out}")
    if graph.synthetic_edges:
        err_console.print(
            f"[yellow]warning:[/] the model learned from {graph.synthetic_edges} edges of synthetic sample files; "
            "every prediction it makes is flagged synthetic"
        )
