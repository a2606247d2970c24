"""bench/full_scale.py's generated inputs go through the real adapters and keep their planted truths."""

from __future__ import annotations

import sys
from pathlib import Path

from etl.pipeline import build_release
from kg.schema import RelType
from kg.settings import EtlSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import full_scale_inputs as inputs  # noqa: E402 - a benchmark module, not a package


def test_mc3_and_xena_inputs_parse_and_hold_their_planted_truths(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    mc3 = inputs.write_mc3(data, 0.005)
    xena = inputs.write_xena(data, 0.005)
    overrides = {
        "tcga-maf": f"{data / str(mc3['file'])},{data / 'tissueSourceSite.tsv'}",
        "xena": ",".join(str(data / f) for f in xena["files"]),  # type: ignore[attr-defined]
    }
    only = {"genes", "tcga-projects", "tcga-maf", "xena"}
    report = build_release(overrides, EtlSettings(), tmp_path / "home", write=False, only=only)
    by_name = {r.name: r for r in report.results}
    maf = by_name["tcga-maf"]
    assert maf.rejects == 0 and maf.stats["maf_rows"] == mc3["rows"]
    mutated = {(e["start"], e["end"]): e["props"]["frequency"] for e in maf.edges[RelType.MUTATED_IN]}
    for disease, truth in mc3["planted"].items():  # type: ignore[attr-defined]
        assert mutated[(truth["gene"], disease)] == truth["frequency"]
    de = by_name["xena"]
    up = {(e["start"], e["end"]) for e in de.edges.get(RelType.UPREGULATED_IN, [])}
    planted_up = [(g, d) for d, t in xena["planted"].items() for g in t["up"]]  # type: ignore[attr-defined]
    assert sum(p in up for p in planted_up) >= 0.5 * len(planted_up)  # small cohorts at this fraction
    assert de.stats["cohorts_tested"] >= 20
