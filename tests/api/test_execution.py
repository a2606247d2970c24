"""The fast executor for plain scalar fields answers exactly as graphql-core's own executor does."""

from __future__ import annotations

import asyncio
import functools

import pytest
import strawberry
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
from api.execution import DECLINE, FastExecutor, ObjectPlan, Plan, answered_without_info, object_plan_for, plan_for
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

    def counting_objects(field: GraphQLField) -> ObjectPlan | None:
        plan = object_plan_for(field)
        if plan is not None:
            fast_fields.append(str(field.type))
        return plan

    monkeypatch.setattr(api.execution, "plan_for", counting)
    monkeypatch.setattr(api.execution, "object_plan_for", counting_objects)
    fast = _answers(settings, queries)
    assert len(fast_fields) > 100  # selections planned for the fast paths (once per request each)
    assert any(t.startswith("[") for t in fast_fields) and "Gene!" in fast_fields  # lists and objects too
    monkeypatch.setattr(api.app, "build_schema", functools.partial(build_schema, executor=None))
    slow = _answers(settings, queries)
    assert fast == slow
    data = fast[0]["data"]["candidateGenes"]
    assert data["__typename"] == "CandidateConnection" and data["edges"][0]["node"]["gene"]["symbol"]
    assert "errors" in fast[-1] and fast[-1] == slow[-1]


def test_only_plain_scalar_fields_take_the_fast_path() -> None:
    schema = build_schema(Settings().api)
    assert schema.execution_context_class is FastExecutor
    gql = schema._schema
    candidate = gql.type_map["Candidate"]
    assert isinstance(candidate, GraphQLObjectType)
    assert plan_for(candidate.fields["rank"]) is not None  # Int!, attribute read
    assert plan_for(candidate.fields["via"]) is not None  # nullable String
    assert plan_for(candidate.fields["gene"]) is None  # object…
    assert object_plan_for(candidate.fields["gene"]) is not None  # …a plain one
    evidence = object_plan_for(candidate.fields["evidence"])  # a resolver answered without info, a union
    assert evidence is not None and {t.name for t in evidence[2].values()} == {"Evidence", "Unavailable"}
    assert object_plan_for(candidate.fields["explanation"]) is None  # a resolver that needs info
    assert plan_for(candidate.fields["explanation"]) is None  # arguments and a resolver
    gene = gql.type_map["Gene"]
    assert isinstance(gene, GraphQLObjectType)
    assert plan_for(gene.fields["aliases"]) is None  # a list


@strawberry.type
class FailLeaf:
    n: int
    maybe: int | None = None


@strawberry.type
class FailOther:
    s: str = "other"


@strawberry.type
class FailHolder:
    one: FailLeaf
    maybe_one: FailLeaf | None
    many: list[FailLeaf]
    maybe_many: list[FailLeaf | None] | None
    strict_many: list[FailLeaf] | None

    @strawberry.field
    async def later(self) -> FailLeaf:
        return self.one

    @strawberry.field
    @answered_without_info(lambda h: DECLINE if h.maybe_one is None else h.maybe_one)
    def picked(self) -> FailLeaf | FailOther:
        return self.maybe_one or FailOther()


@strawberry.type
class FailQuery:
    @strawberry.field
    def holders(self) -> list[FailHolder]:
        """Plain fields that fail in every way the fast paths must hand back to graphql-core."""
        ok = FailLeaf(n=1, maybe=2)
        bad = FailLeaf(n=None, maybe="x")  # type: ignore[arg-type] - a non-null Int that is null, an Int that is not
        return [
            FailHolder(one=ok, maybe_one=None, many=[ok, ok], maybe_many=[ok, None], strict_many=[ok]),
            FailHolder(one=bad, maybe_one=bad, many=[ok, bad], maybe_many=None, strict_many=[ok, None]),  # type: ignore[list-item]
            FailHolder(one=None, maybe_one=ok, many=None, maybe_many=[bad], strict_many=None),  # type: ignore[arg-type]
        ]


def _failing_schema(executor: type[FastExecutor] | None) -> strawberry.Schema:
    return strawberry.Schema(query=FailQuery, execution_context_class=executor)


@pytest.mark.parametrize(
    "query",
    [
        "{ holders { one { n maybe } maybeOne { n } many { n maybe } maybeMany { n } strictMany { n } later { n } } }",
        "{ holders { maybeOne { maybe } maybeMany { maybe } strictMany { maybe } later { maybe } } }",
        "{ holders { x: one { n } y: one { maybe } many { __typename n } } }",
        "{ holders { picked { __typename ... on FailLeaf { n maybe } ... on FailOther { s } } } }",
        "{ holders { maybeOne { n } picked { ... on FailLeaf { maybe } ... on FailOther { s } } } }",
    ],
)
def test_fast_paths_fail_exactly_as_graphql_core(query: str) -> None:
    async def run(executor: type[FastExecutor] | None) -> dict:
        result = await _failing_schema(executor).execute(query)
        errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
        return {"data": result.data, "errors": errors}

    holder = _failing_schema(FastExecutor)._schema.type_map["FailHolder"]
    assert isinstance(holder, GraphQLObjectType)
    plain = ("one", "maybeOne", "many", "maybeMany", "strictMany", "picked")
    assert all(object_plan_for(holder.fields[f]) for f in plain)
    assert plan_for(holder.fields["later"]) is None and object_plan_for(holder.fields["later"]) is None
    fast, slow = asyncio.run(run(FastExecutor)), asyncio.run(run(None))
    assert fast == slow
    assert fast["errors"]  # the schema does fail
