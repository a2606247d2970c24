"""GraphQL object types. Expected failures are members of result unions, with a code."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry


@strawberry.enum
class ErrorCode(Enum):
    """Why a field has no value."""

    NOT_FOUND = "NOT_FOUND"
    GRAPH_UNAVAILABLE = "GRAPH_UNAVAILABLE"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"
    BAD_INPUT = "BAD_INPUT"
    AMBIGUOUS = "AMBIGUOUS"


@strawberry.type(description="An id that is not in the graph or the model, with close matches.")
class NotFound:
    code: ErrorCode
    message: str
    close_matches: list[str]


@strawberry.type(description="A backend the field needs is down or not loaded (the rest of the answer still comes).")
class Unavailable:
    code: ErrorCode
    message: str


@strawberry.type(description="An alias or previous symbol shared by several genes: pick one of the candidates.")
class Ambiguous:
    code: ErrorCode
    message: str
    candidates: list[str] = strawberry.field(description="Symbols of the genes the key names")


@strawberry.type(description="An argument outside its allowed range.")
class BadInput:
    code: ErrorCode
    message: str


@strawberry.type
class NodeRef:
    type: str
    id: str
    name: str | None


@strawberry.type(description="Support for one gene–disease pair from one relationship.")
class DatatypeScore:
    datatype: str = strawberry.field(
        description="curated_association, somatic_mutation, differential_expression or tissue_expression"
    )
    relation: str
    score: float = strawberry.field(description="0–1; see docs/api.md for each datatype's formula")
    source: str
    source_version: str | None
    synthetic: bool = strawberry.field(description="True when derived from the shipped synthetic TCGA/GTEx samples")
    frequency: float | None
    log2fc: float | None
    padj: float | None
    tpm: float | None
    tissue: str | None
    via: str | None = strawberry.field(
        default=None,
        description="The equivalent disease or hereditary form this evidence is recorded on (null: this disease)",
    )


@strawberry.type
class Evidence:
    overall: float = strawberry.field(
        description="Harmonic sum of the best score per datatype, normalised by its maximum for the datatypes "
        "present, in [0, 1] (one curated link: 1.0)"
    )
    datatypes: list[DatatypeScore]


@strawberry.type
class ExplanationPath:
    weight: float = strawberry.field(
        description="The evidence network: the path's share of the score (the shares and the baseline add up to "
        "it). A run without it: attention flow, the product of the coefficients along the path"
    )
    hops: int
    nodes: list[NodeRef] = strawberry.field(description="From the gene to the query disease")
    relations: list[str]
    synthetic: bool = strawberry.field(
        default=False, description="An edge of this path comes from a synthetic sample file (not real data)"
    )
    kind: str | None = strawberry.field(
        default=None, description="similar disease, interaction partner or shared GO term (the evidence network)"
    )
    value: float | None = strawberry.field(
        default=None,
        description="The similar disease's cosine with the query; for a partner, its disease's cosine with the query; "
        "for a GO term, the evidence of the term's gene on the path (the query's top gene is 1)",
    )
    attention: float | None = strawberry.field(default=None, description="The edge's attention weight (1 = neutral)")


@strawberry.type
class AttendedNeighbour:
    side: str
    layer: int
    relation: str
    weight: float
    node: NodeRef


@strawberry.type
class MatchedPhenotype:
    node: NodeRef
    ic: float = strawberry.field(description="Information content of the shared term (higher = more specific)")
    weight: float = strawberry.field(
        description=(
            "The term's weight in the similarity: its IC times the factor learned on simulated patients, "
            "times the known disease's annotation frequency weight"
        )
    )


@strawberry.type
class SimilarDisease:
    node: NodeRef
    cosine: float = strawberry.field(description="IC-weighted cosine between the two diseases' phenotypes")
    source_factor: float = strawberry.field(
        description="Factor on that cosine in the prior: above 1 when OMIM and Orphanet curated the two diseases"
    )
    shared_phenotypes: list[MatchedPhenotype]


@strawberry.type
class PriorSpread:
    node: NodeRef
    relation: str = strawberry.field(description="INTERACTS_WITH (a partner) or ANNOTATED_WITH (a GO term)")
    weight: float = strawberry.field(
        description="Edge weight: the last layer's attention rescaled by degrees (1/sqrt(deg·deg) when uniform)"
    )
    prior: float = strawberry.field(
        description="The partner's phenotype prior, or the mean prior of the GO term's genes"
    )
    flow: float = strawberry.field(
        description="Relation weight × edge weight × prior, scaled per query: what reached the gene"
    )


@strawberry.type
class PriorPart:
    value: float = strawberry.field(description="Phenotype prior of the gene (genes of similar diseases), 0–1")
    with_spread: float = strawberry.field(description="Prior plus what spread from interaction partners and GO")
    weight: float
    logit_part: float = strawberry.field(description="weight × log(floor + with_spread): this part of the logit")
    similar_diseases: list[SimilarDisease]
    spread_from: list[PriorSpread]


@strawberry.type
class EvidencePart:
    feature: str = strawberry.field(
        description="A path of the evidence network (kind: node), the other paths together, or the baseline; "
        "for a run without the network, a feature of the evidence ranker"
    )
    value: float = strawberry.field(description="The path's value in readable units (see ExplanationPath.value)")
    contribution: float = strawberry.field(description="Its part of the score")
    kind: str | None = strawberry.field(default=None, description="The path's kind (the evidence network)")
    id: str | None = strawberry.field(default=None, description="The path's node next to the gene")
    name: str | None = None
    attention: float | None = strawberry.field(default=None, description="The edge's attention weight")
    via: str | None = strawberry.field(
        default=None,
        description="The path's node before that one: a partner's similar disease, or the GO term's gene with evidence",
    )


@strawberry.type
class EvidenceScore:
    score: float = strawberry.field(description="What predictions rank by: the sum of the parts")
    parts: list[EvidencePart] = strawberry.field(description="Largest effect first")
    probability: float | None = strawberry.field(
        default=None, description="The served probability: softmax of τ·log(score) over all genes"
    )
    gate: float | None = strawberry.field(
        default=None,
        description="The gene's gate, a factor already in every share (inheritance, source, degrees, constraint)",
    )


@strawberry.type
class Explanation:
    gene: NodeRef
    disease: NodeRef
    logit: float
    model_version: str
    paths: list[ExplanationPath]
    neighbours: list[AttendedNeighbour]
    prior: PriorPart | None = strawberry.field(
        description="The similar known diseases of the gene and the phenotypes they share with the query. With the "
        "evidence network, value and logitPart are the similar-disease paths' share of the score, withSpread every "
        "path's, weight the gene's gate; an older run: the phenotype-prior part of its logit (null without one)"
    )
    evidence: EvidenceScore | None = strawberry.field(
        default=None, description="The evidence ranker's score and its parts (null for a run without a ranker)"
    )
    synthetic: bool = strawberry.field(
        default=False, description="The model learned from synthetic sample data (kg train --include-synthetic)"
    )


@strawberry.type
class Phenotype:
    id: str
    name: str | None
    frequency: float | None


@strawberry.type
class Phenotypes:
    items: list[Phenotype]


@strawberry.type
class KnownGene:
    id: str
    symbol: str | None
    source: str | None
    via: str | None = strawberry.field(
        default=None, description="The equivalent disease or hereditary form the gene is linked to (null: this one)"
    )


@strawberry.type
class KnownGenes:
    items: list[KnownGene]


@strawberry.type
class Association:
    disease: NodeRef
    datatype: str
    relation: str
    score: float
    source: str
    synthetic: bool


@strawberry.type
class Associations:
    items: list[Association]


@strawberry.type
class TissueExpression:
    tissue: str
    name: str | None
    tpm: float | None
    specificity: float | None
    synthetic: bool


@strawberry.type
class Expression:
    items: list[TissueExpression]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Metric:
    name: str
    value: float


@strawberry.type
class ModelInfo:
    version: str
    release: str
    trained_at: str | None
    split: str | None
    metrics: list[Metric]
    synthetic: bool = strawberry.field(
        default=False, description="The model learned from synthetic sample data: its predictions are not real"
    )


@strawberry.type
class SearchHit:
    type: str
    id: str
    name: str | None
    score: float


@strawberry.type
class SearchHits:
    items: list[SearchHit]


EvidenceResult = Annotated[Evidence | Unavailable, strawberry.union("EvidenceResult")]
ExplanationResult = Annotated[
    Explanation | NotFound | Ambiguous | Unavailable | BadInput, strawberry.union("ExplanationResult")
]
PhenotypesResult = Annotated[Phenotypes | Unavailable, strawberry.union("PhenotypesResult")]
KnownGenesResult = Annotated[KnownGenes | Unavailable, strawberry.union("KnownGenesResult")]
AssociationsResult = Annotated[Associations | Unavailable, strawberry.union("AssociationsResult")]
ExpressionResult = Annotated[Expression | Unavailable, strawberry.union("ExpressionResult")]
SearchResult = Annotated[SearchHits | Unavailable | BadInput, strawberry.union("SearchResult")]
