"""Gene/protein interactions → ``(Gene)-[:INTERACTS_WITH {score, method, evidence}]-(Gene)``.

Formats, recognised from their header:

* InWeb_InBioMap pairwise TSV (``gene_left gene_right source``, as in the mantis-ml wheel);
* BioGRID TAB3 (``#BioGRID Interaction ID …``; human–human rows only);
* STRING ``protein.links[.detailed|.full]`` (space separated, ``combined_score`` 0–1000, kept at
  or above ``string_min_score``, default 700 = "high confidence"); give STRING's
  ``protein.aliases`` file with it to map ``9606.ENSP…`` ids to genes;
* PSI-MITAB 2.5/2.6/2.7 (15/36/42 columns, with or without the ``#ID(s) interactor A`` header).

Interactions are undirected: stored once per gene pair (start id < end id), with the best
score of all rows of the pair, the sorted detection methods joined by ``|`` and ``evidence``
``experimental`` if any row is experimental. Ids that do not resolve to a gene of the
reference go to ``unresolved/interactions.tsv``; self-interactions are counted and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from etl.genemap import GeneResolver
from etl.io import LocalFile, TabularFile, numbered_lines
from etl.reference import wheel_data
from etl.sources.base import SourceContext
from kg.errors import SourceFormatError
from kg.schema import Edge, Record, RelType

_ENTREZ = re.compile(r"entrez gene/locuslink:(\d+)")
_GENE_NAME = re.compile(r"[\w-]+:([^|(]+)\(gene name\)")
_MI_NAME = re.compile(r'"?MI:\d+"?\(([^)]*)\)')
_SCORE = re.compile(r"(?:intact-miscore|score|confidence)[^:]*:([0-9.]+)", re.IGNORECASE)


LICENCE = "; ".join(
    [
        "InWeb_InBioMap: free for academic/non-profit use, commercial use needs a licence from Intomics",
        "BioGRID: MIT",
        "STRING, IntAct: CC BY 4.0",
    ]
)


@dataclass
class _Pair:
    score: float | None = None
    methods: set[str] = field(default_factory=set)
    experimental: bool = False


#: The BioGRID TAB3 columns read.
BIOGRID = (
    "Entrez Gene Interactor A",
    "Entrez Gene Interactor B",
    "Official Symbol Interactor A",
    "Official Symbol Interactor B",
    "Experimental System",
    "Experimental System Type",
    "Organism ID Interactor A",
    "Organism ID Interactor B",
)


class InteractionsSource:
    """InWeb / BioGRID / STRING / PSI-MITAB interaction adapter."""

    name: ClassVar[str] = "interactions"
    description: ClassVar[str] = "Gene interactions: InWeb TSV, BioGRID TAB3, STRING links (+aliases), PSI-MITAB"
    needs_genes: ClassVar[bool] = True
    licence: ClassVar[str] = LICENCE

    def default_location(self) -> str | None:
        """InWeb_InBioMap 2016-09-12 core pairs (mantis-ml wheel)."""
        path = wheel_data("mantis_ml", "in_web/inweb_pairwise_gene_interactions.tsv")
        return str(path) if path else None

    def version(self, files: list[LocalFile]) -> str:
        """The release named in the file (InWeb's is fixed: the 2016-09-12 core map) plus checksum."""
        f = files[0]
        if f.name.startswith("inweb"):
            return f"inweb_inbiomap:2016-09-12+sha256:{f.sha256[:12]}"
        m = re.search(r"(?:v|-)(\d+(?:\.\d+)+)", f.name)  # STRING "v12.0", BioGRID "-4.4.229"
        return f"{'v' + m.group(1) if m else 'unknown'}+sha256:{f.sha256[:12]}"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield one INTERACTS_WITH edge per gene pair."""
        aliases = [f for f in ctx.files if "alias" in f.name.lower()]
        string_ids = _string_aliases(aliases[0], ctx.resolver()) if aliases else None
        pairs: dict[tuple[str, str], _Pair] = {}
        for f in ctx.files:
            if f in aliases:
                continue
            for gene_a, gene_b, score, method, experimental in self._rows(f, ctx, string_ids):
                if gene_a == gene_b:
                    ctx.count("self_interactions")
                    continue
                key = (gene_a, gene_b) if gene_a < gene_b else (gene_b, gene_a)
                pair = pairs.setdefault(key, _Pair())
                if score is not None and (pair.score is None or score > pair.score):
                    pair.score = score
                if method:
                    pair.methods.add(method)
                pair.experimental = pair.experimental or experimental
        for (a, b), pair in pairs.items():
            yield Edge(
                RelType.INTERACTS_WITH,
                a,
                b,
                {
                    "score": pair.score,
                    "method": "|".join(sorted(pair.methods)) or "unknown",
                    "evidence": "experimental" if pair.experimental else "inferred",
                },
            )
        ctx.count("gene_pairs", len(pairs))

    def _rows(
        self, f: LocalFile, ctx: SourceContext, string_ids: dict[str, str] | None
    ) -> Iterator[tuple[str, str, float | None, str, bool]]:
        lines = numbered_lines(f.path, f.origin)
        first = next(lines, None)
        if first is None:
            raise SourceFormatError(f.origin, 1, None, "empty file")
        head = first[1]
        if head.startswith("gene_left\t"):
            yield from self._inweb(TabularFile(f, comment=None, what="InWeb"), ctx)
        elif head.startswith("#BioGRID Interaction ID"):
            yield from self._biogrid(TabularFile(f, comment=None, required=BIOGRID, what="BioGRID TAB3"), ctx)
        elif head.startswith("protein1 protein2"):
            if string_ids is None:
                raise SourceFormatError(f.origin, 1, None, "STRING links need the protein.aliases file beside them")
            links = TabularFile(f, comment=None, delimiter=None, required=("combined_score",), what="STRING links")
            yield from self._string(links, ctx, string_ids)
        elif head.startswith("#ID") or len(head.split("\t")) in (15, 36, 42):
            rest = lines if head.startswith("#") else iter([first, *lines])
            yield from self._mitab(f, rest, ctx)
        else:
            raise SourceFormatError(
                f.origin,
                1,
                None,
                f"unknown interaction format (header {head[:60]!r}): expected InWeb, BioGRID "
                "TAB3, STRING protein.links or PSI-MITAB",
            )

    def _inweb(self, table: TabularFile, ctx: SourceContext) -> Iterator[tuple[str, str, float | None, str, bool]]:
        resolver = ctx.resolver()
        for row in table.rows(ctx.rejects.add):
            a = resolver.resolve(self.name, symbol=row.fields[0])
            b = resolver.resolve(self.name, symbol=row.fields[1])
            if a and b:
                yield a, b, None, row.fields[2], row.fields[2].startswith("experimental")

    def _biogrid(self, table: TabularFile, ctx: SourceContext) -> Iterator[tuple[str, str, float | None, str, bool]]:
        resolver = ctx.resolver()
        for row in table.rows(ctx.rejects.add):
            if row["Organism ID Interactor A"] != "9606" or row["Organism ID Interactor B"] != "9606":
                ctx.count("non_human_rows")
                continue
            if row["Experimental System Type"] != "physical":
                ctx.count("genetic_interactions_skipped")
                continue
            ends = [
                resolver.resolve(
                    self.name,
                    entrez=row[f"Entrez Gene Interactor {s}"],
                    symbol=row[f"Official Symbol Interactor {s}"],
                )
                for s in "AB"
            ]
            score = None
            if table.has("Score") and row["Score"] not in ("-", ""):
                score = row.float("Score")
            if ends[0] and ends[1]:
                yield ends[0], ends[1], score, row["Experimental System"], True

    def _string(
        self, table: TabularFile, ctx: SourceContext, string_ids: dict[str, str]
    ) -> Iterator[tuple[str, str, float | None, str, bool]]:
        threshold = ctx.settings.string_min_score
        resolver = ctx.resolver()
        for row in table.rows(ctx.rejects.add):
            score = row.float("combined_score")
            if score < threshold:
                continue
            ends = []
            for protein in row.fields[:2]:
                gene = string_ids.get(protein)
                if gene is None:
                    resolver.unresolved[(self.name, "string_protein", protein)] += 1
                ends.append(gene)
            if ends[0] and ends[1]:
                experimental = table.has("experiments") and row.int("experiments") > 0
                yield ends[0], ends[1], score / 1000.0, "STRING combined score", experimental

    def _mitab(
        self, f: LocalFile, lines: Iterator[tuple[int, str]], ctx: SourceContext
    ) -> Iterator[tuple[str, str, float | None, str, bool]]:
        resolver = ctx.resolver()
        for lineno, line in lines:
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) not in (15, 36, 42):
                ctx.rejects.add(
                    SourceFormatError(f.origin, lineno, None, f"{len(fields)} columns, PSI-MITAB has 15/36/42")
                )
                continue
            taxa = fields[9:11]
            if not all(t.startswith("taxid:9606") for t in taxa):
                ctx.count("non_human_rows")
                continue
            ends = [self._mitab_gene(resolver, fields[i], fields[i + 2], fields[i + 4]) for i in (0, 1)]
            method = m.group(1) if (m := _MI_NAME.search(fields[6])) else fields[6]
            score = float(s.group(1)) if (s := _SCORE.search(fields[14])) else None
            if ends[0] and ends[1]:
                yield ends[0], ends[1], score, method, True

    def _mitab_gene(self, resolver: GeneResolver, ids: str, alt: str, alias: str) -> str | None:
        joined = f"{ids}|{alt}"
        entrez = m.group(1) if (m := _ENTREZ.search(joined)) else None
        symbol = m.group(1) if (m := _GENE_NAME.search(alias)) else None
        if entrez is None and symbol is None:
            symbol = ids
        return resolver.resolve(self.name, entrez=entrez, symbol=symbol)


def _string_aliases(f: LocalFile, resolver: GeneResolver) -> dict[str, str]:
    """``9606.ENSP…`` → Gene id, from STRING's alias file (Entrez ids first, then HGNC symbols, then Ensembl)."""
    best: dict[str, tuple[int, str]] = {}
    for _, line in numbered_lines(f.path, f.origin):
        if not line or line.startswith("#") or line.startswith("string_protein_id"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        protein, alias, sources = parts[0], parts[1], parts[2]
        if "Entrez" in sources and alias.isdigit():
            rank, gene = 0, resolver.by_entrez(alias)
        elif "HGNC" in sources or "HUGO" in sources:
            rank, gene = 1, resolver.index.symbols.get(alias.upper())
        elif alias.startswith("ENSG"):
            rank, gene = 2, resolver.by_ensembl(alias)
        else:
            continue
        if gene and (protein not in best or rank < best[protein][0]):
            best[protein] = (rank, gene)
    return {p: g for p, (_, g) in best.items()}
