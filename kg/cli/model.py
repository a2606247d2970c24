"""``kg evaluate | predict | rank | explain``: use a trained model on the live graph."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kg.cli.output import OutputFormat, console, emit, emit_json, err_console, progress
from kg.errors import KGError
from kg.settings import Settings, load_settings
from kg.store import Neo4jStore

if TYPE_CHECKING:
    from gnn.export import ExportedGraph
    from gnn.inference import ModelContext

ModelDir = Annotated[Path, typer.Option("--model", help="Run folder written by `kg train`.")]
Format = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")]


def _graph(settings: Settings, model: Path) -> ExportedGraph:
    """The export the run in ``model`` was trained on (its spec: with synthetic edges only if it had them)."""
    try:
        from gnn.artefacts import Run
        from gnn.export import ExportCache, export_graph, model_spec
    except ImportError as exc:
        raise KGError(f"this command needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
    spec = model_spec(include_synthetic=Run(model).synthetic_edges > 0)
    with Neo4jStore.from_settings(settings) as store:
        graph, _ = export_graph(store, spec, ExportCache.of_home(settings.home))
    return graph


def _context(model: Path) -> tuple[Settings, ModelContext]:
    from gnn.inference import ModelContext
    from kg import queries
    from kg.ids import GeneIndex

    settings = load_settings()
    graph = _graph(settings, model)

    def genes() -> GeneIndex:  # aliases, Ensembl and HGNC ids: read only when a key is no id or symbol
        # cached as JSON per loaded gene reference (its fingerprint): the query returns ~77k rows
        fingerprint = graph.state.get("genes", {}).get("fingerprint")
        cache = settings.home / "cache" / f"genes-{str(fingerprint)[:16]}.json" if fingerprint else None
        if cache is not None and cache.is_file():
            return GeneIndex(json.loads(cache.read_text()))
        with Neo4jStore.from_settings(settings) as store:
            rows = queries.gene_symbols(store)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(rows))
        return GeneIndex(rows)

    return settings, ModelContext(graph, model, genes, cache_dir=settings.home / "cache" / "context")


def evaluate(
    model: ModelDir = Path("runs/latest"),
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


def replay(model: ModelDir = Path("runs/latest"), fmt: Format = OutputFormat.table) -> None:
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
    model: ModelDir = Path("runs/latest"),
    top: Annotated[int, typer.Option(help="New candidate genes kept per disease.")] = 20,
    neo4j: Annotated[bool, typer.Option(help="Also write PREDICTED_ASSOCIATION edges into Neo4j.")] = True,
    fmt: Format = OutputFormat.table,
) -> None:
    """Score every gene for every disease; write the top-N new candidates to the prediction store and Neo4j."""
    from kg.diseases import DiseaseSpace, read_disease_space
    from kg.predictions import PredictionStore, write_to_neo4j

    settings, ctx = _context(model)
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
    path = settings.home / "predictions.sqlite"
    PredictionStore(path).replace(info, rows)
    written = 0
    if neo4j:
        with Neo4jStore.from_settings(settings) as store:
            written = write_to_neo4j(store, rows, ctx.version, release)
    summary: dict[str, Any] = {
        "model_version": ctx.version,
        "diseases": len({r.disease_id for r in rows}),
        "new_candidates": sum(not r.known for r in rows),
        "known_scored": sum(r.known for r in rows),
        "rolled_up_diseases": len({r.disease_id for r in rows if r.via}),
        "store": str(path),
        "neo4j_edges": written,
    }
    if fmt is OutputFormat.json:
        emit_json(summary)
        return
    emit(["field", "value"], [[k, v] for k, v in summary.items()], fmt, title="predictions")


def rank(
    phenotypes: Annotated[str, typer.Option(help="Comma-separated HPO terms, e.g. HP:0001250,HP:0001263.")],
    model: ModelDir = Path("runs/latest"),
    top: Annotated[int, typer.Option(help="Genes to list.")] = 20,
    fmt: Format = OutputFormat.table,
) -> None:
    """Rank genes for a phenotype set that matches no disease (a new syndrome or a patient)."""
    _, ctx = _context(model)
    rows = ctx.rank_phenotypes([p.strip() for p in phenotypes.split(",") if p.strip()], top)
    if fmt is OutputFormat.json:
        emit_json({"model_version": ctx.version, "phenotypes": phenotypes.split(","), "genes": rows})
        return
    emit(
        ["rank", "gene", "symbol", "score", "logit"],
        [[r["rank"], r["gene_id"], r["symbol"], f"{r['score']:.4f}", f"{r['logit']:.3f}"] for r in rows],
        fmt,
        title=f"genes for {phenotypes} (model {ctx.version})",
    )


def explain(
    gene: Annotated[str, typer.Argument(help="Gene id (NCBIGene:…) or symbol.")],
    disease: Annotated[str, typer.Argument(help="Disease id (OMIM:…, ORPHA:…, MONDO:…).")],
    model: ModelDir = Path("runs/latest"),
    top: Annotated[int, typer.Option(help="Paths to list.")] = 10,
    fmt: Format = OutputFormat.table,
) -> None:
    """Why the model links GENE to DISEASE: most-attended neighbours and top attention paths (≤ 3 hops)."""
    from gnn.explain import Explainer

    loading = time.perf_counter()
    _, ctx = _context(model)
    g, d = ctx.lookup("Gene", gene), ctx.lookup("Disease", disease)
    explainer = Explainer(ctx)
    start = time.perf_counter()
    explanation = explainer.explain(g, d, top)
    elapsed_ms = (time.perf_counter() - start) * 1000
    load_ms = (start - loading) * 1000
    if fmt is OutputFormat.json:
        emit_json({**explanation.as_dict(), "model_version": ctx.version, "ms": elapsed_ms, "load_ms": load_ms})
        return
    e = explanation
    console.print(
        f"{e.gene['name']} ({e.gene['id']}) → {e.disease['name']} ({e.disease['id']}): logit {e.logit:.3f} "
        f"[dim](model {ctx.version}; model context loaded in {load_ms / 1000:.1f} s, "
        f"explained in {elapsed_ms:.0f} ms)[/]"
    )
    if e.synthetic:
        err_console.print(
            "[yellow]warning:[/] this model learned from synthetic sample data (kg train --include-synthetic); "
            "paths marked synthetic run through such edges"
        )
    emit(
        ["weight", "hops", "path"],
        [
            [f"{p['weight']:.4f}", p["hops"], _path_text(p) + (" (synthetic)" if p.get("synthetic") else "")]
            for p in e.paths
        ],
        fmt,
        title="top attention paths",
    )
    emit(
        ["side", "layer", "relation", "neighbour", "weight"],
        [
            [n["side"], n["layer"], n["relation"], f"{n['name']} ({n['id']})", f"{n['weight']:.3f}"]
            for n in e.neighbours
        ],
        fmt,
        title="most-attended neighbours",
    )
    if e.prior is not None:
        p = e.prior
        title = (
            f"phenotype prior {p['value']:.3f}, with its spread from neighbours {p['with_spread']:.3f}: "
            f"{p['weight']:.2f} × log(floor + that) = {p['logit_part']:.3f} of the logit {e.logit:.3f}"
        )
        emit(
            ["similar known disease of the gene", "cosine", "shared phenotypes (IC)"],
            [
                [
                    f"{s['name']} ({s['id']})",
                    f"{s['cosine']:.3f}",
                    "; ".join(f"{t['name']} ({t['ic']:.1f})" for t in s["shared_phenotypes"]),
                ]
                for s in e.prior["similar_diseases"]
            ],
            fmt,
            title=title,
        )
        if e.prior["spread_from"]:
            emit(
                ["neighbour", "relation", "edge weight", "its prior", "flow"],
                [
                    [
                        f"{n['name']} ({n['id']})",
                        n["relation"],
                        f"{n['weight']:.3f}",
                        f"{n['prior']:.3f}",
                        f"{n['flow']:.4f}",
                    ]
                    for n in e.prior["spread_from"]
                ],
                fmt,
                title="prior spread to the gene from partners and GO terms (relation weight × edge weight × prior)",
            )


def _path_text(path: dict[str, Any]) -> str:
    parts = [f"{path['nodes'][0]['name'] or path['nodes'][0]['id']}"]
    for rel, node in zip(path["relations"], path["nodes"][1:], strict=True):
        parts.append(f"-[{rel}]- {node['name'] or node['id']}")
    return " ".join(parts)
