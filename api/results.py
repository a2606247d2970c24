"""Typed answers shared by the resolvers: the union members a field returns when it has no value."""

from __future__ import annotations

import base64
from typing import Any

from strawberry.types import Info

from api.context import DOWN, Context
from api.evidence import datatype_rows, overall
from api.service import GRAPH_DOWN
from api.types import BadInput, DatatypeScore, ErrorCode, Evidence, EvidenceResult, NotFound, Unavailable

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
