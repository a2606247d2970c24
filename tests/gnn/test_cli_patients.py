"""``kg rank --phenopacket``, ``kg diagnose`` and a cohort run as a user runs them, and the notebook's patient calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import kg
from kg.settings import Settings
from tests.api.conftest import served_patient  # noqa: F401 - the fixture: planted graph + a real patient's terms
from tests.gnn.test_patients import AGAINST, MARFAN, PHENOPACKET
from tests.test_cli import kg as kg_cli

pytestmark = pytest.mark.neo4j
V1 = PHENOPACKET.parent / "v1" / PHENOPACKET.name


def test_patient_commands_and_notebook_on_a_real_phenopacket(served_patient: Settings, tmp_path: Path) -> None:  # noqa: F811
    env: dict = {"uri": served_patient.neo4j_uri, "home": served_patient.home}
    model = ["--model", str(served_patient.api.model_dir)]

    ranked = kg_cli("rank", "--phenopacket", str(PHENOPACKET), "--top", "5", "--format", "json", *model, **env)
    assert ranked.returncode == 0, ranked.stderr
    genes = json.loads(ranked.stdout)
    assert [g["rank"] for g in genes["genes"]] == [1, 2, 3, 4, 5] and len(genes["excluded"]) == 11

    diagnosed = kg_cli("diagnose", "--phenopacket", str(V1), "--top", "3", "--format", "json", *model, **env)
    assert diagnosed.returncode == 0, diagnosed.stderr
    top = json.loads(diagnosed.stdout)["diseases"][0]
    assert top["disease_id"] == MARFAN and {t["id"] for t in top["excluded_present"]} == set(AGAINST)

    table = kg_cli("diagnose", "--phenotypes", "HP:0001166,HP:0001083", "--exclude", "HP:0002650", *model, **env)
    assert table.returncode == 0 and "Marfan syndrome" in table.stdout and "excluded but present" in table.stdout

    # a cohort: PhEval result files per patient, one Parquet file, the unreadable file listed
    cohort = tmp_path / "cohort"
    (cohort / "v1").mkdir(parents=True)
    shutil.copy(PHENOPACKET, cohort)
    shutil.copy(V1, cohort / "v1" / "same_patient_v1.json")
    (cohort / "broken.json").write_text('{"phenotypicFeatures": [{"type": {"id": "MP:0001"}}]}')
    out = tmp_path / "results"
    run = kg_cli("rank", "--phenopacket", str(cohort), "--out", str(out), "--format", "json", *model, **env)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["ranked"] == 2 and summary["skipped"][0]["path"] == "$.phenotypicFeatures[0].type.id"
    assert len(list((out / "pheval_gene_results").glob("*-pheval_gene_result.tsv"))) == 2
    assert len(pd.read_parquet(out / "top.parquet").query("kind == 'disease'")) == 2 * 20

    # bad input: one clear line naming the file and the JSON path, no traceback
    bad = kg_cli("rank", "--phenopacket", str(cohort / "broken.json"), *model, **env)
    assert bad.returncode == 1 and "broken.json $.phenotypicFeatures[0].type.id" in bad.stderr
    assert "'MP:0001' is not an HPO term" in bad.stderr and "Traceback" not in bad.stderr
    both = kg_cli("diagnose", "--phenotypes", "HP:0001166", "--phenopacket", str(PHENOPACKET), *model, **env)
    assert both.returncode == 1 and "either --phenotypes or --phenopacket" in both.stderr
    folder = kg_cli("rank", "--phenopacket", str(cohort), *model, **env)
    assert folder.returncode == 1 and "give --out DIR" in folder.stderr

    with kg.connect(neo4j_uri=served_patient.neo4j_uri, home=served_patient.home, model=model[1]) as graph:
        frame = graph.rank_phenopacket(PHENOPACKET, top=4)
        assert list(frame.columns) == ["rank", "gene_id", "symbol", "score", "logit"] and len(frame) == 4
        assert frame.equals(graph.rank_phenopacket(json.loads(PHENOPACKET.read_text()), top=4))
        dx = graph.diagnose(str(PHENOPACKET), top=3)
        assert dx.iloc[0]["disease_id"] == MARFAN and set(dx.iloc[0]["excluded_present"]) == set(AGAINST)
        assert graph.diagnose(["HP:0001166", "HP:0001083"], top=3).iloc[0]["exclusion_factor"] == 1.0
