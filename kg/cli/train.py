"""``kg train``: train the attention model on the live graph and write its artefacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.output import OutputFormat, console, emit_json, progress
from kg.errors import KGError
from kg.export import ExportSpec
from kg.settings import load_settings
from kg.store import Neo4jStore


def train_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the artefacts.")] = Path("runs/latest"),
    split: Annotated[str, typer.Option(help="Evaluation split: disease (held-out diseases) or random.")] = "disease",
    epochs: Annotated[int, typer.Option(help="Maximum epochs (early stopping on validation MRR).")] = 80,
    hidden: Annotated[int, typer.Option(help="Hidden width.")] = 64,
    layers: Annotated[int, typer.Option(help="Attention layers.")] = 2,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 0.005,
    seed: Annotated[int, typer.Option(help="Seed (deterministic on CPU).")] = 0,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Export the graph (cached), split without leakage, train with early stopping, save artefacts."""
    try:
        from gnn.export import export_graph
        from gnn.model import ModelConfig
        from gnn.pipeline import train_on_export
        from gnn.train import TrainConfig
    except ImportError as exc:
        raise KGError(f"kg train needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        graph, _ = export_graph(store, ExportSpec(), settings.home / "exports")
    with progress() as bar:
        task = bar.add_task("training", total=epochs)

        def on_epoch(row: dict[str, float]) -> None:
            text = f"training loss {row['loss']:.3f} val MRR {row['val_mrr']:.3f} AUROC {row['val_auroc']:.3f}"
            bar.update(task, advance=1, description=text)

        summary = train_on_export(
            graph,
            out,
            ModelConfig(hidden=hidden, layers=layers, seed=seed),
            TrainConfig(epochs=epochs, lr=lr, seed=seed),
            split,
            on_epoch,
        )
    if fmt is OutputFormat.json:
        emit_json(
            {
                "out": str(summary.out),
                "metrics": summary.metrics,
                "best_epoch": summary.best_epoch,
                "split": {k: v for k, v in summary.split.items() if k != "held_out_diseases"},
            }
        )
        return
    console.print(
        f"best epoch {summary.best_epoch}; test metrics: "
        + ", ".join(f"{k} {v:.3f}" for k, v in summary.metrics.items())
    )
    console.print(f"artefacts: {summary.out}")
