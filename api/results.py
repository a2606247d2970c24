"""Typed answers shared by the resolvers: the union members a field returns when it has no value."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from strawberry.types import Info

from api.breaker import GRAPH_DOWN
from api.context import DOWN, Context
from api.evidence import datatype_rows, overall
from api.types import (
    BadInput,
    DatatypeScore,
    ErrorCode,
    Evidence,
    EvidencePart,
    EvidenceResult,
    EvidenceScore,
    MatchedPhenotype,
    NodeRef,
    NotFound,
    PriorPart,
    PriorSpread,
    SimilarDisease,
    Unavailable,
)
from gnn import explanation as gx

Ctx = Info[Context, None]


def graph_down() -> Unavailable:
    """The typed error of a field that needs the graph while Neo4j is down."""
    return Unavailable(code=ErrorCode.GRAPH_UNAVAILABLE, message=GRAPH_DOWN)


def evidence_result(rels: Any) -> EvidenceResult:
    """A pair's evidence relationships as the ``evidence`` field's answer (``DOWN``: the graph's typed error)."""
    if rels is DOWN:
        return graph_down()
    rows = datatype_rows(rels or [])
    return Evidence(overall=overall(rows), datatypes=[DatatypeScore(**r) for r in rows])


def no_model(info: Ctx) -> Unavailable:
    """The typed error of a field that needs the model while none is loaded (with the reason)."""
    return Unavailable(code=ErrorCode.MODEL_UNAVAILABLE, message=info.context.service.model.error or "no model")


def not_found(exc: Any) -> NotFound:
    """The typed error of a :class:`gnn.inference.UnknownId`."""
    return NotFound(code=ErrorCode.NOT_FOUND, message=exc.reason, close_matches=exc.close_matches)


def check_first(info: Ctx, first: int) -> BadInput | None:
    """``BadInput`` unless 1 ≤ ``first`` ≤ ``max_first`` (never silently capped)."""
    cap = info.context.service.settings.api.max_first
    if not 1 <= first <= cap:
        return BadInput(code=ErrorCode.BAD_INPUT, message=f"first must be between 1 and {cap}, got {first}")
    return None


def page_cursor(offset: int) -> str:
    """The opaque cursor of the row at ``offset`` in a page of candidates."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def cursor_offset(cursor: str | None) -> int | None:
    """The offset a page starts at after ``cursor`` (0 without one); ``None`` for a cursor this API never gave."""
    if cursor is None:
        return 0
    try:
        kind, value = base64.b64decode(cursor.encode(), validate=True).decode().split(":")
        return int(value) + 1 if kind == "offset" and int(value) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None


def prior_part(p: gx.PhenotypeDetail | None, ref: Callable[[gx.NodeRef], NodeRef]) -> PriorPart | None:
    """The explanation's phenotype detail as its GraphQL type."""
    if p is None:
        return None
    return PriorPart(
        value=p.value,
        with_spread=p.with_spread,
        weight=p.weight,
        logit_part=p.logit_part,
        similar_diseases=[
            SimilarDisease(
                node=ref(d.node),
                cosine=d.cosine,
                source_factor=d.source_factor,
                shared_phenotypes=[
                    MatchedPhenotype(node=ref(t.node), ic=t.ic, weight=t.weight) for t in d.shared_phenotypes
                ],
            )
            for d in p.similar_diseases
        ],
        spread_from=[
            PriorSpread(node=ref(n.node), relation=n.relation, weight=n.weight, prior=n.prior, flow=n.flow)
            for n in p.spread_from
        ],
    )


def evidence_score(e: gx.ScoreParts | None) -> EvidenceScore | None:
    """The explanation's score and its parts: the evidence network's paths, or an older run's ranker features."""
    if e is None:
        return None
    return EvidenceScore(
        score=e.score,
        parts=[EvidencePart(**asdict(p)) for p in e.parts],  # every field of a part is a GraphQL field
        probability=e.probability,
        gate=e.gate,
    )
