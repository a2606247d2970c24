"""Evidence of a gene–disease pair broken down by datatype, like Open Targets' ``datatypeScores``.

Per datatype, a score in [0, 1]:

* ``curated_association`` (HPO / OMIM / Orphanet ASSOCIATED_WITH): 1.0;
* ``somatic_mutation`` (TCGA MUTATED_IN): the fraction of patients with a non-silent mutation;
* ``differential_expression`` (UPREGULATED_IN / DOWNREGULATED_IN): ``min(1, |log2FC| / 4)``;
* ``tissue_expression`` (GTEx EXPRESSED_IN in the disease's tissue): the tissue-specificity index.

Evidence rolls up along the disease space (``via``): a TCGA cohort's hereditary forms and a
disease's exact-match equivalents contribute their relationships too.

The overall score is Open Targets' harmonic sum: the best score per datatype, sorted high to
low, ``Σ s_i / i²``, divided by the largest value that sum can take with the same number of
datatypes (``Σ 1/i²`` for i ≤ k), so one perfect datatype scores 1 and so do k perfect ones;
more datatypes with weaker scores add less and less.
"""

from __future__ import annotations

from typing import Any

#: Gene → disease relationship types that count as evidence, with their Open Targets-style datatype.
EVIDENCE_TYPES = {
    "ASSOCIATED_WITH": "curated_association",
    "MUTATED_IN": "somatic_mutation",
    "UPREGULATED_IN": "differential_expression",
    "DOWNREGULATED_IN": "differential_expression",
}


def datatype_rows(relationships: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per evidence relationship: datatype, score and the values behind it."""
    rows = []
    for rel in relationships:
        props, kind = rel["props"], rel["type"]
        datatype = EVIDENCE_TYPES.get(kind, "tissue_expression")
        if kind == "ASSOCIATED_WITH":
            score = 1.0
        elif kind == "MUTATED_IN":
            score = float(props.get("frequency", 0.0))
        elif kind in ("UPREGULATED_IN", "DOWNREGULATED_IN"):
            score = min(1.0, abs(float(props.get("log2fc", 0.0))) / 4.0)
        else:
            score = float(props.get("specificity", 0.0))
        rows.append(
            {
                "datatype": datatype,
                "relation": kind,
                "score": max(0.0, min(1.0, score)),
                "source": props.get("source", ""),
                "source_version": props.get("source_version"),
                "synthetic": bool(props.get("synthetic", False)),
                "frequency": props.get("frequency"),
                "log2fc": props.get("log2fc"),
                "padj": props.get("padj"),
                "tpm": props.get("tpm_median"),
                "tissue": rel.get("tissue"),
                "via": rel.get("via"),
            }
        )
    return sorted(rows, key=lambda r: -r["score"])


def overall(rows: list[dict[str, Any]]) -> float:
    """Harmonic sum of the best score per datatype, normalised by its maximum for that many datatypes."""
    best: dict[str, float] = {}
    for r in rows:
        best[r["datatype"]] = max(best.get(r["datatype"], 0.0), r["score"])
    ordered = sorted(best.values(), reverse=True)
    if not ordered:
        return 0.0
    maximum = sum(1 / (i * i) for i in range(1, len(ordered) + 1))
    return sum(s / (i * i) for i, s in enumerate(ordered, start=1)) / maximum
