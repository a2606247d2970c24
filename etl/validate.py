"""Validation of transformed records before anything is written."""

from __future__ import annotations

from numbers import Real

from kg.errors import SourceFormatError
from kg.ids import is_valid
from kg.schema import ENDPOINTS, REQUIRED_EDGE_PROPERTIES, Edge, Node, NodeLabel, RelType

#: Identifier prefixes each label accepts.
PREFIXES: dict[NodeLabel, tuple[str, ...]] = {
    NodeLabel.GENE: ("NCBIGene",),
    NodeLabel.DISEASE: ("OMIM", "ORPHA", "DECIPHER", "MONDO"),
    NodeLabel.PHENOTYPE: ("HP",),
    NodeLabel.TISSUE: ("UBERON",),
    NodeLabel.GO_TERM: ("GO",),
}
#: Numeric properties and their allowed closed ranges (``frequency`` of HAS_PHENOTYPE is
#: the raw HPO string; its number is ``frequency_value``).
RANGES: dict[str, tuple[float, float]] = {
    "frequency_value": (0.0, 1.0),
    "padj": (0.0, 1.0),
    "pvalue": (0.0, 1.0),
    "specificity": (0.0, 1.0),
    "tpm_median": (0.0, float("inf")),
    "n_mutated": (1, float("inf")),
    "n_samples": (1, float("inf")),
    "n_tumor": (1, float("inf")),
    "n_normal": (1, float("inf")),
}


def node_problem(node: Node) -> str | None:
    """Return why ``node`` is invalid, or ``None``."""
    if not is_valid(node.id, PREFIXES[node.label]):
        return f"bad {node.label.value} id {node.id!r}"
    return None


def edge_problem(edge: Edge, known: dict[NodeLabel, set[str]]) -> str | None:
    """Return why ``edge`` is invalid (bad ids, unknown endpoint, missing/out-of-range property)."""
    start_label, end_label = ENDPOINTS[edge.type]
    for label, curie in ((start_label, edge.start), (end_label, edge.end)):
        if curie not in known[label]:
            return f"{edge.type.value}: unknown {label.value} {curie!r}"
    for prop in REQUIRED_EDGE_PROPERTIES[edge.type]:
        if edge.props.get(prop) is None:
            return f"{edge.type.value} {edge.start}->{edge.end}: missing {prop!r}"
    ranges = {**RANGES, "frequency": (0.0, 1.0)} if edge.type is RelType.MUTATED_IN else RANGES
    for prop, (lo, hi) in ranges.items():
        value = edge.props.get(prop)
        if value is None:
            continue
        if not isinstance(value, Real) or not (lo <= float(value) <= hi):
            return f"{edge.type.value} {edge.start}->{edge.end}: {prop}={value!r} outside [{lo}, {hi}]"
    return None


def reject(source: str, reason: str) -> SourceFormatError:
    """A rejection for a record that failed validation (no file line: it is derived)."""
    return SourceFormatError(f"<{source} transform>", None, None, reason)
