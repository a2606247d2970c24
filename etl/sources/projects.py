"""The curated TCGA project table → cancer Disease nodes, Tissue nodes, LOCALIZES_TO."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import ClassVar

from etl.io import LocalFile
from etl.sources.base import SourceContext
from kg.schema import Edge, Node, NodeLabel, Record, RelType


class TcgaProjectsSource:
    """The shipped table of the 33 TCGA projects (see ``etl/data/tcga_projects.tsv``)."""

    name: ClassVar[str] = "tcga-projects"
    description: ClassVar[str] = "curated table: 33 TCGA projects → MONDO disease, GTEx tissue (UBERON)"
    needs_genes: ClassVar[bool] = False
    licence: ClassVar[str] = "curated table of this project (Apache-2.0); MONDO/UBERON ids: CC BY 4.0"

    def default_location(self) -> str | None:
        """The shipped table."""
        return str(resources.files("etl.data").joinpath("tcga_projects.tsv"))

    def version(self, files: list[LocalFile]) -> str:
        """Checksum of the table."""
        return f"sha256:{files[0].sha256[:12]}"

    def read(self, ctx: SourceContext) -> Iterator[Record]:
        """Yield a Disease per project and its Tissue with LOCALIZES_TO, plus all GTEx tissues."""
        table = ctx.cohort_table()
        for gtex_name, (tissue_id, label) in table.gtex.items():
            yield Node(NodeLabel.TISSUE, tissue_id, {"name": label, "gtex_name": gtex_name})
        for cohort in table.cohorts.values():
            yield Node(NodeLabel.DISEASE, cohort.disease_id, {"name": cohort.name, "tcga_project": cohort.project})
            if not cohort.gtex_tissue:
                yield Node(NodeLabel.TISSUE, cohort.tissue_id, {"name": cohort.tissue_name})
            yield Edge(RelType.LOCALIZES_TO, cohort.disease_id, cohort.tissue_id, {})
        ctx.count("projects", len(table))
