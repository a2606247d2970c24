"""The fast executor for plain scalar fields answers exactly as graphql-core's own executor does."""

from __future__ import annotations

import functools

import pytest
from fastapi.testclient import TestClient
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

import api.app
import api.execution
from api.app import create_app
from api.execution import LeafFastExecutor, Plan, plan_for
from api.query import build_schema
from api.service import Service
from kg.settings import Settings

ROOTS = {
    "candidateGenes": '(disease: "OMIM:100000", first: 5, includeKnown: true)',
    "gene": '(symbol: "GENE1")',
    "disease": '(id: "OMIM:100000")',
    "explain": '(gene: "GENE1", disease: "OMIM:100000", topK: 3)',
    "search": '(text: "module", first: 5)',
    "candidateGenesForPhenotypes": '(phenotypes: ["HP:0001001", "HP:0001002"], first: 5)',
    "model": "",
}


def selection(kind: GraphQLOutputType, depth: int) -> str | None:
    """Every field of ``kind`` (unions: every member) down to ``depth`` object levels."""
    named = get_named_type(kind)
    if is_leaf_type(named):
        return ""
    if depth == 0:
        return None
    if isinstance(named, GraphQLUnionType):
        members = [f"... on {m.name} {selection(m, depth)}" for m in named.types if selection(m, depth)]
        return "{ __typename " + " ".join(members) + " }"
    assert isinstance(named, GraphQLObjectType)
    parts = []
    for name, field in named.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()):
            continue
        sub = selection(field.type, depth - 1)
        if sub is not None:
            parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }" if parts else None


def _answers(settings: Settings, queries: list[str]) -> list[dict]:
    with TestClient(create_app(settings, Service(settings))) as client:
        return [client.post("/graphql", json={"query": q}).json() for q in queries]


@pytest.mark.neo4j
def test_fast_executor_answers_as_graphql_core(served: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = served.model_copy(
        update={
            "api": served.api.model_copy(
                update={"response_cache": False, "max_depth": 20, "max_tokens": 100_000, "max_cost": 10**9}
            )
        }
    )
    query_type = build_schema(settings.api)._schema.query_type
    assert query_type is not None
    queries = []
    for root, args in ROOTS.items():
        sub = selection(query_type.fields[root].type, 4)
        queries.append(f"{{ {root}{args} {sub} }}")
    queries += [  # aliases, a missing disease (NotFound), a bad argument, an unknown field
        '{ a: disease(id: "OMIM:999999") { ... on NotFound { code message closeMatches } } '
        'b: candidateGenes(disease: "OMIM:100000", first: 2) { ... on CandidateConnection { x: totalCount } } }',
        # evidence read with the page (candidateGenes) and through the per-candidate loader (predictedDiseases)
        '{ gene(symbol: "GENE1") { ... on Gene { predictedDiseases(first: 3) { ... on PredictedDiseases { '
        "items { diseaseId evidence { ... on Evidence { overall datatypes { datatype score source } } } } } } } } }",
        '{ candidateGenes(disease: "OMIM:100000", first: -1) { __typename ... on BadInput { code message } } }',
        "{ model { nope } }",
    ]
    fast_fields: list[str] = []

    def counting(field: GraphQLField) -> Plan | None:
        plan = plan_for(field)
        if plan is not None:
            fast_fields.append(str(field.type))
        return plan

    monkeypatch.setattr(api.execution, "plan_for", counting)
    fast = _answers(settings, queries)
    assert len(fast_fields) > 100  # the fast path did answer most scalars
    monkeypatch.setattr(api.app, "build_schema", functools.partial(build_schema, executor=None))
    slow = _answers(settings, queries)
    assert fast == slow
    data = fast[0]["data"]["candidateGenes"]
    assert data["__typename"] == "CandidateConnection" and data["edges"][0]["node"]["gene"]["symbol"]
    assert "errors" in fast[-1] and fast[-1] == slow[-1]


def test_only_plain_scalar_fields_take_the_fast_path() -> None:
    schema = build_schema(Settings().api)
    assert schema.execution_context_class is LeafFastExecutor
    gql = schema._schema
    candidate = gql.type_map["Candidate"]
    assert isinstance(candidate, GraphQLObjectType)
    assert plan_for(candidate.fields["rank"]) is not None  # Int!, attribute read
    assert plan_for(candidate.fields["via"]) is not None  # nullable String
    assert plan_for(candidate.fields["gene"]) is None  # object
    assert plan_for(candidate.fields["explanation"]) is None  # arguments and a resolver
    gene = gql.type_map["Gene"]
    assert isinstance(gene, GraphQLObjectType)
    assert plan_for(gene.fields["aliases"]) is None  # a list
