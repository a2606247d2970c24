"""The one gene resolver and CURIE normalisation."""

from kg.ids import Ambiguous, GeneIndex, normalise_curie

GENES = [
    {
        "id": "NCBIGene:2064",
        "symbol": "ERBB2",
        "aliases": ["NEU", "HER2", "HER-2"],
        "ensembl": "ENSG00000141736",
        "hgnc": "HGNC:3430",
    },
    {"id": "NCBIGene:4758", "symbol": "NEU1", "aliases": ["NEU", "SIAL1"], "ensembl_ids": ["ENSG00000204386"]},
    {"id": "NCBIGene:9148", "symbol": "NEURL1", "aliases": ["NEU", "RNF67"]},
    {"id": "NCBIGene:1080", "symbol": "CFTR", "aliases": ["ABC35"]},
    {"id": "NCBIGene:100", "symbol": "ADA", "aliases": ["CFTR"]},  # another gene's alias is a current symbol
]


def test_curie_prefixes_are_case_insensitive() -> None:
    assert normalise_curie(" omim:154700 ") == "OMIM:154700"
    assert normalise_curie("ncbigene:7157") == "NCBIGene:7157"
    assert normalise_curie("hp:0001250") == "HP:0001250"
    assert normalise_curie("TP53") == "TP53"


def test_every_kind_of_gene_key_resolves() -> None:
    index = GeneIndex(GENES)
    for key in (
        "NCBIGene:2064",
        "ncbigene:2064",
        "2064",
        "ERBB2",
        "erbb2",
        "HER2",
        "her-2",
        "ENSG00000141736",
        "ENSG00000141736.18",
        "ensembl:ENSG00000141736",
        "HGNC:3430",
        "hgnc:3430",
    ):
        assert index.resolve(key) == "NCBIGene:2064", key
    assert index.resolve("ENSG00000204386") == "NCBIGene:4758"  # any of a gene's Ensembl ids


def test_an_alias_of_several_genes_is_ambiguous_never_silently_resolved() -> None:
    hit = GeneIndex(GENES).resolve("neu")
    assert isinstance(hit, Ambiguous)
    assert set(hit.candidates) == {"ERBB2", "NEU1", "NEURL1"} and "3 genes" in hit.message


def test_a_current_symbol_wins_over_another_genes_alias_and_unknowns_get_close_matches() -> None:
    index = GeneIndex(GENES)
    assert index.resolve("CFTR") == "NCBIGene:1080"
    assert index.resolve("NCBIGene:999999") is None and index.resolve("ENSG00000000000") is None
    assert index.resolve("CFTRX") is None and index.close_matches("CFTRX") == ["CFTR"]
