"""GraphQL for a patient: candidate genes and a differential diagnosis from observed and excluded terms.

A patient is given as ``patient: {observed: [...], excluded: [...]}`` or as a GA4GH phenopacket
JSON string (``patient: {phenopacket: "{…}"}``). Both go through the model's one request path
(:class:`gnn.answers.Answers`), so the API answers what ``kg rank`` and ``kg diagnose`` answer.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.breaker import GraphDown
from api.context import run_sync
from api.results import Ctx, check_first, graph_down, no_model, not_found
from api.schema import Disease, Gene
from api.types import BadInput, ErrorCode, NotFound, Unavailable
from kg.errors import KGError
from kg.patient import Patient, PhenopacketError, read_phenopacket


@strawberry.input(description="A patient: observed and excluded HPO terms, or a phenopacket (v2 or v1) as JSON.")
class PatientInput:
    observed: list[str] | None = strawberry.field(default=None, description="HPO terms the patient has")
    excluded: list[str] = strawberry.field(
        default_factory=list, description="HPO terms the patient was examined for and does not have"
    )
    phenopacket: str | None = strawberry.field(
        default=None, description="A GA4GH phenopacket JSON document (instead of observed/excluded)"
    )


@strawberry.type
class PatientGene:
    gene: Gene
    rank: int
    score: float = strawberry.field(description="Softmax of the served score over all genes")
    logit: float = strawberry.field(description="The served score (what the ranking uses)")


@strawberry.type
class PatientGenes:
    model_version: str
    observed: list[str] = strawberry.field(description="The observed terms used (on the graph's HPO release)")
    excluded: list[str]
    notes: list[str] = strawberry.field(description="What mapping the terms changed (obsolete ids, unknown terms)")
    genes: list[PatientGene]


@strawberry.type(description="A phenotype in a diagnosis' reasons, with its weight or frequency.")
class TermMatch:
    id: str
    name: str | None
    weight: float = strawberry.field(
        description="Matched: IC × learned factor of the shared term; excluded or missing: frequency in the disease"
    )
    matched_as: str | None = strawberry.field(description="The disease's term the patient's term met")


@strawberry.type
class DiagnosedDisease:
    rank: int
    disease: Disease
    score: float = strawberry.field(description="similarity × bestMatch × exclusionFactor (what the ranking uses)")
    similarity: float = strawberry.field(description="Cosine of IC × learned-factor weighted HPO vectors")
    best_match: float = strawberry.field(
        description="Phenomizer's best-match similarity (each patient term's best shared term), best disease 1, squared"
    )
    exclusion_factor: float = strawberry.field(
        description="Likelihood ratio of the patient's excluded terms for this disease, tempered: "
        "below 1 they count against it (obligate features absent), above 1 for it"
    )
    equivalents: list[str] = strawberry.field(description="Equivalent ids collapsed into this entry")
    matched: list[TermMatch]
    excluded_present: list[TermMatch] = strawberry.field(description="Excluded terms the disease has: against it")
    missing_frequent: list[TermMatch] = strawberry.field(description="Frequent phenotypes the patient lacks")
    genes: list[Gene]


@strawberry.type
class Diagnosis:
    model_version: str
    observed: list[str]
    excluded: list[str]
    notes: list[str]
    diseases: list[DiagnosedDisease]


PatientGenesResult = Annotated[PatientGenes | NotFound | Unavailable | BadInput, strawberry.union("PatientGenesResult")]
DiagnosisResult = Annotated[Diagnosis | NotFound | Unavailable | BadInput, strawberry.union("DiagnosisResult")]


def _patient(info: Ctx, patient: PatientInput) -> Patient | BadInput:
    cap = info.context.service.settings.api.max_phenotype_terms
    try:
        if patient.phenopacket is not None:
            if patient.observed is not None or patient.excluded:
                return BadInput(code=ErrorCode.BAD_INPUT, message="give a phenopacket or observed/excluded, not both")
            parsed = read_phenopacket(patient.phenopacket)
        else:
            parsed = Patient.of_terms(patient.observed or [], patient.excluded)
    except PhenopacketError as exc:
        return BadInput(code=ErrorCode.BAD_INPUT, message=str(exc))
    terms = len(parsed.observed) + len(parsed.excluded)
    if terms > cap:
        return BadInput(code=ErrorCode.BAD_INPUT, message=f"give at most {cap} HPO terms in all, got {terms}")
    return parsed


async def _answer(info: Ctx, patient: PatientInput, first: int, op: str) -> dict[str, Any] | Any:
    """The model's answer, or the typed error to return."""
    bad = check_first(info, first)
    if bad:
        return bad
    answers = info.context.service.model.answers
    if answers is None:
        return no_model(info)
    parsed = _patient(info, patient)
    if isinstance(parsed, BadInput):
        return parsed
    from gnn.inference import UnknownId

    try:
        return await run_sync(answers, {"op": op, "patient": parsed.to_json(), "top": first})
    except PhenopacketError as exc:
        return BadInput(code=ErrorCode.BAD_INPUT, message=str(exc))
    except UnknownId as exc:
        return not_found(exc)
    except GraphDown:
        return graph_down()
    except KGError as exc:
        return BadInput(code=ErrorCode.BAD_INPUT, message=str(exc))


async def genes_for_patient(info: Ctx, patient: PatientInput, first: int) -> PatientGenesResult:
    """``candidateGenesForPatient``."""
    a = await _answer(info, patient, first, "rank")
    if not isinstance(a, dict):
        return a  # type: ignore[no-any-return]
    return PatientGenes(
        **_query(a),
        genes=[
            PatientGene(
                gene=Gene(id=g["gene_id"], symbol=g["symbol"]), rank=g["rank"], score=g["score"], logit=g["logit"]
            )
            for g in a["genes"]
        ],
    )


def _query(answer: dict[str, Any]) -> dict[str, Any]:
    """What both patient answers say about the query: the model, the terms read and the notes."""
    return {
        "model_version": answer["model_version"],
        "observed": answer["phenotypes"],
        "excluded": answer["excluded"],
        "notes": answer["notes"],
    }


def _terms(rows: list[dict[str, Any]]) -> list[TermMatch]:
    return [TermMatch(id=t["id"], name=t["name"], weight=t["weight"], matched_as=t["matched_as"]) for t in rows]


async def differential_diagnosis(info: Ctx, patient: PatientInput, first: int) -> DiagnosisResult:
    """``differentialDiagnosis``."""
    a = await _answer(info, patient, first, "diagnose")
    if not isinstance(a, dict):
        return a  # type: ignore[no-any-return]
    return Diagnosis(
        **_query(a),
        diseases=[
            DiagnosedDisease(
                rank=d["rank"],
                disease=Disease(id=d["disease_id"]),
                score=d["score"],
                similarity=d["similarity"],
                best_match=d["best_match"],
                exclusion_factor=d["exclusion_factor"],
                equivalents=list(d["equivalents"]),
                matched=_terms(d["matched"]),
                excluded_present=_terms(d["excluded_present"]),
                missing_frequent=_terms(d["missing_frequent"]),
                genes=[Gene(id=g["id"], symbol=g["symbol"]) for g in d["genes"]],
            )
            for d in a["diseases"]
        ],
    )
