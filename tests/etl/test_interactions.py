"""Interactions: a verbatim head of the real InWeb file, and BioGRID/STRING/PSI-MITAB rows written in
their published column layouts (no real copies of those are reachable offline)."""

from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.sources.interactions import InteractionsSource
from kg.errors import SourceFormatError
from kg.schema import Edge
from tests.conftest import FIXTURES, make_ctx

INWEB = FIXTURES / "interactions" / "inweb_pairwise_gene_interactions.tsv"
TP53, MDM2, FBN1, FBN2 = "NCBIGene:7157", "NCBIGene:4193", "NCBIGene:2200", "NCBIGene:2201"


def _edges(paths: list[Path], genes: GeneResolver, **settings: object) -> tuple[dict[tuple[str, str], dict], object]:
    ctx = make_ctx("interactions", paths, genes, **settings)
    edges = [r for r in InteractionsSource().read(ctx) if isinstance(r, Edge)]
    return {(e.start, e.end): e.props for e in edges}, ctx


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def test_inweb_head_once_per_pair(genes: GeneResolver) -> None:
    edges, ctx = _edges([INWEB], genes)
    assert edges[_pair(TP53, MDM2)] == {
        "score": None,
        "method": "experimental interaction detection",
        "evidence": "experimental",
    }
    assert _pair(FBN1, FBN2) in edges
    assert all(a < b for a, b in edges)  # undirected: one canonical direction
    assert any(p["evidence"] == "inferred" for p in edges.values())
    assert InteractionsSource().version(ctx.files).startswith("inweb_inbiomap:2016-09-12")  # type: ignore[attr-defined]


def test_unknown_ids_go_to_the_unresolved_report(tmp_path: Path, genes: GeneResolver) -> None:
    f = tmp_path / "inweb_pairwise_gene_interactions.tsv"
    f.write_text("gene_left\tgene_right\tsource\nTP53\tNOTAGENE42\tinference\nMDM2\tTP53\tinference\n")
    edges, _ = _edges([f], genes)
    assert list(edges) == [_pair(TP53, MDM2)]
    assert any(k[0] == "interactions" and k[2] == "NOTAGENE42" for k in genes.unresolved)
    report = tmp_path / "unresolved.tsv"
    genes.write_report(report, "interactions")
    assert "NOTAGENE42" in report.read_text()


BIOGRID_HEADER = "\t".join(
    [
        "#BioGRID Interaction ID",
        "Entrez Gene Interactor A",
        "Entrez Gene Interactor B",
        "BioGRID ID Interactor A",
        "BioGRID ID Interactor B",
        "Systematic Name Interactor A",
        "Systematic Name Interactor B",
        "Official Symbol Interactor A",
        "Official Symbol Interactor B",
        "Synonyms Interactor A",
        "Synonyms Interactor B",
        "Experimental System",
        "Experimental System Type",
        "Author",
        "Publication Source",
        "Organism ID Interactor A",
        "Organism ID Interactor B",
        "Throughput",
        "Score",
        "Modification",
        "Qualifications",
        "Tags",
        "Source Database",
    ]
)


def _biogrid_row(
    a: str, b: str, sa: str, sb: str, system: str, kind: str, org_b: str = "9606", score: str = "-"
) -> str:
    return "\t".join(
        [
            "1",
            a,
            b,
            "1",
            "2",
            "-",
            "-",
            sa,
            sb,
            "-",
            "-",
            system,
            kind,
            "X (2000)",
            "PUBMED:1",
            "9606",
            org_b,
            "Low Throughput",
            score,
            "-",
            "-",
            "-",
            "BIOGRID",
        ]
    )


def test_biogrid_tab3_physical_human_only(tmp_path: Path, genes: GeneResolver) -> None:
    f = tmp_path / "BIOGRID-ALL-4.4.229.tab3.txt"
    f.write_text(
        "\n".join(
            [
                BIOGRID_HEADER,
                _biogrid_row("7157", "4193", "TP53", "MDM2", "Two-hybrid", "physical", score="0.9"),
                _biogrid_row("4193", "7157", "MDM2", "TP53", "Affinity Capture-MS", "physical"),
                _biogrid_row("7157", "2200", "TP53", "FBN1", "Synthetic Lethality", "genetic"),
                _biogrid_row("7157", "21990", "TP53", "Tp53bp", "Two-hybrid", "physical", org_b="10090"),
            ]
        )
        + "\n"
    )
    edges, ctx = _edges([f], genes)
    assert edges == {
        _pair(TP53, MDM2): {"score": 0.9, "method": "Affinity Capture-MS|Two-hybrid", "evidence": "experimental"}
    }
    assert ctx.stats == {"genetic_interactions_skipped": 1, "non_human_rows": 1, "gene_pairs": 1}  # type: ignore[attr-defined]
    assert InteractionsSource().version(ctx.files).startswith("v4.4.229+")  # type: ignore[attr-defined]


