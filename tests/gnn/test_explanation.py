"""The typed explanation: its JSON form (a worker's reply, ``kg explain --format json``) and back."""

from __future__ import annotations

import json

import pytest

from gnn import explanation as gx

GENE = gx.NodeRef("Gene", "HGNC:3603", "FBN1")
QUERY = gx.NodeRef("Disease", "OMIM:154700", "Marfan syndrome")
SIMILAR = gx.NodeRef("Disease", "ORPHA:558", None)
PARTNER = gx.NodeRef("Gene", "HGNC:1", "A1BG")


def _network_explanation() -> gx.Explanation:
    paths = [
        gx.ExplainedPath(
            0.5, (GENE, SIMILAR, QUERY), ("ASSOCIATED_WITH", "SIMILAR_PHENOTYPES"), False, "similar disease"
        ),
        gx.ExplainedPath(0.25, (GENE, PARTNER, SIMILAR, QUERY), ("INTERACTS_WITH", "ASSOCIATED_WITH", "X"), True),
    ]
    parts = gx.ScoreParts(
        0.8,
        (
            gx.ScorePart("similar disease: ORPHA:558", 0.71, 0.5, "similar disease", "ORPHA:558", None, 1.3),
            gx.ScorePart(
                "interaction partner: A1BG via ORPHA:558",
                0.4,
                0.25,
                "interaction partner",
                "HGNC:1",
                "A1BG",
                0.9,
                "ORPHA:558",
            ),
            gx.ScorePart("3 other paths", 3.0, 0.04),
            gx.ScorePart("baseline (no path)", 0.01, 0.01),
        ),
        probability=0.12,
        gate=1.7,
        gate_inputs={"inheritance match": 1.0, "no disease yet": 0.0},
    )
    matched = (gx.MatchedPhenotype(gx.NodeRef("Phenotype", "HP:0001166", "Arachnodactyly"), 4.2, 3.1),)
    prior = gx.PhenotypeDetail(
        0.5,
        0.79,
        1.7,
        0.5,
        (gx.SimilarDisease(SIMILAR, 0.71, 1.2, matched),),
        (gx.SpreadHop(PARTNER, "INTERACTS_WITH", 0.9, 0.4, 0.25),),
    )
    neighbours = [gx.Neighbour("gene", 1, "INTERACTS_WITH", 0.3, PARTNER)]
    return gx.Explanation(GENE, QUERY, 1.5, neighbours, paths, [], prior, parts, synthetic=True)


def test_an_explanation_survives_its_json_form() -> None:
    e = _network_explanation()
    back = gx.Explanation.from_dict(json.loads(json.dumps(e.as_dict())))
    assert back == e  # every typed part, nested ones included
    assert back.served_score == 0.8 and back.evidence is not None and back.evidence.network


def test_the_json_form_keeps_its_keys() -> None:
    """The keys the explorer, GraphQL and scripts read: a path's keys only on a path's part, nodes inline."""
    d = _network_explanation().as_dict()
    parts = d["evidence"]["parts"]
    assert set(d["evidence"]) == {"score", "probability", "gate", "gate_inputs", "parts"}
    assert set(parts[0]) == {"feature", "value", "contribution", "kind", "id", "name", "attention"}
    assert parts[1]["via"] == "ORPHA:558"
    assert set(parts[2]) == set(parts[3]) == {"feature", "value", "contribution"}
    similar = d["prior"]["similar_diseases"][0]
    assert similar["id"] == "ORPHA:558" and similar["shared_phenotypes"][0]["name"] == "Arachnodactyly"
    assert d["prior"]["spread_from"][0] == {
        "type": "Gene",
        "id": "HGNC:1",
        "name": "A1BG",
        "relation": "INTERACTS_WITH",
        "weight": 0.9,
        "prior": 0.4,
        "flow": 0.25,
    }
    assert d["neighbours"][0] == {
        "side": "gene",
        "layer": 1,
        "relation": "INTERACTS_WITH",
        "weight": 0.3,
        "type": "Gene",
        "id": "HGNC:1",
        "name": "A1BG",
    }
    assert d["paths"][1]["hops"] == 3 and d["paths"][1]["synthetic"] is True


def test_a_ranker_score_has_no_network_keys() -> None:
    """An older run's ranker: the score and its features, no gate or probability."""
    score = gx.ScoreParts(2.0, (gx.ScorePart("prior", 1.5, 1.2), gx.ScorePart("average pair", 0.8, 0.8)))
    assert score.as_dict() == {
        "score": 2.0,
        "parts": [
            {"feature": "prior", "value": 1.5, "contribution": 1.2},
            {"feature": "average pair", "value": 0.8, "contribution": 0.8},
        ],
    }
    assert not score.network and gx.ScoreParts.from_dict(score.as_dict()) == score


def test_a_json_form_missing_a_field_names_it() -> None:
    d = _network_explanation().as_dict()
    del d["evidence"]["parts"][0]["contribution"]
    with pytest.raises(KeyError, match="contribution"):
        gx.Explanation.from_dict(d)
