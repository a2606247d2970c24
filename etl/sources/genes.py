"""Gene reference: NCBI ``Homo_sapiens.gene_info`` or the HGNC complete set → Gene nodes.

The shipped default is a real NCBI-format file built from Debian's
``r-bioc-org.hs.eg.db`` (see ``scripts/build_gene_reference.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

from etl.genemap import strip_ensembl
from etl.io import LocalFile, numbered_lines
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
        label = f.origin
        lines = numbered_lines(f.path, label)
        header: list[str] | None = None
        lineno = 0
        for lineno, line in lines:  # noqa: B007 (lineno is used after the loop)
            if line.startswith("#") and not line.startswith("#tax_id"):
                continue
            header = line.split("\t")
            break
        if header is None:
            raise SourceFormatError(label, 1, None, "empty file: no header line")
        if header[0] == "#tax_id":
            rows = self._ncbi(header, lines, label, ctx)
        elif header[0] == "hgnc_id":
            rows = self._hgnc(header, lines, label, ctx)
        else:
            raise SourceFormatError(
                label, lineno, header[0], "unknown header: expected NCBI gene_info (#tax_id…) or HGNC (hgnc_id…)"
            )
        n = 0
        for node in rows:
            n += 1
            yield node
        if n == 0:
            raise SourceFormatError(label, None, None, "no gene rows after the header")
        ctx.count("rows", n)

    @staticmethod
    def _columns(header: list[str], needed: tuple[str, ...], label: str) -> dict[str, int]:
        missing = [c for c in needed if c not in header]
        if missing:
            raise SourceFormatError(label, 1, missing[0], f"missing column {missing[0]!r}")
        return {c: i for i, c in enumerate(header)}

    def _ncbi(
        self, header: list[str], lines: Iterator[tuple[int, str]], label: str, ctx: SourceContext
    ) -> Iterator[Node]:
        col = self._columns(header, NCBI_COLUMNS, label)
        full_name = col.get("Full_name_from_nomenclature_authority")
        for lineno, line in lines:
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(header):
                ctx.rejects.add(
                    SourceFormatError(label, lineno, None, f"{len(fields)} fields, header has {len(header)}")
                )
                continue
            if fields[col["#tax_id"]] != "9606":
                continue
            gene_id = fields[col["GeneID"]]
            if not gene_id.isdigit():
                ctx.rejects.add(SourceFormatError(label, lineno, "GeneID", f"not an integer: {gene_id!r}"))
                continue
            xrefs = _split(fields[col["dbXrefs"]])
            ensembl = [x.removeprefix("Ensembl:") for x in xrefs if x.startswith("Ensembl:")]
            hgnc = next((x.removeprefix("HGNC:") for x in xrefs if x.startswith("HGNC:")), None)
            name = fields[full_name] if full_name is not None and fields[full_name] != "-" else None
            yield Node(
                NodeLabel.GENE,
                f"NCBIGene:{gene_id}",
                {
                    "symbol": fields[col["Symbol"]],
                    "name": name or fields[col["description"]],
                    "ensembl": ensembl[0] if ensembl else None,
                    "ensembl_ids": ensembl or None,
                    "aliases": _split(fields[col["Synonyms"]]),
                    "biotype": fields[col["type_of_gene"]],
                    "hgnc": hgnc,
                    "chromosome": fields[col["chromosome"]] if "chromosome" in col else None,
                },
            )

    def _hgnc(
        self, header: list[str], lines: Iterator[tuple[int, str]], label: str, ctx: SourceContext
    ) -> Iterator[Node]:
        col = self._columns(header, HGNC_COLUMNS, label)
        for lineno, line in lines:
            if not line:
                continue
            fields = line.split("\t")
            fields += [""] * (len(header) - len(fields))
            if fields[col["status"]] != "Approved":
                continue
            entrez = fields[col["entrez_id"]].strip()
            symbol = fields[col["symbol"]]
            if not entrez:
                ctx.count("hgnc_without_entrez")
                continue
            if not entrez.isdigit():
                ctx.rejects.add(SourceFormatError(label, lineno, "entrez_id", f"not an integer: {entrez!r}"))
                continue
            ens = strip_ensembl(fields[col["ensembl_gene_id"]]) if fields[col["ensembl_gene_id"]] else None
            aliases = _split(fields[col["alias_symbol"]]) if "alias_symbol" in col else []
            aliases += _split(fields[col["prev_symbol"]]) if "prev_symbol" in col else []
            yield Node(
                NodeLabel.GENE,
                f"NCBIGene:{entrez}",
                {
                    "symbol": symbol,
                    "name": fields[col["name"]],
                    "ensembl": ens[0] if ens else None,
                    "ensembl_ids": [ens[0]] if ens else None,
                    "aliases": aliases,
                    "biotype": fields[col["locus_type"]],
                    "hgnc": fields[col["hgnc_id"]],
                    "chromosome": None,
                },
            )
