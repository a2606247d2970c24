"""``kg export``: a subgraph of the live graph as a cached PyTorch Geometric export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.output import OutputFormat, console, emit, emit_json, parse_pairs
from kg.errors import KGError
from kg.export import ExportSpec
from kg.schema import RelType
from kg.settings import load_settings
from kg.store import Neo4jStore


def export(
    types: Annotated[list[RelType] | None, typer.Option("--type", "-t", help="Relationship type (repeatable).")] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Keep edges of this source (repeatable).")
    ] = None,
    min_value: Annotated[
        list[str] | None, typer.Option("--min", help="TYPE=property:minimum, e.g. MUTATED_IN=frequency:0.05.")
    ] = None,
    seed: Annotated[list[str] | None, typer.Option("--seed", help="Seed node id (repeatable).")] = None,
    hops: Annotated[int, typer.Option(help="Neighbourhood radius around the seeds.")] = 2,
    out: Annotated[Path | None, typer.Option(help="Cache folder (default: $KG_HOME/exports).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Export a subgraph to HeteroData (safetensors + JSON), reusing the cache when the graph is unchanged."""
    try:
        from gnn.export import ExportCache, export_graph
    except ImportError as exc:  # torch is an optional extra
        raise KGError(f"kg export needs the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
    minimums: dict[str, tuple[str, float]] = {}
    for rel, value in parse_pairs(min_value or [], "--min").items():
        prop, _, number = value.partition(":")
        try:
            minimums[RelType(rel).value] = (prop, float(number))
        except ValueError as exc:
            raise typer.BadParameter(f"expected TYPE=property:number, got {rel}={value}", param_hint="--min") from exc
    spec = ExportSpec(
        rel_types=tuple(types) if types else tuple(RelType),
        sources=tuple(source) if source else None,
        min_values=minimums,
        seeds=tuple(seed or ()),
        hops=hops,
    )
    settings = load_settings()
    cache = ExportCache(out) if out else ExportCache.of_home(settings.home)
    with Neo4jStore.from_settings(settings) as store:
        graph, cached = export_graph(store, spec, cache)
    folder = cache.folder(spec, graph.state)
    nodes: dict[str, int] = {t: int(graph.data[t].num_nodes) for t in graph.data.node_types}
    edges: dict[str, int] = {"__".join(et): int(graph.data[et].edge_index.shape[1]) for et in graph.data.edge_types}
    summary = {
        "folder": str(folder),
        "from_cache": cached,
        "graph_release": graph.graph_release,
        "nodes": nodes,
        "edges": edges,
    }
    if fmt is OutputFormat.json:
        emit_json(summary)
        return
    emit(
        ["type", "count"],
        [[k, v] for k, v in {**nodes, **edges}.items()],
        fmt,
        title=f"export {graph.spec_key} of graph {graph.graph_release}",
    )
    console.print(f"{'cached' if cached else 'written'}: {folder}")
