"""A gene–disease explanation for GraphQL: the model's one typed answer rendered as GraphQL types.

The answer is a :class:`gnn.explanation.Explanation`, made by :class:`gnn.answers.Answers` as for
``kg explain``, its ids read by the one id policy. ``Query.explain`` and ``Candidate.explanation``
both resolve here.
"""

from __future__ import annotations

from api.context import run_sync
from api.results import Ctx, evidence_score, no_model, not_found, prior_part
from api.types import (
    Ambiguous,
    AttendedNeighbour,
    BadInput,
    ErrorCode,
    Explanation,
    ExplanationPath,
    ExplanationResult,
    NodeRef,
)
from gnn import explanation as gx


async def explain_pair(info: Ctx, gene: str, disease: str, top_k: int) -> ExplanationResult:
    """The explanation of one pair (``Query.explain`` and ``Candidate.explanation``)."""
    service = info.context.service
    state = service.model
    if state.context is None:
        return no_model(info)
    cap = service.settings.api.max_top_k
    if not 1 <= top_k <= cap:
        return BadInput(code=ErrorCode.BAD_INPUT, message=f"topK must be between 1 and {cap}, got {top_k}")
    from gnn.inference import AmbiguousId, UnknownId

    try:  # the one id policy (exact id, symbol, alias, suggestions) and the one explainer: gnn.answers
        e = await run_sync(state.answers.explanation, gene, disease, top_k)
    except AmbiguousId as exc:
        return Ambiguous(code=ErrorCode.AMBIGUOUS, message=exc.reason, candidates=exc.close_matches)
    except UnknownId as exc:
        return not_found(exc)

    def ref(n: gx.NodeRef) -> NodeRef:
        return NodeRef(type=n.type, id=n.id, name=n.name)

    return Explanation(
        gene=ref(e.gene),
        disease=ref(e.disease),
        logit=e.logit,
        model_version=state.info["version"],
        paths=[
            ExplanationPath(
                weight=p.weight,
                hops=p.hops,
                nodes=[ref(n) for n in p.nodes],
                relations=list(p.relations),
                synthetic=p.synthetic,
                kind=p.kind,
                value=p.value,
                attention=p.attention,
            )
            for p in e.paths
        ],
        neighbours=[
            AttendedNeighbour(side=n.side, layer=n.layer, relation=n.relation, weight=n.weight, node=ref(n.node))
            for n in e.neighbours
        ],
        prior=prior_part(e.prior, ref),
        evidence=evidence_score(e.evidence),
        synthetic=e.synthetic,
    )
