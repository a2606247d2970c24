"""Graph schema v1: node labels, relationship types and the records adapters yield.

The schema is a public contract for Cypher users (see ``docs/schema.md``). Labels and
relationship types are Enum members because they end up inside Cypher strings, where
parameters are not allowed: everything interpolated is checked against these Enums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kg.typing import EdgeType, Properties


class NodeLabel(StrEnum):
    """Node labels of schema v1."""

    GENE = "Gene"
    DISEASE = "Disease"
    PHENOTYPE = "Phenotype"
    TISSUE = "Tissue"
    GO_TERM = "GOTerm"


class RelType(StrEnum):
    """Relationship types of schema v1."""

    ASSOCIATED_WITH = "ASSOCIATED_WITH"
    MUTATED_IN = "MUTATED_IN"
    UPREGULATED_IN = "UPREGULATED_IN"
    DOWNREGULATED_IN = "DOWNREGULATED_IN"
    EXPRESSED_IN = "EXPRESSED_IN"
    HAS_PHENOTYPE = "HAS_PHENOTYPE"
    IS_A = "IS_A"
    LOCALIZES_TO = "LOCALIZES_TO"
    ANNOTATED_WITH = "ANNOTATED_WITH"
    INTERACTS_WITH = "INTERACTS_WITH"
    SAME_AS = "SAME_AS"
    SUBCLASS_OF = "SUBCLASS_OF"
    HEREDITARY_FORM = "HEREDITARY_FORM"


#: (start label, end label) of every relationship type.
ENDPOINTS: dict[RelType, tuple[NodeLabel, NodeLabel]] = {
    RelType.ASSOCIATED_WITH: (NodeLabel.GENE, NodeLabel.DISEASE),
    RelType.MUTATED_IN: (NodeLabel.GENE, NodeLabel.DISEASE),
    RelType.UPREGULATED_IN: (NodeLabel.GENE, NodeLabel.DISEASE),
    RelType.DOWNREGULATED_IN: (NodeLabel.GENE, NodeLabel.DISEASE),
    RelType.EXPRESSED_IN: (NodeLabel.GENE, NodeLabel.TISSUE),
    RelType.HAS_PHENOTYPE: (NodeLabel.DISEASE, NodeLabel.PHENOTYPE),
    RelType.IS_A: (NodeLabel.PHENOTYPE, NodeLabel.PHENOTYPE),
    RelType.LOCALIZES_TO: (NodeLabel.DISEASE, NodeLabel.TISSUE),
    RelType.ANNOTATED_WITH: (NodeLabel.GENE, NodeLabel.GO_TERM),
    # Undirected in meaning: stored once per pair, start id < end id.
    RelType.INTERACTS_WITH: (NodeLabel.GENE, NodeLabel.GENE),
    # OMIM/ORPHA disease -> the MONDO class it is an exact match of (MONDO SSSOM / mondo.obo).
    RelType.SAME_AS: (NodeLabel.DISEASE, NodeLabel.DISEASE),
    # MONDO class -> its MONDO parent.
    RelType.SUBCLASS_OF: (NodeLabel.DISEASE, NodeLabel.DISEASE),
    # TCGA cohort -> a hereditary disease of the same cancer (curated, etl/data/tcga_hereditary.tsv).
    RelType.HEREDITARY_FORM: (NodeLabel.DISEASE, NodeLabel.DISEASE),
}

#: Links between disease vocabularies: a mapping file names far more diseases than the graph
#: holds, so an edge whose endpoint no source produced is left out (and counted), not rejected.
CROSS_REFERENCES = frozenset({RelType.SAME_AS, RelType.HEREDITARY_FORM})
#: Sources a default graph loads from real reference data (``kg data install``); the TCGA ones are samples.
REFERENCE_SOURCES = ("genes", "hpo", "gtex", "go", "interactions", "constraint")


def missing_reference(loaded: dict[str, bool]) -> list[str]:
    """The reference sources a graph lacks: not loaded, or loaded synthetic (``loaded``: name → synthetic)."""
    return [name for name in REFERENCE_SOURCES if loaded.get(name, True)]


#: Properties that, with the two endpoints and the type, identify one relationship.
#: ``source`` is always part of the key so that each source owns its own edges.
EDGE_KEY: dict[RelType, tuple[str, ...]] = {
    rel: ("source", "normal_source") if rel in (RelType.UPREGULATED_IN, RelType.DOWNREGULATED_IN) else ("source",)
    for rel in RelType
}

#: Properties each relationship type must carry beyond provenance.
REQUIRED_EDGE_PROPERTIES: dict[RelType, tuple[str, ...]] = {
    RelType.ASSOCIATED_WITH: (),
    RelType.MUTATED_IN: ("n_mutated", "n_samples", "frequency"),
    RelType.UPREGULATED_IN: ("log2fc", "padj", "n_tumor", "n_normal", "normal_source"),
    RelType.DOWNREGULATED_IN: ("log2fc", "padj", "n_tumor", "n_normal", "normal_source"),
    RelType.EXPRESSED_IN: ("tpm_median", "specificity"),
    RelType.HAS_PHENOTYPE: (),
    RelType.IS_A: (),
    RelType.LOCALIZES_TO: (),
    RelType.ANNOTATED_WITH: ("evidence", "aspect"),
    RelType.INTERACTS_WITH: ("method",),
    RelType.SAME_AS: ("predicate",),
    RelType.SUBCLASS_OF: (),
    RelType.HEREDITARY_FORM: ("relation",),
}

#: Labels of bookkeeping nodes that are not part of the biological graph.
META_LABEL = "KGSourceLoad"


def edge_type(rel: RelType) -> EdgeType:
    """Return the PyG-style ``(src, rel, dst)`` triple of a relationship type."""
    start, end = ENDPOINTS[rel]
    return (start.value, rel.value, end.value)


def _clean(props: Properties) -> Properties:
    return {k: v for k, v in props.items() if v is not None}


@dataclass(frozen=True)
class Node:
    """A node record as adapters yield it.

    Args:
        label: The node label.
        id: The CURIE that uniquely identifies the node.
        props: Further properties; ``None`` values are dropped.
    """

    label: NodeLabel
    id: str
    props: Properties = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """Return the row written to the release table and Neo4j."""
        return {"id": self.id, **_clean(self.props)}


@dataclass(frozen=True)
class Edge:
    """A relationship record as adapters yield it (provenance is added by the pipeline).

    Args:
        type: The relationship type.
        start: CURIE of the start node.
        end: CURIE of the end node.
        props: Properties of the relationship; ``None`` values are dropped.
    """

    type: RelType
    start: str
    end: str
    props: Properties = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """Return the row written to the release table and Neo4j."""
        return {"start": self.start, "end": self.end, **_clean(self.props)}


Record = Node | Edge
