#!/usr/bin/env python3
"""Build the bundled gene reference from real NCBI data shipped in Debian's org.Hs.eg.db.

Usage::

    python scripts/build_gene_reference.py            # downloads the .deb with apt-get
    python scripts/build_gene_reference.py --sqlite /path/to/org.Hs.eg.sqlite

Writes ``etl/data/reference/Homo_sapiens.gene_info.gz`` in NCBI's gene_info format
(16 columns) plus a ``.version`` sidecar naming the Entrez/Ensembl snapshot dates.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sqlite3
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

HEADER = (
    "#tax_id\tGeneID\tSymbol\tLocusTag\tSynonyms\tdbXrefs\tchromosome\tmap_location\tdescription\t"
    "type_of_gene\tSymbol_from_nomenclature_authority\tFull_name_from_nomenclature_authority\t"
    "Nomenclature_status\tOther_designations\tModification_date\tFeature_type"
)
OUT = Path(__file__).resolve().parents[1] / "etl" / "data" / "reference" / "Homo_sapiens.gene_info.gz"


def fetch_sqlite(workdir: Path) -> Path:
    """Download and unpack r-bioc-org.hs.eg.db with apt-get (no R needed)."""
    subprocess.run(["apt-get", "download", "r-bioc-org.hs.eg.db"], cwd=workdir, check=True)
    deb = next(workdir.glob("r-bioc-org.hs.eg.db_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(workdir / "x")], check=True)
    return next((workdir / "x").rglob("org.Hs.eg.sqlite"))


def multimap(con: sqlite3.Connection, query: str) -> dict[int, list[str]]:
    """Return ``_id -> [values]`` for a two-column query, values in order."""
    out: dict[int, list[str]] = defaultdict(list)
    for key, value in con.execute(query):
        if value not in out[key]:
            out[key].append(value)
    return out


def build(sqlite_path: Path, out: Path) -> int:
    """Write the gene_info file; return the number of genes."""
    con = sqlite3.connect(sqlite_path)
    meta = dict(con.execute("SELECT name, value FROM metadata"))
    alias = multimap(con, "SELECT _id, alias_symbol FROM alias ORDER BY rowid")
    ensembl = multimap(con, "SELECT _id, ensembl_id FROM ensembl ORDER BY ensembl_id")
    omim = multimap(con, "SELECT _id, omim_id FROM omim ORDER BY omim_id")
    chrom = multimap(con, "SELECT _id, chromosome FROM chromosomes")
    band = multimap(con, "SELECT _id, cytogenetic_location FROM cytogenetic_locations")
    gtype = dict(con.execute("SELECT _id, gene_type FROM genetype"))
    rows = con.execute(
        "SELECT g._id, g.gene_id, i.symbol, i.gene_name FROM genes g JOIN gene_info i USING (_id) "
        "ORDER BY CAST(g.gene_id AS INTEGER)"
    ).fetchall()
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
        io.TextIOWrapper(gz, encoding="utf-8") as fh,
    ):
        fh.write(HEADER + "\n")
        for _id, gene_id, symbol, name in rows:
            synonyms = [a for a in alias.get(_id, []) if a != symbol]
            xrefs = [f"MIM:{m}" for m in omim.get(_id, [])] + [f"Ensembl:{e}" for e in ensembl.get(_id, [])]
            fields = [
                "9606",
                gene_id,
                symbol,
                "-",
                "|".join(synonyms) or "-",
                "|".join(xrefs) or "-",
                "|".join(chrom.get(_id, [])) or "-",
                "|".join(band.get(_id, [])) or "-",
                name,
                gtype.get(_id, "unknown"),
                symbol,
                name,
                "O",
                "-",
                meta.get("EGSOURCEDATE", "-").replace("-", ""),
                "-",
            ]
            fh.write("\t".join(fields) + "\n")
    version = f"org.Hs.eg.db Entrez {meta.get('EGSOURCEDATE')} / Ensembl {meta.get('ENSOURCEDATE')}"
    out.with_name(out.name + ".version").write_text(version + "\n")
    return len(rows)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", type=Path, help="an existing org.Hs.eg.sqlite (skips the download)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_path = args.sqlite or fetch_sqlite(Path(tmp))
        n = build(sqlite_path, args.out)
    print(f"wrote {n} genes to {args.out}")


if __name__ == "__main__":
    main()