def test_string_links_with_aliases_and_threshold(tmp_path: Path, genes: GeneResolver) -> None:
    links = tmp_path / "9606.protein.links.detailed.v12.0.txt"
    links.write_text(
        "protein1 protein2 neighborhood fusion cooccurence coexpression experimental database "
        "textmining combined_score\n"
        "9606.ENSP00000269305 9606.ENSP00000258149 0 0 0 62 999 900 999 999\n"
        "9606.ENSP00000269305 9606.ENSP00000316881 0 0 0 0 0 0 400 400\n"
        "9606.ENSP00000269305 9606.ENSP00099999999 0 0 0 0 0 0 990 990\n"
    )
    aliases = tmp_path / "9606.protein.aliases.v12.0.txt"
    aliases.write_text(
        "#string_protein_id\talias\tsource\n"
        "9606.ENSP00000269305\t7157\tEnsembl_HGNC_entrez_id\n"
        "9606.ENSP00000269305\tTP53\tEnsembl_HGNC_symbol\n"
        "9606.ENSP00000258149\tMDM2\tEnsembl_HGNC_symbol\n"
        "9606.ENSP00000316881\tFBN1\tEnsembl_HGNC_symbol\n"
    )
    edges, _ = _edges([links, aliases], genes)
    assert edges == {_pair(TP53, MDM2): {"score": 0.999, "method": "STRING combined score", "evidence": "inferred"}}
    assert any(k[2] == "9606.ENSP00099999999" for k in genes.unresolved)
    lower, _ = _edges([links, aliases], genes, string_min_score=300)
    assert _pair(TP53, FBN1) in lower


def test_string_without_aliases_is_a_clear_error(tmp_path: Path, genes: GeneResolver) -> None:
    links = tmp_path / "9606.protein.links.v12.0.txt"
    links.write_text("protein1 protein2 combined_score\n9606.ENSP00000269305 9606.ENSP00000258149 999\n")
    with pytest.raises(SourceFormatError, match="protein.aliases"):
        _edges([links], genes)


def test_psi_mitab_25_and_27(tmp_path: Path, genes: GeneResolver) -> None:
    mitab25 = "\t".join(
        [
            "entrez gene/locuslink:7157",
            "entrez gene/locuslink:4193",
            "uniprotkb:P04637",
            "uniprotkb:Q00987",
            "entrez gene/locuslink:TP53",
            "entrez gene/locuslink:MDM2",
            'psi-mi:"MI:0018"(two hybrid)',
            "Smith (2000)",
            "pubmed:1",
            "taxid:9606",
            "taxid:9606",
            'psi-mi:"MI:0915"(physical association)',
            'psi-mi:"MI:0463"(biogrid)',
            "biogrid:1",
            "-",
        ]
    )
    mitab27 = [
        "uniprotkb:P35555",
        "uniprotkb:P35556",
        "intact:EBI-1",
        "intact:EBI-2",
        "psi-mi:fbn1_human(display_long)|uniprotkb:FBN1(gene name)",
        "psi-mi:fbn2_human(display_long)|uniprotkb:FBN2(gene name)",
        'psi-mi:"MI:0007"(anti tag coimmunoprecipitation)',
        "Doe et al. (2010)",
        "pubmed:2",
        "taxid:9606(human)",
        "taxid:9606(human)",
        'psi-mi:"MI:0915"(physical association)',
        'psi-mi:"MI:0469"(IntAct)',
        "intact:EBI-3",
        "intact-miscore:0.56",
    ] + ["-"] * 27
    f = tmp_path / "intact.txt"
    f.write_text("#ID(s) interactor A\tID(s) interactor B\n" + mitab25 + "\n" + "\t".join(mitab27) + "\n")
    edges, _ = _edges([f], genes)
    assert edges[_pair(TP53, MDM2)]["method"] == "two hybrid"
    assert edges[_pair(FBN1, FBN2)] == {
        "score": 0.56,
        "method": "anti tag coimmunoprecipitation",
        "evidence": "experimental",
    }


def test_unknown_format_is_refused(tmp_path: Path, genes: GeneResolver) -> None:
    f = tmp_path / "pairs.csv"
    f.write_text("a,b\nTP53,MDM2\n")
    with pytest.raises(SourceFormatError, match="pairs.csv:1: unknown interaction format"):
        _edges([f], genes)
