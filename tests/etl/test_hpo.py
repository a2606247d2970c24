from pathlib import Path

import pytest

from etl.genemap import GeneResolver
from etl.sources.hpo import HpoSource, frequency_value
from kg.errors import SourceFormatError
from kg.schema import Edge, Node, NodeLabel, RelType
from tests.conftest import FIXTURES, make_ctx

RELEASES = sorted(p.name for p in (FIXTURES / "hpo").iterdir() if p.is_dir())


def _read(paths: list[Path], genes: GeneResolver):
    ctx = make_ctx("hpo", paths, genes)
    records = list(HpoSource().read(ctx))
    return ctx, records


@pytest.mark.parametrize("release", RELEASES)
def test_reads_every_release_header_variant(release: str, genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / release
    gene_file = d / "genes_to_phenotype.txt" if release >= "2025" else d / "phenotype_to_genes.txt"
    ctx, records = _read([d / "hp.obo", d / "phenotype.hpoa", gene_file], genes)
    phenos = [r for r in records if isinstance(r, Node) and r.label is NodeLabel.PHENOTYPE]
    has = [r for r in records if isinstance(r, Edge) and r.type is RelType.HAS_PHENOTYPE]
    assoc = [r for r in records if isinstance(r, Edge) and r.type is RelType.ASSOCIATED_WITH]
    isa = [r for r in records if isinstance(r, Edge) and r.type is RelType.IS_A]
    assert 25 <= len(phenos) <= 30 and phenos[0].id == "HP:0000001" and phenos[0].props["name"] == "All"
    assert isa and all(e.end.startswith("HP:") for e in isa)
    assert len(has) >= 20 and all(e.start.split(":")[0] in ("OMIM", "ORPHA", "DECIPHER") for e in has)
    assert assoc and all(e.start.startswith("NCBIGene:") for e in assoc)
    assert not ctx.rejects.rows
    assert HpoSource().version([make_ctx("hpo", [d / "hp.obo"]).files[0]]) == release


def test_negated_annotations_are_not_edges(genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / "2021-10-10"
    ctx, records = _read([d / "hp.obo", d / "phenotype.hpoa"], genes)
    pairs = {(e.start, e.end) for e in records if isinstance(e, Edge) and e.type is RelType.HAS_PHENOTYPE}
    assert ("OMIM:614856", "HP:0000365") not in pairs  # the NOT row of this release
    assert ("OMIM:614856", "HP:0004325") in pairs
    assert ctx.stats["negated_annotations"] >= 1


def test_frequency_values() -> None:
    assert frequency_value("HP:0040283") == pytest.approx(0.17)
    assert frequency_value("3/4") == 0.75
    assert frequency_value("45%") == 0.45
    assert frequency_value("") is None and frequency_value("weird") is None


def test_bad_hp_id_is_rejected_with_line(tmp_path: Path, genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / "2025-01-16"
    lines = (d / "phenotype.hpoa").read_text().splitlines()
    bad_line = len(lines)  # replace the last row's hpo_id
    fields = lines[-1].split("\t")
    fields[3] = "HP:12AB"
    lines[-1] = "\t".join(fields)
    (tmp_path / "phenotype.hpoa").write_text("\n".join(lines) + "\n")
    ctx, _ = _read([d / "hp.obo", tmp_path / "phenotype.hpoa"], genes)
    assert ctx.rejects.rows == [(str(tmp_path / "phenotype.hpoa"), bad_line, "hpo_id", "bad HPO id 'HP:12AB'")]


def test_missing_column_names_file_line_and_column(tmp_path: Path, genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / "2025-01-16"
    text = (d / "phenotype.hpoa").read_text().replace("hpo_id", "hpo_identifier")
    (tmp_path / "phenotype.hpoa").write_text(text)
    with pytest.raises(SourceFormatError) as err:
        _read([d / "hp.obo", tmp_path / "phenotype.hpoa"], genes)
    assert err.value.line == 5 and err.value.column == "hpo_id"
    assert "phenotype.hpoa:5 [hpo_id]" in str(err.value)


def test_gene_file_without_disease_column_is_refused(tmp_path: Path, genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / "2025-01-16"
    (tmp_path / "genes_to_phenotype.txt").write_text(
        "#Format: entrez-gene-id<tab>entrez-gene-symbol<tab>HPO-Term-Name<tab>HPO-Term-ID\n"
        "8192\tCLPP\tSeizures\tHP:0001250\n"
    )
    with pytest.raises(SourceFormatError, match="no disease column"):
        _read([d / "hp.obo", d / "phenotype.hpoa", tmp_path / "genes_to_phenotype.txt"], genes)


def test_empty_obo_is_an_error(tmp_path: Path, genes: GeneResolver) -> None:
    (tmp_path / "hp.obo").write_text("")
    with pytest.raises(SourceFormatError, match="no \\[Term\\]"):
        _read([tmp_path / "hp.obo", FIXTURES / "hpo" / "2025-01-16" / "phenotype.hpoa"], genes)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (  # 2021-era genes_to_phenotype.txt (nine columns, '#Format:' header)
            "genes_to_phenotype.txt",
            "#Format: entrez-gene-id<tab>entrez-gene-symbol<tab>HPO-Term-ID<tab>HPO-Term-Name<tab>Frequency-Raw"
            "<tab>Frequency-HPO<tab>Additional Info from G-D source<tab>G-D source<tab>disease-ID for link\n"
            "2200\tFBN1\tHP:0001166\tArachnodactyly\t\tHP:0040281\t-\tmim2gene\tOMIM:154700\n",
        ),
        (  # genes_to_disease.txt (2023+)
            "genes_to_disease.txt",
            "ncbi_gene_id\tgene_symbol\tassociation_type\tdisease_id\tsource\n"
            "NCBIGene:2200\tFBN1\tMENDELIAN\tOMIM:154700\tftp://ftp.omim.org/omim/genemap2.txt\n",
        ),
    ],
)
def test_other_gene_disease_formats(tmp_path: Path, genes: GeneResolver, name: str, text: str) -> None:
    d = FIXTURES / "hpo" / "2025-01-16"
    (tmp_path / name).write_text(text)
    _, records = _read([d / "hp.obo", d / "phenotype.hpoa", tmp_path / name], genes)
    assoc = [e for e in records if isinstance(e, Edge) and e.type is RelType.ASSOCIATED_WITH]
    assert [(e.start, e.end) for e in assoc] == [("NCBIGene:2200", "OMIM:154700")]


def test_alternative_and_obsolete_ids_live_on_as_alt_ids(tmp_path: Path, genes: GeneResolver) -> None:
    d = FIXTURES / "hpo" / "2023-06-17"
    obsolete = (
        "\n[Term]\nid: HP:0001500\nname: obsolete Broad finger\nis_obsolete: true\nreplaced_by: HP:0000003\n"
        "\n[Term]\nid: HP:0001501\nname: obsolete without a replacement\nis_obsolete: true\n"
    )
    obo = tmp_path / "hp.obo"
    obo.write_text((d / "hp.obo").read_text() + obsolete)
    _, records = _read([obo, d / "phenotype.hpoa"], genes)
    phenos = {r.id: r.props for r in records if isinstance(r, Node) and r.label is NodeLabel.PHENOTYPE}
    assert phenos["HP:0000003"]["alt_ids"] == ["HP:0001500", "HP:0004715"]  # replaced_by + alt_id
    assert phenos["HP:0000005"]["alt_ids"] == ["HP:0001425", "HP:0001453", "HP:0001461", "HP:0010985"]
    assert "HP:0001500" not in phenos and "HP:0001501" not in phenos
