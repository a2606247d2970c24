"""``kg rank | explain``: answers from a loaded model, through the background worker when one runs.

The answer is a JSON-ready dict, computed in-process on the first call (which then starts a
worker, see :mod:`kg.cli.worker`) and by the worker afterwards, so both paths print the same.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli import worker
from kg.cli.model import Format, ModelDir, model_context
from kg.cli.output import OutputFormat, console, emit, emit_json, err_console
from kg.errors import StoreUnavailable
from kg.settings import load_settings
from kg.store import Neo4jStore


def answer(model: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Ask the model's worker; without one, load the model here, answer, and start a worker."""
    settings = load_settings()
    reply = worker.ask(settings, model, request)
    if reply is not None:
        return {**reply, "load_ms": 0.0, "worker": True}
    loading = time.perf_counter()
    _, ctx = model_context(model)
    load_ms = (time.perf_counter() - loading) * 1000
    from gnn.answers import Answers

    result = Answers(ctx)(request)
    worker.spawn(settings, model)
    return {**result, "load_ms": load_ms, "worker": False}


def worker_cmd(model: ModelDir = Path("runs/latest")) -> None:
    """Keep MODEL loaded and answer `kg explain` / `kg rank` over a Unix socket (started by them; internal)."""
    settings, ctx = model_context(model)

    def state() -> object:
        from kg.export import graph_state

        try:
            with Neo4jStore.from_settings(settings) as store:
                return graph_state(store)
        except StoreUnavailable:
            return None  # the graph is down: stale, the next call reports it

    from gnn.answers import Answers

    worker.serve(settings, model, Answers(ctx), state)


def rank(
    phenotypes: Annotated[str, typer.Option(help="Comma-separated HPO terms, e.g. HP:0001250,HP:0001263.")],
    model: ModelDir = Path("runs/latest"),
    top: Annotated[int, typer.Option(help="Genes to list.")] = 20,
    fmt: Format = OutputFormat.table,
) -> None:
    """Rank genes for a phenotype set that matches no disease (a new syndrome or a patient)."""
    terms = [p.strip() for p in phenotypes.split(",") if p.strip()]
    result = answer(model, {"op": "rank", "phenotypes": terms, "top": top})
    if fmt is OutputFormat.json:
        emit_json(result)
        return
    emit(
        ["rank", "gene", "symbol", "score", "logit"],
        [[r["rank"], r["gene_id"], r["symbol"], f"{r['score']:.4f}", f"{r['logit']:.3f}"] for r in result["genes"]],
        fmt,
        title=f"genes for {phenotypes} (model {result['model_version']})",
    )


class ExplainFormat(StrEnum):
    """Output of ``kg explain``: the tables, JSON, or the explanation subgraph for Gephi/Cytoscape."""

    table = "table"
    json = "json"
    csv = "csv"
    graphml = "graphml"
    gexf = "gexf"
    cyjs = "cyjs"


def explain(
    gene: Annotated[str, typer.Argument(help="Gene id (NCBIGene:…, ENSG…, HGNC:…), symbol or alias.")],
    disease: Annotated[str, typer.Argument(help="Disease id (OMIM:…, ORPHA:…, MONDO:…).")],
    model: ModelDir = Path("runs/latest"),
    top: Annotated[int, typer.Option(help="Paths to list.")] = 10,
    fmt: Annotated[
        ExplainFormat,
        typer.Option(
            "--format",
            help="table, json, csv; or the explanation subgraph as graphml / gexf (Gephi) or cyjs (Cytoscape).",
        ),
    ] = ExplainFormat.table,
) -> None:
    """Why the model links GENE to DISEASE: most-attended neighbours and top attention paths (≤ 3 hops)."""
    e = answer(model, {"op": "explain", "gene": gene, "disease": disease, "top": top})
    if fmt.value in ("graphml", "gexf", "cyjs"):
        from gnn.subgraph import explanation_graph, write_graph

        sys.stdout.write(write_graph(explanation_graph(e), fmt.value))
        return
    if fmt is ExplainFormat.json:
        emit_json(e)
        return
    table_fmt = OutputFormat(fmt.value)
    loaded = (
        "model kept loaded by its worker" if e["worker"] else f"model context loaded in {e['load_ms'] / 1000:.1f} s"
    )
    console.print(
        f"{e['gene']['name']} ({e['gene']['id']}) → {e['disease']['name']} ({e['disease']['id']}): logit "
        f"{e['logit']:.3f} [dim](model {e['model_version']}; {loaded}, explained in {e['ms']:.0f} ms)[/]"
    )
    if e["synthetic"]:
        err_console.print(
            "[yellow]warning:[/] this model learned from synthetic sample data (kg train --include-synthetic); "
            "paths marked synthetic run through such edges"
        )
    _print_explanation(e, table_fmt)


def _print_explanation(e: dict[str, Any], fmt: OutputFormat) -> None:
    emit(
        ["weight", "hops", "path"],
        [
            [f"{p['weight']:.4f}", p["hops"], _path_text(p) + (" (synthetic)" if p.get("synthetic") else "")]
            for p in e["paths"]
        ],
        fmt,
        title="top attention paths",
    )
    emit(
        ["side", "layer", "relation", "neighbour", "weight"],
        [
            [n["side"], n["layer"], n["relation"], f"{n['name']} ({n['id']})", f"{n['weight']:.3f}"]
            for n in e["neighbours"]
        ],
        fmt,
        title="most-attended neighbours",
    )
    if e["prior"] is not None:
        p = e["prior"]
        title = (
            f"phenotype prior {p['value']:.3f}, with its spread from neighbours {p['with_spread']:.3f}: "
            f"{p['weight']:.2f} × log(floor + that) = {p['logit_part']:.3f} of the logit {e['logit']:.3f}"
        )
        emit(
            [
                "similar known disease of the gene",
                "cosine",
                "shared phenotypes (weight: IC × learned factor × frequency weight)",
            ],
            [
                [
                    f"{s['name']} ({s['id']})",
                    f"{s['cosine']:.3f}" + (f" × {s['source_factor']:.2f}" if s.get("source_factor", 1.0) != 1 else ""),
                    "; ".join(f"{t['name']} ({t['weight']:.1f})" for t in s["shared_phenotypes"]),
                ]
                for s in e["prior"]["similar_diseases"]
            ],
            fmt,
            title=title,
        )
        if e["prior"]["spread_from"]:
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
                    for n in e["prior"]["spread_from"]
                ],
                fmt,
                title="prior spread to the gene from partners and GO terms (relation weight × edge weight × prior)",
            )
    if e.get("evidence") is not None:
        emit(
            ["evidence", "value", "part of the score"],
            [[r["feature"], f"{r['value']:.3f}", f"{r['contribution']:+.3f}"] for r in e["evidence"]["parts"]],
            fmt,
            title=f"evidence ranker: score {e['evidence']['score']:.3f} = sum of the parts (what predictions rank by)",
        )


def _path_text(path: dict[str, Any]) -> str:
    parts = [f"{path['nodes'][0]['name'] or path['nodes'][0]['id']}"]
    for rel, node in zip(path["relations"], path["nodes"][1:], strict=True):
        parts.append(f"-[{rel}]- {node['name'] or node['id']}")
    return " ".join(parts)
