"""GraphQL object types of the graph: genes, diseases and candidates, with their field resolvers.

The candidate page is resolved here (the root ``Query`` of :mod:`api.query` shares it); an
explanation is the model's answer rendered by :mod:`api.explanations`.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.breaker import GraphDown
from api.context import DOWN, run_sync
from api.evidence import datatype_rows
from api.execution import DECLINE, answered_without_info, selects
from api.explanations import explain_pair
from api.results import (
    Ctx,
    check_first,
    cursor_offset,
    evidence_result,
    graph_down,
    page_cursor,
)
from api.types import (
    Association,
    Associations,
    AssociationsResult,
    BadInput,
    ErrorCode,
    EvidenceResult,
    ExplanationResult,
    Expression,
    ExpressionResult,
    KnownGene,
    KnownGenes,
    KnownGenesResult,
    NodeRef,
    NotFound,
    PageInfo,
    Phenotype,
    Phenotypes,
    PhenotypesResult,
    TissueExpression,
    Unavailable,
)
from kg import queries
from kg.ids import normalise_curie, suggest


@strawberry.type
class Gene:
    id: str
    symbol: str | None

    @strawberry.field(description="Full name (needs the graph; null when it is down).")
    async def name(self, info: Ctx) -> str | None:
        row = await info.context.genes.load(self.id)
        return None if row is None or row is DOWN else row.get("name")

    @strawberry.field(description="Synonyms and previous symbols.")
    async def aliases(self, info: Ctx) -> list[str]:
        row = await info.context.genes.load(self.id)
        return [] if row is None or row is DOWN else list(row.get("aliases") or [])

    @strawberry.field(description="Known evidence linking this gene to diseases.")
    async def associations(self, info: Ctx) -> AssociationsResult:
        rows = await info.context.associations.load(self.id)
        if rows is DOWN:
            return graph_down()
        items = []
        for rel in rows or []:
            scored = datatype_rows([rel])[0]
            items.append(
                Association(
                    disease=NodeRef(type="Disease", id=rel["disease"], name=rel["name"]),
                    datatype=scored["datatype"],
                    relation=rel["type"],
                    score=scored["score"],
                    source=scored["source"],
                    synthetic=scored["synthetic"],
                )
            )
        return Associations(items=items)

    @strawberry.field(
        description="Diseases for which the model proposes this gene (prediction store), highest score first; "
        "each candidate's rank is the gene's rank among that disease's new candidates."
    )
    async def predicted_diseases(self, info: Ctx, first: int = 10) -> PredictedDiseasesResult:
        bad = check_first(info, first)
        if bad:
            return bad
        service = info.context.service
        current = service.current_predictions()
        if current is None:
            return Unavailable(
                code=ErrorCode.MODEL_UNAVAILABLE, message="no predictions written yet (run `kg predict`)"
            )
        rows = await run_sync(service.predictions.for_gene, self.id, first, current["model_version"])
        return PredictedDiseases(items=[Candidate.from_row(r) for r in rows], model_version=current["model_version"])

    @strawberry.field(description="GTEx median TPM per tissue.")
    async def expression(self, info: Ctx) -> ExpressionResult:
        rows = await info.context.expression.load(self.id)
        if rows is DOWN:
            return graph_down()
        return Expression(
            items=[
                TissueExpression(
                    tissue=r["tissue"],
                    name=r["name"],
                    tpm=r["tpm"],
                    specificity=r["specificity"],
                    synthetic=bool(r["synthetic"]),
                )
                for r in rows or []
            ]
        )


@strawberry.type
class Candidate:
    gene: Gene
    disease_id: str
    score: float = strawberry.field(
        description="Softmax probability over all genes for this disease (small by nature: ~20,000 genes share 1)"
    )
    logit: float
    rank: int = strawberry.field(
        description="Position in this list (new candidates only: rank among new candidates; with includeKnown: "
        "rank among all listed genes). Equal scores rank in gene-id order."
    )
    known: bool
    synthetic: bool = strawberry.field(
        default=False, description="Scored by a model that learned from synthetic sample data (not real evidence)"
    )
    percentile: float | None = strawberry.field(
        default=None, description="Share of all genes the model scores lower for this disease, in % (99.9: top 0.1 %)"
    )
    via: str | None = strawberry.field(
        default=None,
        description="The disease whose model score this is: a TCGA cohort's best-scoring hereditary form, or the "
        "exact-match equivalent that was scored (null: the disease itself)",
    )

    @classmethod
    def from_row(cls, row: Any) -> Candidate:
        return cls(
            gene=Gene(id=row.gene_id, symbol=row.symbol),
            disease_id=row.disease_id,
            score=row.score,
            logit=row.logit,
            rank=row.rank,
            known=row.known,
            synthetic=row.synthetic,
            percentile=row.percentile,
            via=row.via,
        )

    @strawberry.field(description="The disease this gene is scored for.")
    def disease(self) -> Disease:
        return Disease(id=self.disease_id)

    # the page's evidence, read with its rows when the query asks for it (None: not read yet)
    prefetched_evidence: strawberry.Private[Any] = None

    @strawberry.field(description="Known support per datatype (needs the graph).")
    @answered_without_info(
        lambda c: DECLINE if c.prefetched_evidence is None else evidence_result(c.prefetched_evidence)
    )
    def evidence(self, info: Ctx) -> EvidenceResult:
        # Read with the page (candidates_page): answered here, without a coroutine per candidate.
        # Otherwise a coroutine that the executor awaits, batched with the other candidates' loads.
        if self.prefetched_evidence is None:
            return self._load_evidence(info)  # type: ignore[return-value]
        return evidence_result(self.prefetched_evidence)

    async def _load_evidence(self, info: Ctx) -> EvidenceResult:
        return evidence_result(await info.context.evidence.load((self.gene.id, self.disease_id)))

    @strawberry.field(description="Attention explanation of this score (of the `via` disease when set).")
    async def explanation(self, info: Ctx, top_k: int = 5) -> ExplanationResult:
        return await explain_pair(info, self.gene.id, self.via or self.disease_id, top_k)


@strawberry.type
class PredictedDiseases:
    items: list[Candidate]
    model_version: str


PredictedDiseasesResult = Annotated[
    PredictedDiseases | Unavailable | BadInput, strawberry.union("PredictedDiseasesResult")
]


@strawberry.type
class CandidateEdge:
    cursor: str
    node: Candidate


@strawberry.type
class CandidateConnection:
    edges: list[CandidateEdge]
    page_info: PageInfo
    total_count: int
    model_version: str


CandidateResult = Annotated[
    CandidateConnection | NotFound | Unavailable | BadInput, strawberry.union("CandidateResult")
]


async def candidates_page(
    info: Ctx, disease: str, first: int, after: str | None, include_known: bool, min_score: float
) -> CandidateResult:
    """One cursor page of a disease's candidates (``Query.candidateGenes`` and ``Disease.candidateGenes``)."""
    disease = normalise_curie(disease)
    bad = check_first(info, first)
    if bad:
        return bad
    offset = cursor_offset(after)
    if offset is None:
        return BadInput(code=ErrorCode.BAD_INPUT, message="after: not a cursor returned by this API")
    service = info.context.service
    current = service.current_predictions()
    if current is None:
        return Unavailable(code=ErrorCode.MODEL_UNAVAILABLE, message="no predictions written yet (run `kg predict`)")
    version = current["model_version"]

    def equivalents() -> list[str]:
        try:
            return list(service.graph(queries.equivalents, [disease]).get(disease, []))
        except GraphDown:
            return []

    with_evidence = selects(info.selected_fields, "evidence")

    def page() -> tuple[str | None, list[Any], int, dict[tuple[str, str], Any]]:
        # one worker-thread hop: which disease answers, its page of rows and (when asked) their evidence
        scored = service.predictions.answering(disease, equivalents, version)
        if scored is None:
            return None, [], 0, {}
        rows, total = service.predictions.for_disease(scored, first, offset, include_known, min_score, version)
        evidence: dict[tuple[str, str], Any] = {}
        if with_evidence and rows:
            keys = [(r.gene_id, r.disease_id if scored == disease else disease) for r in rows]
            try:
                evidence = service.evidence(keys)
            except GraphDown:
                evidence = dict.fromkeys(keys, DOWN)
        return scored, rows, total, evidence

    scored, rows, total, evidence = await run_sync(page)
    if scored is None:
        close = await _disease_suggestions(service, disease)
        return NotFound(code=ErrorCode.NOT_FOUND, message=f"no candidates for disease {disease!r}", close_matches=close)
    nodes = [Candidate.from_row(r) for r in rows]
    if scored != disease:  # an equivalent's predictions stand for this disease (a MONDO class, say)
        for node in nodes:
            node.disease_id, node.via = disease, node.via or scored
    if evidence:
        for node in nodes:
            node.prefetched_evidence = evidence.get((node.gene.id, node.disease_id), [])
    if include_known:  # stored ranks count new candidates only: number the mixed list by position
        for i, node in enumerate(nodes):
            node.rank = offset + i + 1
    edges = [CandidateEdge(cursor=page_cursor(offset + i), node=node) for i, node in enumerate(nodes)]
    end = offset + len(rows) - 1
    return CandidateConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=end + 1 < total, end_cursor=page_cursor(end) if rows else None),
        total_count=total,
        model_version=current["model_version"],
    )


