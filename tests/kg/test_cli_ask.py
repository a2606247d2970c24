"""``kg explain``'s tables, rendered from the typed explanation (CSV, so the rows can be read back)."""

from __future__ import annotations

import csv
import io

import pytest

from gnn import explanation as gx
from kg.cli.ask import print_explanation
from kg.cli.output import OutputFormat

GENE = gx.NodeRef("Gene", "HGNC:3603", "FBN1")
QUERY = gx.NodeRef("Disease", "OMIM:154700", "Marfan syndrome")
SIMILAR = gx.NodeRef("Disease", "ORPHA:558", "Marfan syndrome type 1")
PARTNER = gx.NodeRef("Gene", "HGNC:3604", "FBN2")


def _tables(text: str) -> list[list[list[str]]]:
    """CSV blocks, one per table (each starts with its header row)."""
    rows = list(csv.reader(io.StringIO(text)))
    headers = {
        "weight",
        "side",
        "similar known disease of the gene",
        "neighbour",
        "evidence",
        "share",
        "part of the score",
    }
    tables: list[list[list[str]]] = []
    for row in rows:
        if row and row[0] in headers:
            tables.append([])
        tables[-1].append(row)
    return tables


def test_an_older_run_prints_its_paths_prior_spread_and_ranker_parts(capsys: pytest.CaptureFixture[str]) -> None:
    """A run without the evidence network: attention paths, neighbours, the prior's detail and the ranker's parts."""
    matched = (gx.MatchedPhenotype(gx.NodeRef("Phenotype", "HP:0001166", "Arachnodactyly"), 4.2, 3.1),)
    prior = gx.PhenotypeDetail(
        0.4,
        0.5,
        1.2,
        0.9,
        (gx.SimilarDisease(SIMILAR, 0.71, 1.3, matched),),
        (gx.SpreadHop(PARTNER, "INTERACTS_WITH", 0.25, 0.6, 0.0375),),
    )
    score = gx.ScoreParts(2.5, (gx.ScorePart("prior", 1.7, 2.0), gx.ScorePart("partners", -0.3, 0.5)))
    path = gx.ExplainedPath(0.8, (GENE, SIMILAR, QUERY), ("ASSOCIATED_WITH", "HAS_PHENOTYPE"))
    neighbour = gx.Neighbour("gene", 1, "INTERACTS_WITH", 0.3, PARTNER)
    print_explanation(gx.Explanation(GENE, QUERY, 1.5, [neighbour], [path], [], prior, score), OutputFormat.csv)
    paths, neighbours, similar, spread, parts = _tables(capsys.readouterr().out)
    assert paths[1] == [
        "0.8000",
        "2",
        "FBN1 -[ASSOCIATED_WITH]- Marfan syndrome type 1 -[HAS_PHENOTYPE]- Marfan syndrome",
    ]
    assert neighbours[1] == ["gene", "1", "INTERACTS_WITH", "FBN2 (HGNC:3604)", "0.300"]
    assert similar[1] == ["Marfan syndrome type 1 (ORPHA:558)", "0.710 × 1.30", "Arachnodactyly (3.1)"]
    assert spread[1] == ["FBN2 (HGNC:3604)", "INTERACTS_WITH", "0.250", "0.600", "0.0375"]
    assert parts[1:] == [["prior", "1.700", "+2.000"], ["partners", "-0.300", "+0.500"]]


def test_the_network_prints_its_paths_and_shares_in_readable_units(capsys: pytest.CaptureFixture[str]) -> None:
    path = gx.ExplainedPath(
        0.6, (GENE, SIMILAR, QUERY), ("ASSOCIATED_WITH", "SIMILAR_PHENOTYPES"), kind="similar disease", value=0.71
    )
    parts = (
        gx.ScorePart("similar disease: Marfan syndrome type 1", 0.71, 0.6, "similar disease", "ORPHA:558"),
        gx.ScorePart("12 other paths", 12.0, 0.3),
        gx.ScorePart("baseline (no path)", 0.1, 0.1),
    )
    score = gx.ScoreParts(1.0, parts, probability=0.2, gate=1.5, gate_inputs={"inheritance match": 1.0})
    print_explanation(gx.Explanation(GENE, QUERY, 0.0, paths=[path], evidence=score), OutputFormat.csv)
    paths, shares = _tables(capsys.readouterr().out)
    assert paths[1] == [
        "0.6000",
        "FBN1 -[ASSOCIATED_WITH]- Marfan syndrome type 1 -[SIMILAR_PHENOTYPES]- Marfan syndrome",
        "cosine 0.710",
    ]
    assert shares[1:] == [
        ["similar disease: Marfan syndrome type 1", "0.710", "0.6000"],
        ["12 other paths", "12 paths", "0.3000"],  # a count reads as a count
        ["baseline (no path)", "0.100", "0.1000"],
    ]
