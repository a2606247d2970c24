"""``kg evaluate | replay | predict``: use a trained model on the live graph (``kg rank | explain``: kg.cli.ask)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kg.cli.output import OutputFormat, console, emit, emit_json, err_console, progress
from kg.errors import KGError
from kg.settings import DEFAULT_RUN, Settings, load_settings
from kg.store import Neo4jStore

if TYPE_CHECKING:
    from gnn.export import ExportedGraph
    from gnn.inference import ModelContext
    from gnn.runs import RunService

ModelDir = Annotated[Path, typer.Option("--model", help="Run folder written by `kg train`.")]
T = TypeVar("T")
Format = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")]


def runs(settings: Settings) -> RunService:
    """The run service on the live graph (a connection per read: most calls need none after loading)."""
    try:
        from gnn.runs import RunService
    except ImportError as exc:
        raise KGError(f"this command needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc

    def read(query: Callable[[Neo4jStore], T]) -> T:
        with Neo4jStore.from_settings(settings) as store:
            return query(store)

    return RunService(settings.home, read)


def _graph(settings: Settings, model: Path) -> ExportedGraph:
    """The export the run in ``model`` was trained on (its spec: with synthetic edges only if it had them)."""
    return runs(settings).export(model)


def model_context(model: Path) -> tuple[Settings, ModelContext]:
    """Settings and the model context of the run in ``model`` on its cached export."""
    settings = load_settings()
    return settings, runs(settings).context(model)


def evaluate(
    model: ModelDir = DEFAULT_RUN,
    out: Annotated[Path | None, typer.Option(help="Folder for evaluation.md/.json and pr_curve.png.")] = None,
    fidelity_pairs: Annotated[int, typer.Option(help="Predictions sampled for the fidelity check.")] = 20,
    k: Annotated[int, typer.Option(help="Edges deleted per pair in the fidelity check.")] = 5,
    fmt: Format = OutputFormat.table,
) -> None:
    """Replay the model and compare it with four baselines on the same split; fidelity of explanations."""
    from gnn.report import evaluate_run, markdown, write_report

    settings = load_settings()
    report = evaluate_run(
        _graph(settings, model), model, fidelity_pairs, k, log=lambda m: err_console.print(f"[dim]{m}[/]")
    )
    files = write_report(report, out or model)
    if fmt is OutputFormat.json:
        emit_json(report)
        return
    console.print(markdown(report), highlight=False, soft_wrap=True)
    console.print("written: " + ", ".join(str(f) for f in files))


def replay(model: ModelDir = DEFAULT_RUN, fmt: Format = OutputFormat.table) -> None:
    """Reproduce the test metrics of a run from its artefacts (same split, saved weights)."""
    from gnn.report import METRICS
    from gnn.report import replay as replay_run

    result = replay_run(_graph(load_settings(), model), model)
    if fmt is OutputFormat.json:
        emit_json(result)
    else:
        rows = [[m, f"{result['saved'][m]:.6f}", f"{result['replayed'][m]:.6f}"] for m in METRICS]
        emit(["metric", "results.json", "replayed"], rows, fmt, title=f"replay of model {result['model_version']}")
    if not result["matches"]:
        raise KGError("the replayed metrics differ from results.json (different code, data or device)")


def predict(
    model: ModelDir = DEFAULT_RUN,
    top: Annotated[int, typer.Option(help="New candidate genes kept per disease.")] = 20,
    neo4j: Annotated[
        bool, typer.Option(help="Also publish the set into Neo4j, where every API replica reads it.")
    ] = True,
    fmt: Format = OutputFormat.table,
) -> None:
    """Score every gene for every disease; write the top-N new candidates to the prediction store and Neo4j.

    The set (new candidates, the known genes' scores and the evidence of each pair) is published
    into Neo4j as PREDICTED_ASSOCIATION and MODEL_SCORE edges and a current PredictionSet node.
    """
    from kg.diseases import DiseaseSpace, read_disease_space
    from kg.predictions import PredictionStore, store_evidence
    from kg.published import publish

    settings, ctx = model_context(model)
    h_diseases = len(ctx.graph.node_ids["Disease"])
    space: DiseaseSpace | None = None
    if neo4j:  # equivalences and hereditary forms live in the graph only
        with Neo4jStore.from_settings(settings) as store:
            space = read_disease_space(store)
    with progress() as bar:
        task = bar.add_task("scoring diseases", total=h_diseases)
        rows = ctx.predict(top=top, on_chunk=lambda n: bar.advance(task, n), space=space)
        bar.update(task, total=bar.tasks[0].completed)
    release = ctx.graph.graph_release
    run = ctx.run
    info = {
        "model_version": run.version,
        "graph_release": release,
        "release": release,
        "trained_at": run.trained_at,
        "metrics": run.results().get("metrics", {}),
        "synthetic": ctx.synthetic,
    }
    path = settings.prediction_store
    predictions = PredictionStore(path)
    predictions.replace(info, rows)
    written = known = evidence = 0
    if neo4j:
        with Neo4jStore.from_settings(settings) as store:
            with progress() as bar:  # the API then reads evidence from the store, not the graph
                task = bar.add_task("storing evidence", total=len(rows))
                evidence = store_evidence(store, predictions, ctx.version, lambda n: bar.advance(task, n))
            with err_console.status("publishing the set into Neo4j"):
                published = publish(store, predictions, ctx.version)
            written, known = published.new, published.known
    summary: dict[str, Any] = {
        "model_version": ctx.version,
        "diseases": len({r.disease_id for r in rows}),
        "new_candidates": sum(not r.known for r in rows),
        "known_scored": sum(r.known for r in rows),
        "rolled_up_diseases": len({r.disease_id for r in rows if r.via}),
        "store": str(path),
        "neo4j_edges": written,  # PREDICTED_ASSOCIATION
        "neo4j_known_scores": known,  # MODEL_SCORE
        "evidence_pairs_stored": evidence,
    }
    if fmt is OutputFormat.json:
        emit_json(summary)
        return
    emit(["field", "value"], [[k, v] for k, v in summary.items()], fmt, title="predictions")
