"""What an explanation is: one typed object that the CLI table, GraphQL, GraphML and the explorer render.

Torch-free, so that the CLI can rebuild an explanation from a worker's JSON reply
(:meth:`Explanation.from_dict`) without loading the model. :class:`gnn.explain.Explainer` makes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
        return asdict(self)

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
        """The JSON form: the fields, with the node's keys inline."""
        d = asdict(self)
        node = d.pop("node")
        return {**d, **node}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Neighbour:
        """The neighbour of a JSON form."""
        return cls(str(d["side"]), int(d["layer"]), str(d["relation"]), float(d["weight"]), NodeRef.from_dict(d))


def _inline(node: NodeRef, **rest: Any) -> dict[str, Any]:
    """A JSON row: the node's keys, then the row's own."""
    return {**node.as_dict(), **rest}


@dataclass(frozen=True)
class MatchedPhenotype:
    """A phenotype the query shares with a similar known disease: its IC and its weight in the cosine."""

    node: NodeRef
    ic: float
    weight: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the node's keys inline)."""
        return _inline(self.node, ic=self.ic, weight=self.weight)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MatchedPhenotype:
        """The phenotype of a JSON form."""
        return cls(NodeRef.from_dict(d), float(d["ic"]), float(d["weight"]))


@dataclass(frozen=True)
class SimilarDisease:
    """A known disease of the gene like the query: the cosine, the source factor on it, the shared phenotypes."""

    node: NodeRef
    cosine: float
    source_factor: float
    shared_phenotypes: tuple[MatchedPhenotype, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the node's keys inline)."""
        shared = [t.as_dict() for t in self.shared_phenotypes]
        return _inline(self.node, cosine=self.cosine, source_factor=self.source_factor, shared_phenotypes=shared)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SimilarDisease:
        """The disease of a JSON form."""
        shared = tuple(MatchedPhenotype.from_dict(t) for t in d["shared_phenotypes"])
        return cls(NodeRef.from_dict(d), float(d["cosine"]), float(d.get("source_factor", 1.0)), shared)


@dataclass(frozen=True)
class SpreadHop:
    """A partner or GO term whose evidence reached the gene: the edge's weight, its evidence, the flow."""

    node: NodeRef
    relation: str
    weight: float
    prior: float
    flow: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the node's keys inline)."""
        return _inline(self.node, relation=self.relation, weight=self.weight, prior=self.prior, flow=self.flow)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SpreadHop:
        """The hop of a JSON form."""
        return cls(NodeRef.from_dict(d), str(d["relation"]), float(d["weight"]), float(d["prior"]), float(d["flow"]))


@dataclass(frozen=True)
class PhenotypeDetail:
    """The phenotype side of a score: the gene's similar diseases and what spread to it from its neighbours.

    For the evidence network ``value`` is the similar-disease paths' share, ``with_spread`` every
    path's and ``weight`` the gene's gate; for the older attention model, the phenotype prior, the
    prior with its spread, the prior's weight and ``logit_part`` its part of the logit.
    """

    value: float
    with_spread: float
    weight: float
    logit_part: float
    similar_diseases: tuple[SimilarDisease, ...] = ()
    spread_from: tuple[SpreadHop, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "value": self.value,
            "with_spread": self.with_spread,
            "weight": self.weight,
            "logit_part": self.logit_part,
            "similar_diseases": [s.as_dict() for s in self.similar_diseases],
            "spread_from": [h.as_dict() for h in self.spread_from],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PhenotypeDetail:
        """The detail of a JSON form."""
        return cls(
            float(d["value"]),
            float(d["with_spread"]),
            float(d["weight"]),
            float(d["logit_part"]),
            tuple(SimilarDisease.from_dict(s) for s in d.get("similar_diseases", [])),
            tuple(SpreadHop.from_dict(h) for h in d.get("spread_from", [])),
        )


#: A score part's optional keys, in the JSON form's order (a path's node, its attention, the node before it).
_PART_KEYS = ("kind", "id", "name", "attention", "via")


@dataclass(frozen=True)
class ScorePart:
    """One part of a served score: a path (``kind`` and its node set), the other paths together, or the baseline.

    For a run without the evidence network, a feature of the evidence ranker (``value`` its
    standardised input).
    """

    feature: str
    value: float
    contribution: float
    kind: str | None = None
    id: str | None = None
    name: str | None = None
    attention: float | None = None
    via: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: a path's keys only where the part is a path."""
        row: dict[str, Any] = {"feature": self.feature, "value": self.value}
        if self.kind is not None:
            row |= {key: getattr(self, key) for key in _PART_KEYS if key != "via" or self.via is not None}
        return row | {"contribution": self.contribution}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScorePart:
        """The part of a JSON form."""
        return cls(str(d["feature"]), float(d["value"]), float(d["contribution"]), *(d.get(k) for k in _PART_KEYS))


@dataclass(frozen=True)
class ScoreParts:
    """A score and its parts, which add up to it, largest first.

    The evidence network's also has the served ``probability``, the gene's ``gate`` (a factor in
    every part) and the gate's readable inputs; an older run's ranker has only the score and parts.
    """

    score: float
    parts: tuple[ScorePart, ...]
    probability: float | None = None
    gate: float | None = None
    gate_inputs: Mapping[str, float] | None = None

    @property
    def network(self) -> bool:
        """Whether the evidence network made the score (it has a gate)."""
        return self.gate is not None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the network's keys only for the network)."""
        head: dict[str, Any] = {"score": self.score}
        if self.network:
            inputs = dict(self.gate_inputs or {})
            head |= {"probability": self.probability, "gate": self.gate, "gate_inputs": inputs}
        return head | {"parts": [p.as_dict() for p in self.parts]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreParts:
        """The score of a JSON form."""
        parts = tuple(ScorePart.from_dict(p) for p in d["parts"])
        return cls(float(d["score"]), parts, d.get("probability"), d.get("gate"), d.get("gate_inputs"))


@dataclass
class Explanation:
    """The paths and parts behind one gene–disease score.

    ``prior`` holds the phenotype detail (the gene's similar diseases and the phenotypes they share
    with the query; for the evidence network also its partner and GO hops), ``evidence`` the score
    and its parts, which add up to the served score.
    """

    gene: NodeRef
    disease: NodeRef
    logit: float
    neighbours: list[Neighbour] = field(default_factory=list)
    paths: list[ExplainedPath] = field(default_factory=list)
    #: The graph edges the paths run through, with their weight (for deletion checks; not in the JSON form).
    edges: list[tuple[EdgeType, int, int, float]] = field(default_factory=list)
    prior: PhenotypeDetail | None = None
    evidence: ScoreParts | None = None
    synthetic: bool = False  # the model saw synthetic sample data (paths say which of their edges are)

    @property
    def served_score(self) -> float | None:
        """The score the ranking uses (``None``: a run that ranks by the logit)."""
        return None if self.evidence is None else self.evidence.score

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the internal edge list)."""
        return {
            "gene": self.gene.as_dict(),
            "disease": self.disease.as_dict(),
            "logit": self.logit,
            "neighbours": [n.as_dict() for n in self.neighbours],
            "paths": [p.as_dict() for p in self.paths],
            "prior": None if self.prior is None else self.prior.as_dict(),
            "evidence": None if self.evidence is None else self.evidence.as_dict(),
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
            None if d.get("prior") is None else PhenotypeDetail.from_dict(d["prior"]),
            None if d.get("evidence") is None else ScoreParts.from_dict(d["evidence"]),
            bool(d.get("synthetic", False)),
        )
