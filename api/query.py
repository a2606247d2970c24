"""The root ``Query`` type and the schema with its limits."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from api.breaker import GraphDown
from api.context import DOWN, run_sync
from api.execution import FastExecutor
from api.explanations import explain_pair
from api.limits import QueryCost, introspection_rule, should_mask
from api.patients import (
    DiagnosisResult,
    PatientGenesResult,
    PatientInput,
    differential_diagnosis,
    genes_for_patient,
)
from api.results import Ctx, check_first, graph_down, no_model, not_found
from api.schema import CandidateResult, Disease, Gene, candidates_page
from api.types import (
    Ambiguous,
    BadInput,
    ErrorCode,
    ExplanationResult,
    Metric,
    ModelInfo,
    NotFound,
    SearchHit,
    SearchHits,
    SearchResult,
    Unavailable,
)
from kg import queries
from kg.errors import QueryRefused
from kg.ids import Ambiguous as AmbiguousKey
from kg.ids import normalise_curie
from kg.settings import ApiSettings

GeneResult = Annotated[Gene | NotFound | Ambiguous | Unavailable | BadInput, strawberry.union("GeneResult")]
DiseaseResult = Annotated[Disease | NotFound | Unavailable, strawberry.union("DiseaseResult")]


@strawberry.type
class RankedGene:
    gene: Gene
    rank: int
    score: float
    logit: float


@strawberry.type
class PhenotypeRanking:
    model_version: str
    phenotypes: list[str]
    genes: list[RankedGene]


PhenotypeRankingResult = Annotated[
    PhenotypeRanking | NotFound | Unavailable | BadInput, strawberry.union("PhenotypeRankingResult")
]


@strawberry.type
class Query:
    @strawberry.field(
        description="A gene by id (NCBIGene:…, Ensembl ENSG…, HGNC:…; case-insensitive) or by symbol / previous "
        "symbol / alias. An alias shared by several genes gives Ambiguous with the candidates."
    )
    async def gene(self, info: Ctx, id: str | None = None, symbol: str | None = None) -> GeneResult:
        if (id is None) == (symbol is None):
            return BadInput(code=ErrorCode.BAD_INPUT, message="give exactly one of id or symbol")
        service = info.context.service
        key = id if id is not None else str(symbol)
        gene_id = await run_sync(service.gene_id, key)
        if isinstance(gene_id, AmbiguousKey):
            return Ambiguous(code=ErrorCode.AMBIGUOUS, message=gene_id.message, candidates=list(gene_id.candidates))
        row = await info.context.genes.load(gene_id) if gene_id else None
        if row is DOWN:
            return graph_down()
        if row is None:
            close = await run_sync(service.close_gene_matches, key)
            return NotFound(code=ErrorCode.NOT_FOUND, message=f"unknown gene {key!r}", close_matches=close)
        return Gene(id=row["id"], symbol=row.get("symbol"))

    @strawberry.field(description="A disease by id (OMIM:…, ORPHA:…, MONDO:…; the prefix is case-insensitive).")
    async def disease(self, info: Ctx, id: str) -> DiseaseResult:
        id = normalise_curie(id)
        row = await info.context.diseases.load(id)
        if row is DOWN:
            return graph_down()
        if row is None:
            hits = await run_sync(info.context.service.graph, queries.search, id, ["Disease"], 3)
            return NotFound(
                code=ErrorCode.NOT_FOUND, message=f"unknown disease {id!r}", close_matches=[h["id"] for h in hits]
            )
        return Disease(id=id)

    @strawberry.field(description="Full-text search over ids, symbols and names.")
    async def search(self, info: Ctx, text: str, types: list[str] | None = None, first: int = 10) -> SearchResult:
        bad = check_first(info, first)
        if bad:
            return bad
        labels = types or ["Gene", "Disease", "Phenotype", "Tissue"]
        if unknown := set(labels) - {"Gene", "Disease", "Phenotype", "Tissue"}:
            return BadInput(code=ErrorCode.BAD_INPUT, message=f"unknown types: {sorted(unknown)}")
        service = info.context.service
        try:
            hits = await run_sync(service.graph, queries.search, text, labels, first)
            gene = await run_sync(service.gene_id, text) if "Gene" in labels else None
        except GraphDown:
            return graph_down()
        except QueryRefused as exc:  # Neo4j answered but refused the query: bad input, not an outage
            return BadInput(code=ErrorCode.BAD_INPUT, message=f"search text not understood: {exc}")
        items = [SearchHit(type=h["label"], id=h["id"], name=h["name"], score=h["score"]) for h in hits]
        if isinstance(gene, str) and gene not in {h.id for h in items}:  # an alias or id the index does not hold
            row = await info.context.genes.load(gene)
            symbol = row.get("symbol") if isinstance(row, dict) else None
            top = max((h.score for h in items), default=1.0)
            items = [SearchHit(type="Gene", id=gene, name=symbol, score=top), *items][:first]
        return SearchHits(items=items)

    @strawberry.field(description="Ranked candidate genes of a disease (prediction store; works without the graph).")
    async def candidate_genes(
        self,
        info: Ctx,
        disease: str,
        first: int = 20,
        after: str | None = None,
        include_known: bool = False,
        min_score: float = 0.0,
    ) -> CandidateResult:
        return await candidates_page(info, disease, first, after, include_known, min_score)

    @strawberry.field(description="Genes for a phenotype set that matches no disease (transient disease node).")
    async def candidate_genes_for_phenotypes(
        self, info: Ctx, phenotypes: list[str], first: int = 20
    ) -> PhenotypeRankingResult:
        bad = check_first(info, first)
        if bad:
            return bad
        state = info.context.service.model
        if state.context is None:
            return no_model(info)
        cap = info.context.service.settings.api.max_phenotype_terms
        if not 1 <= len(phenotypes) <= cap:
            return BadInput(
                code=ErrorCode.BAD_INPUT, message=f"give between 1 and {cap} HPO terms, got {len(phenotypes)}"
            )
        from gnn.inference import UnknownId

        try:
            hits = await run_sync(state.answers.rank_phenotypes, phenotypes, first)
        except UnknownId as exc:
            return not_found(exc)
        return PhenotypeRanking(
            model_version=state.info["version"],
            phenotypes=phenotypes,
            genes=[
                RankedGene(gene=Gene(id=h.gene_id, symbol=h.symbol), rank=h.rank, score=h.score, logit=h.logit)
                for h in hits
            ],
        )

    @strawberry.field(
        description="Genes for a patient: observed and excluded HPO terms, or a phenopacket (the served score)."
    )
    async def candidate_genes_for_patient(
        self, info: Ctx, patient: PatientInput, first: int = 20
    ) -> PatientGenesResult:
        return await genes_for_patient(info, patient, first)

    @strawberry.field(
        description="Differential diagnosis: diseases ranked for a patient, equivalent ids collapsed, with why."
    )
    async def differential_diagnosis(self, info: Ctx, patient: PatientInput, first: int = 10) -> DiagnosisResult:
        return await differential_diagnosis(info, patient, first)

    @strawberry.field(description="Attention explanation of the model's score for a gene–disease pair.")
    async def explain(self, info: Ctx, gene: str, disease: str, top_k: int = 5) -> ExplanationResult:
        return await explain_pair(info, gene, disease, top_k)

    @strawberry.field(description="The model behind the predictions and explanations.")
    def model(self, info: Ctx) -> ModelInfo | None:
        state = info.context.service.model
        if state.context is None:
            return None
        i = state.info
        return ModelInfo(
            version=i["version"],
            release=i["release"],
            trained_at=i.get("trained_at"),
            split=i.get("split", {}).get("mode"),
            metrics=[Metric(name=k, value=float(v)) for k, v in sorted(i.get("metrics", {}).items())],
            synthetic=bool(i.get("synthetic", False)),
        )


PAGINATED = frozenset(
    {
        "candidateGenes",
        "candidateGenesForPhenotypes",
        "candidateGenesForPatient",
        "differentialDiagnosis",
        "search",
        "predictedDiseases",
    }
)


def build_schema(limits: ApiSettings, executor: type[FastExecutor] | None = FastExecutor) -> strawberry.Schema:
    """The schema with depth, alias, token and cost limits and masked unexpected errors.

    ``executor``: the graphql-core executor (``None``: strawberry's own; the default completes plain
    scalar fields without graphql-core's per-field steps, see ``api/execution.py``).
    """
    # The limiters' validation rules are built once, so the validation cache (keyed by schema,
    # document and rules) hits for every repeated document; extensions are factories, so each
    # operation gets fresh instances (QueryCost keeps per-request state).
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        introspection_rule(limits.introspection, limits.max_introspection_depth),
    ]
    return strawberry.Schema(
        query=Query,
        execution_context_class=executor,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: QueryCost(limits.max_cost, PAGINATED),
            lambda: MaskErrors(should_mask_error=should_mask),
        ],
    )
