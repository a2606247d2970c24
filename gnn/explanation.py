"""What an explanation is: one typed object that the CLI table, GraphQL, GraphML and the explorer render.

Torch-free, so that the CLI can rebuild an explanation from a worker's JSON reply
(:meth:`Explanation.from_dict`) without loading the model. :class:`gnn.explain.Explainer` makes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kg.typing import EdgeType


@dataclass(frozen=True)
class NodeRef:
    """A node of the graph as an explanation names it."""

    type: str
    id: str
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"type", "id", "name"}``."""
        return {"type": self.type, "id": self.id, "name": self.name}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NodeRef:
        """The node of a JSON form (extra keys ignored)."""
        return cls(str(d.get("type") or ""), str(d["id"]), d.get("name"))


@dataclass(frozen=True)
class ExplainedPath:
    """A path from the gene to the query: its nodes, the relations between them, and its weight.

    For the evidence network, ``weight`` is the path's share of the served score (the shares add up
    to it), ``kind`` the path kind, ``value`` its figure in a biologist's unit (a cosine, the
    evidence of a gene) and ``attention`` the network's weight on its first hop. For the older
    attention model, ``weight`` is the product of attention along the path.
    """

    weight: float
    nodes: tuple[NodeRef, ...]
    relations: tuple[str, ...]
    synthetic: bool = False
    kind: str | None = None
    value: float | None = None
    attention: float | None = None

    @property
    def hops(self) -> int:
        """Edges along the path."""
        return len(self.nodes) - 1

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "weight": self.weight,
            "hops": self.hops,
            "nodes": [n.as_dict() for n in self.nodes],
            "relations": list(self.relations),
            "kind": self.kind,
            "value": self.value,
            "attention": self.attention,
            "synthetic": self.synthetic,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExplainedPath:
        """The path of a JSON form."""
        return cls(
            float(d["weight"]),
            tuple(NodeRef.from_dict(n) for n in d["nodes"]),
            tuple(d["relations"]),
            bool(d.get("synthetic", False)),
            d.get("kind"),
            d.get("value"),
            d.get("attention"),
        )


@dataclass(frozen=True)
class Neighbour:
    """A most-attended neighbour of the gene or the disease in the older attention model's encoder."""

    side: str
    layer: int
    relation: str
    weight: float
    node: NodeRef

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the node's keys inline)."""
        return {
            "side": self.side,
            "layer": self.layer,
            "relation": self.relation,
            "weight": self.weight,
            **self.node.as_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Neighbour:
        """The neighbour of a JSON form."""
        return cls(str(d["side"]), int(d["layer"]), str(d["relation"]), float(d["weight"]), NodeRef.from_dict(d))


@dataclass
class Explanation:
    """The paths and parts behind one gene–disease score.

    ``prior`` holds the phenotype detail (the gene's similar diseases and the phenotypes they share
    with the query; for the evidence network also its partner and GO hops), ``evidence`` the score
    and its parts: for the evidence network ``{"score", "gate", "parts": [...]}``, the parts adding up
    to the served score.
    """

    gene: NodeRef
    disease: NodeRef
    logit: float
    neighbours: list[Neighbour] = field(default_factory=list)
    paths: list[ExplainedPath] = field(default_factory=list)
    #: The graph edges the paths run through, with their weight (for deletion checks; not in the JSON form).
    edges: list[tuple[EdgeType, int, int, float]] = field(default_factory=list)
    prior: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    synthetic: bool = False  # the model saw synthetic sample data (paths say which of their edges are)

    @property
    def served_score(self) -> float | None:
        """The score the ranking uses (``None``: a run that ranks by the logit)."""
        return None if self.evidence is None else float(self.evidence["score"])

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the internal edge list)."""
        return {
            "gene": self.gene.as_dict(),
            "disease": self.disease.as_dict(),
            "logit": self.logit,
            "neighbours": [n.as_dict() for n in self.neighbours],
            "paths": [p.as_dict() for p in self.paths],
            "prior": self.prior,
            "evidence": self.evidence,
            "synthetic": self.synthetic,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Explanation:
        """The explanation of a JSON form (a worker's reply, ``kg explain --format json``, GraphQL's answer)."""
        return cls(
            NodeRef.from_dict(d["gene"]),
            NodeRef.from_dict(d["disease"]),
            float(d["logit"]),
            [Neighbour.from_dict(n) for n in d.get("neighbours", [])],
            [ExplainedPath.from_dict(p) for p in d.get("paths", [])],
            [],
            d.get("prior"),
            d.get("evidence"),
            bool(d.get("synthetic", False)),
        )
