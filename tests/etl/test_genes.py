import gzip
from pathlib import Path

import pytest

from etl.genemap import GeneResolver, strip_ensembl
from etl.sources.genes import GenesSource
from kg.errors import SourceFormatError
from kg.schema import Node
from tests.conftest import make_ctx

NCBI_HEADER = (
    "#tax_id\tGeneID\tSymbol\tLocusTag\tSynonyms\tdbXrefs\tchromosome\tmap_location\tdescription\ttype_of_gene\t"
    "Symbol_from_nomenclature_authority\tFull_name_from_nomenclature_authority\tNomenclature_status\t"
    "Other_designations\tModification_date\tFeature_type"
)
NCBI_ROWS = [
    "9606\t7157\tTP53\t-\tBCC7|LFS1|P53|TRP53\tMIM:191170|HGNC:HGNC:11998|Ensembl:ENSG00000141510\t"
    "17\t17p13.1\t"
    "tumor protein p53\tprotein-coding\tTP53\ttumor protein p53\tO\tcellular tumor antigen p53\t20240101\t-",
    "9606\t5290\tPIK3CA\t-\tCLOVE|PI3K\tMIM:171834|HGNC:HGNC:8975|Ensembl:ENSG00000121879\t3\t3q26.32\t"
    "phosphatidylinositol-4,5-bisphosphate 3-kinase catalytic subunit alpha\tprotein-coding\tPIK3CA\t-\tO\t-\t"
    "20240101\t-",
    "10090\t22059\tTrp53\t-\t-\t-\t11\t-\ttransformation related protein 53\tprotein-coding\t-\t-\t-\t-\t20240101\t-",
]
HGNC_HEADER = (
    "hgnc_id\tsymbol\tname\tlocus_group\tlocus_type\tstatus\tlocation\talias_symbol\tprev_symbol\t"
    "entrez_id\tensembl_gene_id"
)
HGNC_ROWS = [
    "HGNC:11998\tTP53\ttumor protein p53\tprotein-coding gene\tgene with protein product\tApproved\t17p13.1\t"
    '"LFS1|p53"\t\t7157\tENSG00000141510',
    "HGNC:99999\tNEWGENE\tnew gene\tprotein-coding gene\tgene with protein product\tApproved\t1p1\t\t\t\t",
]


def _write(path: Path, header: str, rows: list[str], gz: bool = False) -> Path:
    text = header + "\n" + "\n".join(rows) + "\n"
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_ncbi_gene_info_gz(tmp_path: Path) -> None:
    ctx = make_ctx("genes", [_write(tmp_path / "Homo_sapiens.gene_info.gz", NCBI_HEADER, NCBI_ROWS, gz=True)])
    nodes = list(GenesSource().read(ctx))
    assert [n.id for n in nodes] == ["NCBIGene:7157", "NCBIGene:5290"]  # mouse row skipped
    tp53 = nodes[0]
    assert isinstance(tp53, Node)
    assert tp53.props["symbol"] == "TP53" and tp53.props["ensembl"] == "ENSG00000141510"
    assert tp53.props["aliases"] == ["BCC7", "LFS1", "P53", "TRP53"] and tp53.props["hgnc"] == "HGNC:11998"
    assert nodes[1].props["name"].startswith("phosphatidylinositol")  # '-' full name falls back to description


def test_hgnc_complete_set_counts_genes_without_entrez(tmp_path: Path) -> None:
    ctx = make_ctx("genes", [_write(tmp_path / "hgnc_complete_set.txt", HGNC_HEADER, HGNC_ROWS)])
    nodes = list(GenesSource().read(ctx))
    assert [n.id for n in nodes] == ["NCBIGene:7157"]
    assert nodes[0].props["aliases"] == ["LFS1", "p53"]
    assert ctx.stats["hgnc_without_entrez"] == 1


def test_unknown_header_and_bad_gene_id(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="unknown header"):
        list(GenesSource().read(make_ctx("genes", [_write(tmp_path / "x.tsv", "foo\tbar", ["1\t2"])])))
    rows = [NCBI_ROWS[0].replace("\t7157\t", "\t71x7\t")] + NCBI_ROWS[1:]
    ctx = make_ctx("genes", [_write(tmp_path / "g.gene_info", NCBI_HEADER, rows)])
    assert len(list(GenesSource().read(ctx))) == 1
    assert ctx.rejects.rows[0][1:] == (2, "GeneID", "not an integer: '71x7'")


def test_resolver_on_the_shipped_real_reference(genes: GeneResolver, tmp_path: Path) -> None:
    assert len(genes) > 60_000
    assert genes.resolve("t", entrez="7157") == "NCBIGene:7157"
    assert genes.resolve("t", symbol="tp53") == "NCBIGene:7157"
    assert genes.resolve("t", symbol="P53") == "NCBIGene:7157"  # alias
    assert genes.resolve("t", ensembl="ENSG00000141510.16") == "NCBIGene:7157"  # versioned
    # GENCODE's _PAR_Y copy resolves to the same gene as the X copy
    assert genes.resolve("t", ensembl="ENSG00000182378.14_PAR_Y") == genes.resolve("t", ensembl="ENSG00000182378")
    assert genes.resolve("t", symbol="NOT_A_GENE_XYZ") is None
    assert genes.resolve("t", ensembl="ENSG00000999999.1", symbol="ALSO_NOT") is None
    assert genes.unresolved_count("t") == 2
    n = genes.write_report(tmp_path / "u.tsv", "t")
    lines = (tmp_path / "u.tsv").read_text().splitlines()
    assert (
        n == 2
        and lines[0] == "source\tkind\tidentifier\toccurrences"
        and lines[1] == "t\tensembl\tENSG00000999999.1|ALSO_NOT\t1"
    )


def test_ambiguous_alias_is_not_used() -> None:
    r = GeneResolver(
        [
            Node("Gene", "NCBIGene:1", {"symbol": "AAA", "aliases": ["SHARED"]}),  # type: ignore[arg-type]
            Node("Gene", "NCBIGene:2", {"symbol": "BBB", "aliases": ["SHARED", "ONLYB"]}),  # type: ignore[arg-type]
        ]
    )
    assert r.resolve("t", symbol="SHARED") is None
    assert r.resolve("t", symbol="ONLYB") == "NCBIGene:2"


def test_strip_ensembl() -> None:
    assert strip_ensembl("ENSG00000141510.16") == ("ENSG00000141510", False)
    assert strip_ensembl("ENSG00000182378.14_PAR_Y") == ("ENSG00000182378", True)
    assert strip_ensembl("TP53") is None
