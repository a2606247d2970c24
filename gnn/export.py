"""Exports of the live graph as PyTorch Geometric ``HeteroData``, cached on disk.

The cache key is the export spec plus the fingerprints of the loaded sources, so a second
training run on an unchanged graph reads the cache (one tiny metadata query, no export).
Tensors are stored with safetensors and metadata as JSON: nothing is pickled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch_geometric.data import HeteroData

from gnn.ontology import DiseaseFacts
from kg.export import ExportSpec, GraphTables, graph_state, read_subgraph
from kg.schema import ENDPOINTS, NodeLabel, RelType
from kg.store import Neo4jStore
from kg.typing import EdgeType

FORMAT_VERSION = 2  # 2: node attributes (gene constraint)
#: Formats :func:`load` reads: format 1 (before node attributes) loads with none, so a model whose
#: export was cached by an earlier version still loads without Neo4j.
READABLE_FORMATS = (1, 2)

#: What the default model learns from: HPO phenotypes and gene–disease links plus the real gene
#: knowledge (GO annotations, interactions). TCGA-derived edges (synthetic in the shipped data)
#: and the 750k GTEx edges are not message-passing inputs of the default model, and no export
#: includes edges from synthetic sample files unless asked to (``ExportSpec.include_synthetic``).
MODEL_SPEC = ExportSpec(
    rel_types=(
        RelType.ASSOCIATED_WITH,
        RelType.HAS_PHENOTYPE,
        RelType.IS_A,
        RelType.ANNOTATED_WITH,
        RelType.INTERACTS_WITH,
    )
)


def model_spec(include_synthetic: bool = False) -> ExportSpec:
    """:data:`MODEL_SPEC`, optionally with edges from synthetic sample files (``kg train --include-synthetic``)."""
    return dataclasses.replace(MODEL_SPEC, include_synthetic=include_synthetic)


@dataclass
class ExportedGraph:
    """A ``HeteroData`` with the id maps and provenance that travel with it.

    Args:
        data: The graph; ``data[node_type].num_nodes``, ``data[edge_type].edge_index``
            (``[2, num_edges]``) and, where the type has numeric properties,
            ``data[edge_type].edge_attr`` (``[num_edges, num_attrs]``).
        node_ids: Node CURIEs per node type, in index order.
        node_names: Symbol or name per node, in index order.
        edge_attrs: Names of the ``edge_attr`` columns per edge type.
        state: Per loaded source: fingerprint, version, release.
        graph_release: Hash of ``state``: identifies the graph the export came from.
        spec_key: Hash of the export spec.
        node_attrs: Names of the ``node_attr`` columns per node type (``data[node_type].node_attr``,
            ``[num_nodes, num_attrs]``, NaN where a node has no value).
    """

    data: HeteroData
    node_ids: dict[str, list[str]]
    node_names: dict[str, list[str | None]]
    edge_attrs: dict[EdgeType, list[str]]
    state: dict[str, dict[str, Any]]
    graph_release: str
    spec_key: str
    node_attrs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def synthetic_edges(self) -> int:
        """Edges from synthetic sample files in this export (0 unless exported with ``include_synthetic``)."""
        total = 0
        for et, columns in self.edge_attrs.items():
            if "synthetic" in columns:
                total += int(self.data[et].edge_attr[:, columns.index("synthetic")].sum())
        return total

    @property
    def num_nodes(self) -> dict[str, int]:
        """Node count per type."""
        return {t: int(self.data[t].num_nodes) for t in self.data.node_types}

    @property
    def edges(self) -> dict[EdgeType, torch.Tensor]:
        """The stored edge types' ``[2, E]`` indices (no reverses; see :class:`gnn.graph.MessageGraph`)."""
        return {et: self.data[et].edge_index for et in self.data.edge_types}

    @property
    def disease_facts(self) -> DiseaseFacts:
        """Each ``HAS_PHENOTYPE`` edge's HPO frequency (when exported) and each disease's curation source."""
        et = ("Disease", "HAS_PHENOTYPE", "Phenotype")
        columns = self.edge_attrs.get(et, [])
        frequency = None
        if "frequency_value" in columns:
            frequency = self.data[et].edge_attr[:, columns.index("frequency_value")]
        return DiseaseFacts(frequency, DiseaseFacts.source_codes(self.node_ids.get("Disease", [])))

    def index(self, node_type: str) -> dict[str, int]:
        """CURIE → index for one node type."""
        return {curie: i for i, curie in enumerate(self.node_ids[node_type])}


def state_hash(state: dict[str, dict[str, Any]]) -> str:
    """Identifier of the loaded graph: a hash of every source's fingerprint and release."""
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _key(edge_type: EdgeType) -> str:
    return "__".join(edge_type)


