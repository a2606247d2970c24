"""Reading a subgraph out of Neo4j as plain tables (for :mod:`gnn.export`).

Choose node labels and relationship types, filter edges by source and by a minimum value
of a numeric property, and optionally keep only the ``hops``-neighbourhood of seed nodes.
Everything is read in one read transaction per query with ``$parameters``; labels and types
come from the schema Enums.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from neo4j import ManagedTransaction

from kg.errors import KGError
from kg.schema import ENDPOINTS, NodeLabel, RelType
from kg.store import Neo4jStore

#: Numeric relationship properties exported as edge attributes, per type.
EDGE_ATTRS: dict[RelType, tuple[str, ...]] = {
    RelType.MUTATED_IN: ("frequency",),
    RelType.UPREGULATED_IN: ("log2fc", "padj"),
    RelType.DOWNREGULATED_IN: ("log2fc", "padj"),
    RelType.EXPRESSED_IN: ("tpm_median", "specificity"),
    RelType.HAS_PHENOTYPE: ("frequency_value",),
}
#: Numeric node properties exported as node attributes, per label (missing values: NaN).
NODE_ATTRS: dict[NodeLabel, tuple[str, ...]] = {NodeLabel.GENE: ("loeuf", "pli", "mis_z")}


class EmptyExport(KGError):
    """The chosen subgraph has no edges (or the seeds were not found)."""


@dataclass(frozen=True)
class ExportSpec:
    """Which part of the graph to export.

    Args:
        rel_types: Relationship types to export (their endpoint labels come along).
        sources: Keep only edges from these sources (``None``: all).
        min_values: Per type, ``(property, minimum)``: drop weaker edges.
        seeds: Node ids; when given, only their ``hops``-neighbourhood is exported.
        hops: Neighbourhood radius around the seeds.
        include_synthetic: Also export edges loaded from synthetic sample files (flagged
            ``synthetic: true`` by the ETL). Off by default: synthetic data never reaches a model
            unless asked for, and a model that saw it says so.
    """

    rel_types: tuple[RelType, ...] = tuple(RelType)
    sources: tuple[str, ...] | None = None
    min_values: dict[str, tuple[str, float]] = field(default_factory=dict)
    seeds: tuple[str, ...] = ()
    hops: int = 2
    include_synthetic: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "rel_types", tuple(RelType(r) for r in self.rel_types))
        for rel, (prop, _) in self.min_values.items():
            if RelType(rel) not in EDGE_ATTRS or prop not in EDGE_ATTRS[RelType(rel)]:
                raise ValueError(f"min_values[{rel!r}]: {prop!r} is not a numeric property of {rel}")
        if self.hops < 0:
            raise ValueError(f"hops must be >= 0, got {self.hops}")

    @property
    def labels(self) -> tuple[NodeLabel, ...]:
        """Labels of the endpoints of the chosen types."""
        return tuple(sorted({label for rel in self.rel_types for label in ENDPOINTS[rel]}))

    def key(self) -> str:
        """A stable hash of the spec."""
        data = asdict(self)
        data["rel_types"] = [r.value for r in self.rel_types]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class GraphTables:
    """A subgraph as plain Python tables.

    Args:
        nodes: ``label -> [(id, name), …]`` sorted by id.
        edges: ``type -> (start ids, end ids, {attr: values})``; with synthetic edges included,
            ``attrs["synthetic"]`` is 1.0 for each synthetic edge and 0.0 otherwise.
        state: What is loaded (source → fingerprint, version, release) when exported.
        node_attrs: ``label -> {property: values}`` in the order of ``nodes`` (:data:`NODE_ATTRS`).
    """

    nodes: dict[NodeLabel, list[tuple[str, str | None]]]
    edges: dict[RelType, tuple[list[str], list[str], dict[str, list[float]]]]
    state: dict[str, dict[str, Any]]
    node_attrs: dict[NodeLabel, dict[str, list[float]]] = field(default_factory=dict)

    @property
    def synthetic_edges(self) -> int:
        """How many exported edges came from synthetic sample files."""
        return sum(int(sum(attrs.get("synthetic", []))) for _, _, attrs in self.edges.values())


def graph_state(store: Neo4jStore) -> dict[str, dict[str, Any]]:
    """Fingerprint, version and release of each loaded source (cheap; keys export caches)."""
    return {
        row["source"]: {k: row.get(k) for k in ("fingerprint", "version", "release", "state")}
        for row in store.source_loads()
    }


def _neighbourhood(tx: ManagedTransaction, spec: ExportSpec) -> set[str]:
    types = [r.value for r in spec.rel_types]
    found = {r["id"] for r in tx.run("MATCH (n) WHERE n.id IN $ids RETURN n.id AS id", ids=list(spec.seeds))}
    missing = sorted(set(spec.seeds) - found)
    if missing:
        raise EmptyExport(f"seed ids not in the graph: {', '.join(missing[:5])}")
    frontier, seen = set(found), set(found)
    for _ in range(spec.hops):
        query = (
            "MATCH (a)-[r]-(b) WHERE a.id IN $ids AND type(r) IN $types "
            "AND ($sources IS NULL OR r.source IN $sources) "
            "AND ($synthetic OR coalesce(r.synthetic, false) = false) RETURN DISTINCT b.id AS id"
        )
        found_ids = tx.run(
            query, ids=list(frontier), types=types, sources=spec.sources, synthetic=spec.include_synthetic
        )
        nxt = {r["id"] for r in found_ids} - seen
        if not nxt:
            break
        seen |= nxt
        frontier = nxt
    return seen


def read_subgraph(store: Neo4jStore, spec: ExportSpec) -> GraphTables:
    """Read the subgraph of ``spec`` (raises :class:`EmptyExport` if it has no edges)."""

    def work(tx: ManagedTransaction) -> GraphTables:
        keep = _neighbourhood(tx, spec) if spec.seeds else None
        edges: dict[RelType, tuple[list[str], list[str], dict[str, list[float]]]] = {}
        used: dict[NodeLabel, set[str]] = {label: set() for label in spec.labels}
        for rel in spec.rel_types:
            start, end = ENDPOINTS[rel]
            attrs = EDGE_ATTRS.get(rel, ())
            prop, minimum = spec.min_values.get(rel.value, (None, None))
            query = (
                f"MATCH (a:{start.value})-[r:{rel.value}]->(b:{end.value}) "
                "WHERE ($sources IS NULL OR r.source IN $sources) "
                "AND ($prop IS NULL OR r[$prop] >= $minimum) "
                "AND ($synthetic OR coalesce(r.synthetic, false) = false) "
                "AND ($keep IS NULL OR (a.id IN $keep AND b.id IN $keep)) "
                "RETURN a.id AS a, b.id AS b" + "".join(f", r.{attr} AS {attr}" for attr in attrs)
            )
            if spec.include_synthetic:
                attrs = (*attrs, "synthetic")
                query += ", CASE WHEN r.synthetic THEN 1.0 ELSE 0.0 END AS synthetic"
            result = tx.run(
                query + " ORDER BY a, b",
                sources=spec.sources,
                prop=prop,
                minimum=minimum,
                synthetic=spec.include_synthetic,
                keep=sorted(keep) if keep is not None else None,
            )
            starts: list[str] = []
            ends: list[str] = []
            values: dict[str, list[float]] = {attr: [] for attr in attrs}
            for record in result:
                starts.append(record["a"])
                ends.append(record["b"])
                for attr in attrs:
                    value = record[attr]
                    values[attr].append(float(value) if value is not None else float("nan"))
            if starts:
                edges[rel] = (starts, ends, values)
                used[start].update(starts)
                used[end].update(ends)
        if not edges:
            raise EmptyExport("the chosen subgraph has no edges (check types, sources and filters)")
        nodes: dict[NodeLabel, list[tuple[str, str | None]]] = {}
        node_attrs: dict[NodeLabel, dict[str, list[float]]] = {}
        for label, ids in used.items():
            if not ids:
                continue
            props = NODE_ATTRS.get(label, ())
            records = list(
                tx.run(
                    f"MATCH (n:{label.value}) WHERE n.id IN $ids "
                    "RETURN n.id AS id, coalesce(n.symbol, n.name) AS name"
                    + "".join(f", n.{p} AS {p}" for p in props)
                    + " ORDER BY id",
                    ids=sorted(ids),
                )
            )
            nodes[label] = [(r["id"], r["name"]) for r in records]
            if props:
                node_attrs[label] = {
                    p: [float(r[p]) if r[p] is not None else float("nan") for r in records] for p in props
                }
        return GraphTables(nodes, edges, {}, node_attrs)

    tables = store.read(work)
    tables.state = graph_state(store)
    return tables
