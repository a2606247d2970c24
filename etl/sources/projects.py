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
    description: ClassVar[str] = (
        "curated tables: 33 TCGA projects → MONDO disease, GTEx tissue (UBERON), hereditary forms (OMIM)"
    )
    needs_genes: ClassVar[bool] = False
    licence: ClassVar[str] = "curated table of this project (Apache-2.0); MONDO/UBERON ids: CC BY 4.0"

    def default_location(self) -> str | None:
        """The shipped tables."""
        data = resources.files("etl.data")
        return ",".join(str(data.joinpath(n)) for n in ("tcga_projects.tsv", "tcga_hereditary.tsv"))

    def version(self, files: list[LocalFile]) -> str:
        """Checksum of the tables."""
        return "+".join(f"sha256:{f.sha256[:12]}" for f in files)

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
        for form in table.hereditary:
            cohort = table.cohorts[form.project]
            props = {"relation": form.relation, "mondo_id": form.mondo_id, "shared_parent": form.shared_parent or None}
            yield Edge(RelType.HEREDITARY_FORM, cohort.disease_id, form.disease_id, props)
        ctx.count("projects", len(table))
        ctx.count("hereditary_forms", len(table.hereditary))
