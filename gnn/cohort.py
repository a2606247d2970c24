"""A cohort of phenopackets ranked at once, written in PhEval's standardised result formats.

For each patient ``<stem>.json`` the folder gets

* ``pheval_gene_results/<stem>-pheval_gene_result.tsv``: ``rank, score, gene_symbol, gene_identifier``;
* ``pheval_disease_results/<stem>-pheval_disease_result.tsv``: ``rank, score, disease_name, disease_identifier``;

(PhEval's gene and disease result files, read by ``pheval-utils benchmark``), and the whole cohort
one ``top.parquet`` (patient, file, kind ``gene``/``disease``, rank, id, name, score) and
``skipped.tsv`` (file, JSON path, reason) for phenopackets that could not be ranked.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnn.answers import Answers
from kg.errors import KGError
from kg.patient import PhenopacketError, read_phenopacket

GENE_COLUMNS = ("rank", "score", "gene_symbol", "gene_identifier")
DISEASE_COLUMNS = ("rank", "score", "disease_name", "disease_identifier")


@dataclass
class CohortRun:
    """What a cohort run did: patients ranked, files skipped (with why), where it wrote."""

    out: Path
    ranked: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    notes: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "out": str(self.out),
            "ranked": self.ranked,
            "skipped": [{"file": f, "path": p, "reason": r} for f, p, r in self.skipped],
            "patients_with_notes": self.notes,
        }


def rank_cohort(
    answers: Answers,
    files: Sequence[Path],
    out: Path,
    top: int = 100,
    on_patient: Callable[[int], None] | None = None,
) -> CohortRun:
    """Rank genes and diseases for every phenopacket in ``files``; write PhEval files and ``top.parquet``.

    A phenopacket that cannot be read or has no term of the graph's release is skipped and listed
    in ``skipped.tsv``; the run goes on.
    """
    import pandas as pd

    genes_dir, diseases_dir = out / "pheval_gene_results", out / "pheval_disease_results"
    genes_dir.mkdir(parents=True, exist_ok=True)
    diseases_dir.mkdir(parents=True, exist_ok=True)
    run = CohortRun(out)
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            patient = read_phenopacket(path)
            request = {"patient": patient.to_json(), "top": top}
            genes = answers({**request, "op": "rank"})
            diseases = answers({**request, "op": "diagnose", "reasons": False})
        except PhenopacketError as exc:
            run.skipped.append((exc.file, exc.path, exc.reason))
        except KGError as exc:
            run.skipped.append((str(path), "$", str(exc)))
        else:
            run.ranked += 1
            run.notes += bool(genes["notes"])
            gene_rows = [(g["rank"], g["logit"], g["symbol"], g["gene_id"]) for g in genes["genes"]]
            disease_rows = [(d["rank"], d["score"], d["name"], d["disease_id"]) for d in diseases["diseases"]]
            _tsv(genes_dir / f"{path.stem}-pheval_gene_result.tsv", GENE_COLUMNS, gene_rows)
            _tsv(diseases_dir / f"{path.stem}-pheval_disease_result.tsv", DISEASE_COLUMNS, disease_rows)
            base = {"patient": patient.id, "file": str(path)}
            rows += [{**base, "kind": "gene", "rank": r, "id": i, "name": n, "score": s} for r, s, n, i in gene_rows]
            rows += [
                {**base, "kind": "disease", "rank": r, "id": i, "name": n, "score": s} for r, s, n, i in disease_rows
            ]
        if on_patient is not None:
            on_patient(1)
    columns = ["patient", "file", "kind", "rank", "id", "name", "score"]
    pd.DataFrame(rows, columns=columns).to_parquet(out / "top.parquet", index=False)
    _tsv(out / "skipped.tsv", ("file", "path", "reason"), run.skipped)
    return run


def _tsv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
