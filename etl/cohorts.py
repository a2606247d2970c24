"""The curated TCGA project table and the GTEx tissue table shipped in ``etl/data``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kg.errors import SourceFormatError
from kg.ids import check

_TCGA_IN_NAME = re.compile(r"TCGA[-._]([A-Z]{2,4})(?![A-Z])")


@dataclass(frozen=True)
class Cohort:
    """One TCGA project.

    Args:
        project: ``TCGA-XXXX``.
        disease_id: MONDO id of the cancer.
        name: Study name.
        tissue_id: UBERON id of the tissue the cancer localizes to.
        tissue_name: Label of that tissue.
        gtex_tissue: The GTEx tissue used as normal reference ('' if none).
    """

    project: str
    disease_id: str
    name: str
    tissue_id: str
    tissue_name: str
    gtex_tissue: str


@dataclass(frozen=True)
class HereditaryForm:
    """A hereditary disease HPO annotates for the cancer of a TCGA cohort (``etl/data/tcga_hereditary.tsv``).

    Args:
        project: ``TCGA-XXXX``.
        disease_id: The OMIM id of the hereditary disease.
        mondo_id: MONDO's exact match of ``disease_id``.
        relation: ``site`` (the same cancer site) or ``predisposition`` (a cancer-predisposition syndrome).
        shared_parent: The site-specific MONDO class above both, where the shipped hierarchy has it.
    """

    project: str
    disease_id: str
    mondo_id: str
    relation: str
    shared_parent: str


RELATIONS = ("site", "predisposition")


def _rows(path: Path) -> list[list[str]]:
    lines = [ln.rstrip("\n") for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    return [ln.split("\t") for ln in lines[1:]]


def _data(name: str) -> Path:
    return Path(str(resources.files("etl.data").joinpath(name)))


class CohortTable:
    """Lookups over the 33 TCGA projects and the GTEx tissues."""

    def __init__(
        self, projects: Path | None = None, tissues: Path | None = None, hereditary: Path | None = None
    ) -> None:
        """Load the shipped tables (or the given files)."""
        projects = projects or _data("tcga_projects.tsv")
        tissues = tissues or _data("gtex_tissues.tsv")
        hereditary = hereditary or _data("tcga_hereditary.tsv")
        self.cohorts: dict[str, Cohort] = {}
        for i, row in enumerate(_rows(projects), start=1):
            if len(row) != 6:
                raise SourceFormatError(str(projects), None, None, f"data row {i}: expected 6 fields")
            cohort = Cohort(*row)
            check(cohort.disease_id, ("MONDO",))
            check(cohort.tissue_id, ("UBERON",))
            self.cohorts[cohort.project] = cohort
        self.gtex: dict[str, tuple[str, str]] = {}
        for row in _rows(tissues):
            self.gtex[row[0]] = (check(row[1], ("UBERON",)), row[2])
        self._by_name = {c.name.lower(): c for c in self.cohorts.values()}
        self.hereditary: list[HereditaryForm] = []
        for i, row in enumerate(_rows(hereditary), start=1):
            row = row + [""] * (5 - len(row))  # an empty last column may lose its tab
            if len(row) != 5 or row[0] not in self.cohorts or row[3] not in RELATIONS:
                raise SourceFormatError(
                    str(hereditary),
                    None,
                    None,
                    f"data row {i}: expected project, disease_id, "
                    f"mondo_id, relation ({'|'.join(RELATIONS)}), shared_parent",
                )
            form = HereditaryForm(*row)
            check(form.disease_id, ("OMIM", "ORPHA"))
            check(form.mondo_id, ("MONDO",))
            if form.shared_parent:
                check(form.shared_parent, ("MONDO",))
            self.hereditary.append(form)

    def __len__(self) -> int:
        return len(self.cohorts)

    def get(self, project: str) -> Cohort | None:
        """Return the cohort of ``TCGA-XXXX`` (or ``XXXX``)."""
        key = project.upper()
        return self.cohorts.get(key if key.startswith("TCGA-") else f"TCGA-{key}")

    def by_name(self, name: str) -> Cohort | None:
        """Return the cohort whose study name matches ``name`` (case-insensitive)."""
        return self._by_name.get(name.strip().lower())

    def project_in_file_name(self, name: str) -> Cohort | None:
        """Find ``TCGA-XXXX`` / ``TCGA.XXXX`` in a file name (GDC naming)."""
        for m in _TCGA_IN_NAME.finditer(name.upper()):
            cohort = self.get(m.group(1))
            if cohort:
                return cohort
        return None

    def tissue_of_gtex(self, gtex_name: str) -> tuple[str, str] | None:
        """Return ``(UBERON id, label)`` of a GTEx tissue name, or ``None``."""
        return self.gtex.get(gtex_name.strip())