@strawberry.type
class Disease:
    id: str

    @strawberry.field(description="Name (needs the graph; null when it is down).")
    async def name(self, info: Ctx) -> str | None:
        row = await info.context.diseases.load(self.id)
        return None if row is None or row is DOWN else row.get("name")

    @strawberry.field
    async def phenotypes(self, info: Ctx) -> PhenotypesResult:
        rows = await info.context.phenotypes.load(self.id)
        if rows is DOWN:
            return graph_down()
        return Phenotypes(items=[Phenotype(**r) for r in rows or []])

    @strawberry.field(description="Genes with a curated association.")
    async def known_genes(self, info: Ctx) -> KnownGenesResult:
        rows = await info.context.known_genes.load(self.id)
        if rows is DOWN:
            return graph_down()
        return KnownGenes(items=[KnownGene(**r) for r in rows or []])

    @strawberry.field
    async def candidate_genes(
        self, info: Ctx, first: int = 20, after: str | None = None, include_known: bool = False, min_score: float = 0.0
    ) -> CandidateResult:
        return await candidates_page(info, self.id, first, after, include_known, min_score)


async def _disease_suggestions(service: Any, disease: str) -> list[str]:
    """The id policy's last step for a disease: the graph's full-text index, else the model's disease ids."""
    try:
        return [h["id"] for h in await run_sync(service.graph, queries.search, disease, ["Disease"], 3)]
    except GraphDown:
        ctx = service.model.context
        return suggest(disease, ctx.graph.node_ids["Disease"] if ctx is not None else [])
