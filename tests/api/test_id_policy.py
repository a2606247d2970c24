"""One id policy: a key a user types resolves to the same answer in GraphQL (the explorer's client), in
the model context, and in the request path (:class:`gnn.answers.Answers`) that ``kg explain`` / ``kg rank``
and ``kg.connect()`` call."""

from __future__ import annotations

from typing import Any

import pytest

from gnn.inference import AmbiguousId, UnknownId
from kg.ids import SUGGESTION_CUTOFF, suggest
from kg.settings import Settings

QUERY = """query($s: String!) { gene(symbol: $s) { __typename ... on Gene { id }
  ... on Ambiguous { candidates } ... on NotFound { closeMatches } } }"""

#: key → (answer, value): "id" the gene, "ambiguous" its candidates' symbols, "unknown" a symbol suggested.
TABLE: list[tuple[str, str, Any]] = [
    ("NCBIGene:1", "id", "NCBIGene:1"),
    ("ncbigene:1", "id", "NCBIGene:1"),  # the prefix in any case
    ("gene1", "id", "NCBIGene:1"),  # a symbol in any case
    ("ENSG00000000001", "id", "NCBIGene:1"),  # an Ensembl id
    ("OLDNAME1", "id", "NCBIGene:1"),  # an alias naming one gene
    ("SHARED", "ambiguous", {"GENE2", "GENE3"}),  # an alias naming two
    ("GENE1Q", "unknown", "GENE1"),  # a typo: suggestions
    ("QQQQQQ", "unknown", None),  # nothing alike: no suggestion
]


def _graphql(client: Any, key: str) -> tuple[str, Any]:
    got = client.post("/graphql", json={"query": QUERY, "variables": {"s": key}}).json()["data"]["gene"]
    kind = got["__typename"]
    if kind == "Gene":
        return "id", got["id"]
    if kind == "Ambiguous":
        return "ambiguous", set(got["candidates"])
    return "unknown", got["closeMatches"]


def _context(ctx: Any, key: str) -> tuple[str, Any]:
    try:
        return "id", ctx.node_id("Gene", ctx.lookup("Gene", key))
    except AmbiguousId as exc:
        return "ambiguous", set(exc.close_matches)
    except UnknownId as exc:
        return "unknown", exc.close_matches


def _answers(answers: Any, key: str) -> tuple[str, Any]:
    try:
        return "id", answers.explanation(key, "OMIM:100000", 1).gene.id
    except AmbiguousId as exc:
        return "ambiguous", set(exc.close_matches)
    except UnknownId as exc:
        return "unknown", exc.close_matches


def test_every_surface_reads_a_key_the_same_way(served: Settings) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.service import Service

    service = Service(served)
    ctx = service.model.context
    assert ctx is not None
    with TestClient(create_app(served, service)) as client:
        for key, answer, value in TABLE:
            for surface, got in (
                ("graphql", _graphql(client, key)),
                ("model context", _context(ctx, key)),
                ("kg explain / notebook", _answers(service.model.answers, key)),
            ):
                assert got[0] == answer, (surface, key, got)
                if answer == "unknown":
                    assert (value in got[1]) if value else got[1] == [], (surface, key, got)
                else:
                    assert got[1] == value, (surface, key, got)


def test_suggestions_share_one_cut_off_and_keep_the_pool_spelling() -> None:
    assert set(suggest("fbn", ["FBN1", "FBN2", "TP53"])) == {"FBN1", "FBN2"}
    assert suggest("omim:15470", ["OMIM:154700", "ORPHA:558"]) == ["OMIM:154700"]
    assert suggest("zzz", ["FBN1"]) == []
    assert 0.5 < SUGGESTION_CUTOFF < 1


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_suggests_nothing(key: str) -> None:
    assert suggest(key, ["FBN1"]) == []