def to_hetero(tables: GraphTables, spec: ExportSpec) -> ExportedGraph:
    """Build the ``HeteroData`` of exported tables."""
    data = HeteroData()
    node_ids: dict[str, list[str]] = {}
    node_names: dict[str, list[str | None]] = {}
    for label, rows in tables.nodes.items():
        node_ids[label.value] = [r[0] for r in rows]
        node_names[label.value] = [r[1] for r in rows]
        data[label.value].num_nodes = len(rows)
    node_attrs: dict[str, list[str]] = {}
    for label, values in tables.node_attrs.items():
        node_attrs[label.value] = list(values)
        data[label.value].node_attr = torch.tensor([values[a] for a in values], dtype=torch.float32).t().contiguous()
    index = {t: {c: i for i, c in enumerate(ids)} for t, ids in node_ids.items()}
    edge_attrs: dict[EdgeType, list[str]] = {}
    for rel, (starts, ends, values) in tables.edges.items():
        src, dst = (label.value for label in ENDPOINTS[rel])
        et: EdgeType = (src, rel.value, dst)
        data[et].edge_index = torch.tensor(
            [[index[src][s] for s in starts], [index[dst][e] for e in ends]], dtype=torch.long
        )
        if values:
            edge_attrs[et] = list(values)
            data[et].edge_attr = torch.tensor([values[a] for a in values], dtype=torch.float32).t().contiguous()
    return ExportedGraph(
        data, node_ids, node_names, edge_attrs, tables.state, state_hash(tables.state), spec.key(), node_attrs
    )


def save(graph: ExportedGraph, folder: Path) -> None:
    """Write ``tensors.safetensors`` and ``meta.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for et in graph.data.edge_types:
        tensors[f"edge_index/{_key(et)}"] = graph.data[et].edge_index.contiguous()
        if "edge_attr" in graph.data[et]:
            tensors[f"edge_attr/{_key(et)}"] = graph.data[et].edge_attr.contiguous()
    for node_type in graph.node_attrs:
        tensors[f"node_attr/{node_type}"] = graph.data[node_type].node_attr.contiguous()
    save_file(tensors, str(folder / "tensors.safetensors"))
    meta = {
        "format": FORMAT_VERSION,
        "node_ids": graph.node_ids,
        "node_names": graph.node_names,
        "edge_attrs": {_key(et): cols for et, cols in graph.edge_attrs.items()},
        "edge_types": [list(et) for et in graph.data.edge_types],
        "node_attrs": graph.node_attrs,
        "state": graph.state,
        "graph_release": graph.graph_release,
        "spec_key": graph.spec_key,
    }
    (folder / "meta.json").write_text(json.dumps(meta, sort_keys=True))


def load(folder: Path) -> ExportedGraph:
    """Read an export written by :func:`save`."""
    meta = json.loads((folder / "meta.json").read_text())
    if meta.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{folder}: export format {meta.get('format')!r}, expected one of {READABLE_FORMATS}")
    tensors = load_file(str(folder / "tensors.safetensors"))
    data = HeteroData()
    for node_type, ids in meta["node_ids"].items():
        data[node_type].num_nodes = len(ids)
    for node_type in meta.get("node_attrs", {}):  # format 1 had none
        data[node_type].node_attr = tensors[f"node_attr/{node_type}"]
    edge_attrs: dict[EdgeType, list[str]] = {}
    for src, rel, dst in meta["edge_types"]:
        et: EdgeType = (src, rel, dst)
        data[et].edge_index = tensors[f"edge_index/{_key(et)}"]
        if f"edge_attr/{_key(et)}" in tensors:
            data[et].edge_attr = tensors[f"edge_attr/{_key(et)}"]
            edge_attrs[et] = meta["edge_attrs"][_key(et)]
    return ExportedGraph(
        data,
        meta["node_ids"],
        meta["node_names"],
        edge_attrs,
        meta["state"],
        meta["graph_release"],
        meta["spec_key"],
        meta.get("node_attrs", {}),
    )


class ExportCache:
    """The export cache folder: one sub-folder per (spec, graph state), named ``{spec key}-{state hash}``.

    Args:
        root: The cache folder (``$KG_HOME/exports`` by default, see :meth:`of_home`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of_home(cls, home: Path) -> ExportCache:
        """The cache under a ``KG_HOME``."""
        return cls(home / "exports")

    def folder(self, spec: ExportSpec, state: dict[str, dict[str, Any]]) -> Path:
        """Where the export of ``spec`` from a graph in ``state`` lives."""
        return self.root / f"{spec.key()}-{state_hash(state)}"

    def find(self, graph_release: str) -> Path | None:
        """The newest cached export of ``graph_release`` (so a model loads without Neo4j)."""
        metas = sorted(self.root.glob("*/meta.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for meta in metas:
            try:
                if json.loads(meta.read_text()).get("graph_release") == graph_release:
                    return meta.parent
            except (OSError, json.JSONDecodeError):
                continue
        return None


def _format(folder: Path) -> object:
    """The format of the export cached in ``folder`` (``None``: none, or unreadable)."""
    try:
        return json.loads((folder / "meta.json").read_text()).get("format")
    except (OSError, json.JSONDecodeError):
        return None


def export_graph(
    store: Neo4jStore, spec: ExportSpec, cache: ExportCache | Path | None = None
) -> tuple[ExportedGraph, bool]:
    """Export ``spec`` from the live graph, or read it from the cache when the graph is unchanged.

    Returns:
        ``(graph, from_cache)``.
    """
    state = graph_state(store)
    if isinstance(cache, Path):
        cache = ExportCache(cache)
    folder = cache.folder(spec, state) if cache is not None else None
    if folder is not None and _format(folder) == FORMAT_VERSION:
        return load(folder), True  # an export of an earlier format is written again, in this one
    graph = to_hetero(read_subgraph(store, spec), spec)
    if folder is not None:
        save(graph, folder)
    return graph, False


__all__ = [
    "ExportCache",
    "ExportSpec",
    "ExportedGraph",
    "NodeLabel",
    "RelType",
    "export_graph",
    "load",
    "save",
    "to_hetero",
]
