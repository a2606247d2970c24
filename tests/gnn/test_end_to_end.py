"""A tiny model end to end against the live Neo4j: export → train → predict → rank → explain.

The graph is planted in HPO's shape: four modules, each with its own branch of a phenotype
hierarchy; a module's diseases carry that branch's terms and link to that module's genes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import torch

from gnn.artefacts import ArtefactError
from gnn.evidence_paths import GO_TERM, PARTNER, SIMILAR_DISEASE
from gnn.explain import Explainer, fidelity
from gnn.explanation import Explanation
from gnn.export import export_graph
from gnn.inference import ModelContext, UnknownId
from gnn.model import ModelConfig
from gnn.ontology import HAS_PHENOTYPE
from gnn.pipeline import train_on_export
from gnn.prior import prior_for
from gnn.scorer import EvidenceScorer
from gnn.split import reverse
from gnn.train import TrainConfig
from kg.export import ExportSpec
from kg.predictions import PredictionStore
from kg.published import PREDICTED_ASSOCIATION, publish
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore

pytestmark = pytest.mark.neo4j

MODULES, GENES, DISEASES, TERMS = 4, 48, 32, 6


def _edge(start: str, end: str, **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": "hpo", "release": "r1", "source_version": "v", **props}}


def module_of(i: int) -> int:
    return i % MODULES


def gene_module(gene_id: str) -> int:
    return module_of(int(gene_id.split(":")[1]) - 1)


def load_planted(store: Neo4jStore) -> None:
    gen = torch.Generator().manual_seed(0)
    genes = [{"id": f"NCBIGene:{i + 1}", "symbol": f"GENE{i + 1}"} for i in range(GENES)]
    diseases = [{"id": f"OMIM:{100000 + i}", "name": f"syndrome {i}"} for i in range(DISEASES)]
    terms = [{"id": "HP:0000001", "name": "All"}]
    terms += [
        {"id": f"HP:{1000 + m * 10 + t:07d}", "name": f"module {m} term {t}"}
        for m in range(MODULES)
        for t in range(TERMS)
    ]
    store.merge_nodes(NodeLabel.GENE, genes)
    store.merge_nodes(NodeLabel.DISEASE, diseases)
    store.merge_nodes(NodeLabel.PHENOTYPE, terms)
    is_a = []
    for m in range(MODULES):
        root = f"HP:{1000 + m * 10:07d}"
        is_a.append(_edge(root, "HP:0000001"))
        is_a += [_edge(f"HP:{1000 + m * 10 + t:07d}", root) for t in range(1, TERMS)]
    has, assoc = [], []
    for d in range(DISEASES):
        m = module_of(d)
        for t in range(1, TERMS):
            if torch.rand(1, generator=gen) < 0.6:
                has.append(_edge(f"OMIM:{100000 + d}", f"HP:{1000 + m * 10 + t:07d}"))
        for g in range(GENES):
            if module_of(g) == m and torch.rand(1, generator=gen) < 0.35:
                assoc.append(_edge(f"NCBIGene:{g + 1}", f"OMIM:{100000 + d}"))
    store.merge_edges(RelType.IS_A, is_a)
    store.merge_edges(RelType.HAS_PHENOTYPE, has)
    store.merge_edges(RelType.ASSOCIATED_WITH, assoc)
    store.mark_source("hpo", "loaded", {"fingerprint": "planted", "release": "r1", "version": "v"})


@pytest.fixture()
def trained(store: Neo4jStore, tmp_path: Path) -> tuple[Neo4jStore, ModelContext, Path]:
    load_planted(store)
    graph, _ = export_graph(store, ExportSpec(), tmp_path / "exports")
    run = tmp_path / "run"
    summary = train_on_export(
        graph,
        run,
        ModelConfig(hidden=16, layers=2, heads=2, dropout=0.0, sketch_dim=16),
        TrainConfig(epochs=40, lr=0.01, patience=40),
        "disease",
    )
    assert summary.metrics["auroc"] > 0.7, summary.metrics
    return store, ModelContext(graph, run), tmp_path


def test_predict_rank_explain_on_the_live_graph(trained: tuple[Neo4jStore, ModelContext, Path]) -> None:
    store, ctx, tmp = trained
    rows = ctx.predict(top=5)
    d0 = ctx.lookup("Disease", "OMIM:100000")
    known = set(ctx.known_genes(d0).tolist())
    new = [r for r in rows if r.disease_id == "OMIM:100000" and not r.known]
    assert [r.rank for r in new] == [1, 2, 3, 4, 5]
    assert all(ctx.lookup("Gene", r.gene_id) not in known for r in new)  # known links are excluded…
    flagged = {ctx.lookup("Gene", r.gene_id) for r in rows if r.disease_id == "OMIM:100000" and r.known}
    assert flagged == known  # …and flagged separately
    assert sum(gene_module(r.gene_id) == 0 for r in new) >= 3  # the planted module wins
    # each row carries its score's shares by path kind, the same as the explanation's paths add up to
    assert all(r.shares is not None and abs(sum(r.shares) - 1) < 1e-4 for r in rows)
    scorer = ctx.scorer
    assert scorer is not None
    top = new[0]
    explained = scorer.explain(scorer.rows(torch.tensor([d0])), ctx.lookup("Gene", top.gene_id))
    by_kind = [sum(p.share for p in explained.paths if p.kind == k) for k in (SIMILAR_DISEASE, PARTNER, GO_TERM)]
    expected = [x / explained.score for x in (*by_kind, explained.baseline)]
    assert top.shares == pytest.approx(expected, abs=1e-4)

    path = tmp / "predictions.sqlite"
    info = {"model_version": ctx.version, "graph_release": ctx.graph.graph_release, "release": "r1", "metrics": {}}
    PredictionStore(path).replace(info, rows)
    assert [p.gene_id for p in PredictionStore(path).for_disease("OMIM:100000", first=5)[0]] == [r.gene_id for r in new]
    n_new = sum(not r.known for r in rows)
    assert publish(store, PredictionStore(path), ctx.version).new == n_new
    PredictionStore(path).replace(info, rows)  # a re-run: a new run of the same version
    assert publish(store, PredictionStore(path), ctx.version).new == n_new  # replaces, not duplicates
    count = store.read(
        lambda tx: tx.run(f"MATCH ()-[r:{PREDICTED_ASSOCIATION}]->() RETURN count(r) AS n").single()["n"]
    )
    assert count == n_new
    provenance = store.read(
        lambda tx: tx.run(
            f"MATCH ()-[r:{PREDICTED_ASSOCIATION}]->() RETURN DISTINCT r.source AS source, "
            "r.source_version AS version, r.release AS release, r.synthetic AS synthetic"
        ).data()
    )
    assert provenance == [{"source": "kg-model", "version": ctx.version, "release": "r1", "synthetic": False}]
    assert not ctx.synthetic and not any(r.synthetic for r in rows)  # the planted graph is real data

    ranked = ctx.rank_phenotypes(["HP:0001021", "HP:0001022", "HP:0001023"], top=6)  # module 2 terms
    assert sum(gene_module(r["gene_id"]) == 2 for r in ranked) >= 4
    # the patient path (a phenotype set scored against the graph) equals the same terms appended to the
    # graph as a disease and scored as one of its rows, by the one scorer
    terms = sorted(ctx.lookup("Phenotype", p) for p in ("HP:0001021", "HP:0001022", "HP:0001023"))
    nodes = {**ctx.num_nodes, "Disease": ctx.num_nodes["Disease"] + 1}
    transient = nodes["Disease"] - 1
    edges = dict(ctx.edges)
    edges[HAS_PHENOTYPE] = torch.cat([edges[HAS_PHENOTYPE], torch.tensor([[transient] * 3, terms])], dim=1)
    edges[reverse(HAS_PHENOTYPE)] = edges[HAS_PHENOTYPE].flip(0)
    # with the model's learned term weights and the graph's annotation frequencies (the transient's count in full)
    prior = prior_for(ctx.model, nodes, edges, ic_rows=transient, facts=ctx.graph.disease_facts)
    assert prior is not None and ctx.evidence is not None and ctx.scorer is not None
    appended = EvidenceScorer.of_export(ctx.evidence, prior, ctx.graph, edges)
    full = appended.score_all(torch.tensor([transient]))[0]
    for r in ranked:
        assert r["logit"] == pytest.approx(float(full[ctx.lookup("Gene", r["gene_id"])]), abs=1e-4)
    with pytest.raises(UnknownId, match=r"unknown phenotype 'HP:0001099'.*close matches: HP:00010"):
        ctx.rank_phenotypes(["HP:0001099"])

    explainer = Explainer(ctx)
    g = ctx.lookup("Gene", new[0].gene_id)
    explanation = explainer.explain(g, d0)
    assert explanation.paths and all(1 <= p.hops <= 3 for p in explanation.paths)
    assert explanation.paths == sorted(explanation.paths, key=lambda p: -p.weight)
    assert all(p.nodes[0].id == new[0].gene_id and p.nodes[-1].id == "OMIM:100000" for p in explanation.paths)
    # one score: the explanation's is the one the ranking uses, and its parts add up to it
    assert explanation.logit == pytest.approx(float(ctx.logits(torch.tensor([d0]))[0, g]), abs=1e-5)
    evidence = explanation.evidence
    assert evidence is not None
    assert sum(r.contribution for r in evidence.parts) == pytest.approx(evidence.score, rel=1e-5)
    assert evidence.network and explanation.served_score == evidence.score
    for path in explanation.paths:
        if path.kind == "similar disease":
            assert path.nodes[1].id != "OMIM:100000" and path.value is not None and 0 < path.value <= 1
    # the one typed object survives its JSON form (a worker's reply, GraphQL's answer)
    assert Explanation.from_dict(json.loads(json.dumps(explanation.as_dict()))).as_dict() == explanation.as_dict()
    fid = fidelity(explainer, [(g, d0)], k=1)
    # deleting the paths with the largest shares lowers the served score more than deleting random ones
    assert fid["pairs"] == 1.0 and fid["drop_top_k"] > 0.0 and fid["drop_top_k"] >= fid["drop_random_k"], fid
    assert 0 < fid["sufficiency"] <= 1 + 1e-6


def test_store_replace_is_atomic(tmp_path: Path) -> None:
    from kg.predictions import Prediction

    store = PredictionStore(tmp_path / "p.sqlite")
    rows = [Prediction("OMIM:1", f"NCBIGene:{i}", f"G{i}", 0.1, float(-i), i, False) for i in range(1, 4)]
    store.replace({"model_version": "v1", "graph_release": "g", "release": "r"}, rows)
    with pytest.raises(sqlite3.IntegrityError):  # duplicate primary key mid-way: rolled back
        store.replace({"model_version": "v1", "graph_release": "g", "release": "r"}, [rows[0], rows[0]])
    assert [p.gene_id for p in store.for_disease("OMIM:1")[0]] == ["NCBIGene:1", "NCBIGene:2", "NCBIGene:3"]
    assert store.current_model()["model_version"] == "v1"  # type: ignore[index]
    flagged = [Prediction("OMIM:2", "NCBIGene:9", "G9", 0.1, 0.0, 1, False, True)]
    store.replace({"model_version": "v2", "graph_release": "g", "release": "r", "synthetic": True}, flagged)
    assert store.for_disease("OMIM:2")[0][0].synthetic and store.current_model()["synthetic"] is True  # type: ignore[index]


def test_store_written_before_the_synthetic_flag_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the schema of the first release
        db.executescript(
            "CREATE TABLE models (model_version TEXT PRIMARY KEY, graph_release TEXT NOT NULL, release TEXT NOT NULL, "
            "trained_at TEXT, metrics TEXT NOT NULL, written_at TEXT NOT NULL, current INTEGER NOT NULL DEFAULT 0);"
            "CREATE TABLE predictions (model_version TEXT NOT NULL, disease_id TEXT NOT NULL, gene_id TEXT NOT NULL, "
            "symbol TEXT, score REAL NOT NULL, logit REAL NOT NULL, rank INTEGER NOT NULL, known INTEGER NOT NULL, "
            "PRIMARY KEY (model_version, disease_id, gene_id));"
            "INSERT INTO models VALUES ('v0', 'g', 'r', NULL, '{}', 'now', 1);"
            "INSERT INTO predictions VALUES ('v0', 'OMIM:1', 'NCBIGene:1', 'G1', 0.5, 1.0, 1, 0);"
        )
    store = PredictionStore(path)
    assert store.current_model()["synthetic"] is False  # type: ignore[index]
    assert store.for_disease("OMIM:1")[0][0].synthetic is False


def test_model_from_another_graph_is_refused(trained: tuple[Neo4jStore, ModelContext, Path]) -> None:
    store, ctx, tmp = trained
    store.merge_edges(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:1", "OMIM:100001")])
    store.mark_source("hpo", "loaded", {"fingerprint": "changed", "release": "r2", "version": "v"})
    graph, _ = export_graph(store, ExportSpec(), tmp / "exports")
    with pytest.raises(ArtefactError, match="trained on graph release"):
        ModelContext(graph, ctx.folder)


def test_model_from_another_export_spec_is_refused(trained: tuple[Neo4jStore, ModelContext, Path]) -> None:
    store, ctx, tmp = trained
    other, _ = export_graph(store, ExportSpec(include_synthetic=True), tmp / "exports")
    assert other.graph_release == ctx.graph.graph_release  # same graph, different export
    with pytest.raises(ArtefactError, match="another export of the graph"):
        ModelContext(other, ctx.folder)


def test_encoding_cache_gives_the_same_answers(trained: tuple[Neo4jStore, ModelContext, Path]) -> None:
    from gnn.explain import Explainer

    _, ctx, tmp = trained
    cache = tmp / "context-cache"
    first = ModelContext(ctx.graph, ctx.folder, cache_dir=cache)
    h1, att1 = first.encoded()
    files = list(cache.glob("*.safetensors"))
    assert len(files) == 1 and ctx.version[:12] in files[0].name[:16]
    second = ModelContext(ctx.graph, ctx.folder, cache_dir=cache)
    h2, att2 = second.encoded()  # read back, not recomputed
    assert all(torch.equal(h1[t], h2[t]) for t in h1) and att1.keys() == att2.keys()
    assert all(torch.equal(att1[k][0], att2[k][0]) and torch.equal(att1[k][1], att2[k][1]) for k in att1)
    d0 = ctx.lookup("Disease", "OMIM:100000")
    g = ctx.lookup("Gene", "NCBIGene:1")
    assert Explainer(first).explain(g, d0, 3).as_dict() == Explainer(second).explain(g, d0, 3).as_dict()


def test_a_model_without_attention_is_refused_by_the_explainer(store: Neo4jStore, tmp_path: Path) -> None:
    from gnn.explain import NoAttention

    load_planted(store)
    graph, _ = export_graph(store, ExportSpec(), tmp_path / "exports")
    run = tmp_path / "sage"
    config = ModelConfig(hidden=8, layers=1, heads=1, sketch_dim=8, conv="sage")
    train_on_export(graph, run, config, TrainConfig(epochs=1, pretrain_steps=0), "disease")
    ctx = ModelContext(graph, run)
    assert ctx.predict(top=2)  # it still predicts…
    with pytest.raises(NoAttention, match="sage model has no attention"):
        Explainer(ctx)  # …but has nothing to explain with


def test_the_evidence_ranker_orders_predictions_and_explains_its_score(store: Neo4jStore, tmp_path: Path) -> None:
    from gnn.pair_features import FEATURES
    from gnn.ranker import Ranker

    load_planted(store)
    graph, _ = export_graph(store, ExportSpec(), tmp_path / "exports")
    run = tmp_path / "ranked"
    # weights that put the best-matching known disease first and penalise the gene's disease count
    weight = [0.0] * len(FEATURES)
    weight[FEATURES.index("best disease")], weight[FEATURES.index("gene diseases")] = 2.0, -0.5
    ranker = Ranker(FEATURES, [0.0] * len(FEATURES), [1.0] * len(FEATURES), weight, {"test": True})
    config = ModelConfig(hidden=16, layers=2, heads=2, dropout=0.0, sketch_dim=16)
    train_on_export(graph, run, config, TrainConfig(epochs=5, lr=0.01), "disease", ranker=ranker, evidence=None)
    ctx = ModelContext(graph, run)
    assert ctx.ranker == ranker
    assert 'the evidence ranker in `ranker.json` (fitted on {"test": true}' in (run / "MODEL_CARD.md").read_text()
    d0 = ctx.lookup("Disease", "OMIM:100000")
    x = ctx.pair_features(torch.tensor([d0]))[0]
    expected = 2.0 * x[:, FEATURES.index("best disease")] - 0.5 * x[:, FEATURES.index("gene diseases")]
    known = set(ctx.known_genes(d0).tolist())
    order = [g for g in torch.argsort(expected, descending=True, stable=True).tolist() if g not in known][:5]
    new = [r for r in ctx.predict(top=5, diseases=[d0]) if not r.known]
    assert [ctx.lookup("Gene", r.gene_id) for r in new] == order  # predictions follow the ranker, not the logit
    assert new[0].logit == pytest.approx(float(expected[order[0]]), abs=1e-5)
    evidence = Explainer(ctx).explain(order[0], d0, 3).evidence
    assert evidence is not None and evidence.score == pytest.approx(new[0].logit, abs=1e-5)
    assert sum(p.contribution for p in evidence.parts) == pytest.approx(evidence.score, abs=1e-4)
    assert evidence.parts[0].feature in ("best disease", "gene diseases") and not evidence.network
    ranked = ctx.rank_phenotypes(["HP:0001001", "HP:0001002", "HP:0001003"], top=5)
    assert sum(gene_module(r["gene_id"]) == 0 for r in ranked) >= 4  # module 0's terms find module 0's genes
    (run / "ranker.json").write_text((run / "ranker.json").read_text().replace("2.0", "3.0"))
    with pytest.raises(ArtefactError, match="ranker.json: checksum"):
        ModelContext(graph, run)
