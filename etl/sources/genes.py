"""Gene reference: NCBI ``Homo_sapiens.gene_info`` or the HGNC complete set → Gene nodes.

The shipped default is a real NCBI-format file built from Debian's
``r-bioc-org.hs.eg.db`` (see ``scripts/build_gene_reference.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

from etl.genemap import strip_ensembl
from etl.io import LocalFile, TabularFile
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.schema import Node, NodeLabel, Record

NCBI_COLUMNS = ("#tax_id", "GeneID", "Symbol", "Synonyms", "dbXrefs", "description", "type_of_gene")
HGNC_COLUMNS = ("hgnc_id", "symbol", "name", "locus_type", "status", "entrez_id", "ensembl_gene_id")


def _split(value: str, sep: str = "|") -> list[str]:
    value = value.strip().strip('"')
    return [v for v in (p.strip() for p in value.split(sep)) if v and v != "-"]


class GenesSource:
    """NCBI gene_info / HGNC complete set adapter."""

    name: ClassVar[str] = "genes"
    description: ClassVar[str] = "NCBI Homo_sapiens.gene_info or HGNC complete set (gene reference)"
    needs_genes: ClassVar[bool] = False
    licence: ClassVar[str] = "NCBI Gene: public domain (NCBI data policy); HGNC: free to use with attribution"

    def default_location(self) -> str | None:
        """The bundled NCBI-format reference built from org.Hs.eg.db."""
        return str(resources.files("etl.data").joinpath("reference/Homo_sapiens.gene_info.gz"))

    def version(self, files: list[LocalFile]) -> str:
        """Version from a ``.version`` sidecar (bundled file) or the checksum."""
        f = files[0]
        sidecar = f.path.with_name(f.path.name + ".version")
        if sidecar.is_file():
            return sidecar.read_text().strip()
        return f"sha256:{f.sha256[:12]}"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield one Gene node per human gene."""
        for f in ctx.files:
            yield from self._read_file(f, ctx)

    def _read_file(self, f: LocalFile, ctx: SourceContext) -> Iterator[Record]:
        table = TabularFile(f, headers=("#tax_id",), short=None)
        if table.header[0] == "#tax_id":
            table.require(*NCBI_COLUMNS)
            rows = self._ncbi(table, ctx)
        elif table.header[0] == "hgnc_id":
            table.require(*HGNC_COLUMNS)
            rows = self._hgnc(table, ctx)
        else:
            raise SourceFormatError(
                f.origin,
                table.header_line,
                table.header[0],
                "unknown header: expected NCBI gene_info (#tax_id…) or HGNC (hgnc_id…)",
            )
        n = 0
        for node in rows:
            n += 1
            yield node
        if n == 0:
            raise SourceFormatError(f.origin, None, None, "no gene rows after the header")
        ctx.count("rows", n)

    def _ncbi(self, table: TabularFile, ctx: SourceContext) -> Iterator[Node]:
        for row in table.rows(ctx.rejects.add):
            if len(row.fields) != len(table.header):
                problem = f"{len(row.fields)} fields, the header has {len(table.header)}"
                ctx.rejects.add(SourceFormatError(table.origin, row.lineno, None, problem))
                continue
            if row["#tax_id"] != "9606":
                continue
            gene_id = row["GeneID"]
            if not gene_id.isdigit():
                ctx.rejects.add(SourceFormatError(table.origin, row.lineno, "GeneID", f"not an integer: {gene_id!r}"))
                continue
            xrefs = _split(row["dbXrefs"])
            ensembl = [x.removeprefix("Ensembl:") for x in xrefs if x.startswith("Ensembl:")]
            hgnc = next((x.removeprefix("HGNC:") for x in xrefs if x.startswith("HGNC:")), None)
            name = row.get("Full_name_from_nomenclature_authority")
            name = name if name != "-" else None
            yield Node(
                NodeLabel.GENE,
                f"NCBIGene:{gene_id}",
                {
                    "symbol": row["Symbol"],
                    "name": name or row["description"],
                    "ensembl": ensembl[0] if ensembl else None,
                    "ensembl_ids": ensembl or None,
                    "aliases": _split(row["Synonyms"]),
                    "biotype": row["type_of_gene"],
                    "hgnc": hgnc,
                    "chromosome": row.get("chromosome"),
                },
            )

    def _hgnc(self, table: TabularFile, ctx: SourceContext) -> Iterator[Node]:
        for row in table.rows(ctx.rejects.add):
            if (row.get("status") or "") != "Approved":
                continue
            entrez = (row.get("entrez_id") or "").strip()
            symbol = row.get("symbol") or ""
            if not entrez:
                ctx.count("hgnc_without_entrez")
                continue
            if not entrez.isdigit():
                ctx.rejects.add(SourceFormatError(table.origin, row.lineno, "entrez_id", f"not an integer: {entrez!r}"))
                continue
            ens_id = row.get("ensembl_gene_id") or ""
            ens = strip_ensembl(ens_id) if ens_id else None
            aliases = _split(row.get("alias_symbol") or "")
            aliases += _split(row.get("prev_symbol") or "")
            yield Node(
                NodeLabel.GENE,
                f"NCBIGene:{entrez}",
                {
                    "symbol": symbol,
                    "name": (row.get("name") or ""),
                    "ensembl": ens[0] if ens else None,
                    "ensembl_ids": [ens[0]] if ens else None,
                    "aliases": aliases,
                    "biotype": (row.get("locus_type") or ""),
                    "hgnc": (row.get("hgnc_id") or ""),
                    "chromosome": None,
                },
            )
