"""``kg.connect()`` for notebooks, the docs example that uses it, and the graph/Parquet outputs of the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import kg
from kg.errors import QueryRefused
from kg.settings import Settings
from tests.api.conftest import served  # noqa: F401 - the fixture: planted graph, trained model, predictions
from tests.gnn.test_end_to_end import GENES
from tests.test_cli import kg as kg_cli

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]


def test_dataframes_and_graphs_from_a_notebook(served: Settings) -> None:  # noqa: F811
    model = served.api.model_dir
    with kg.connect(neo4j_uri=served.neo4j_uri, home=served.home, model=model) as graph:
        frame = graph.cypher(
            "MATCH (g:Gene) WHERE g.id IN $ids RETURN g.id AS id, g.symbol AS symbol", ids=["NCBIGene:1"]
        )
        assert isinstance(frame, pd.DataFrame) and frame.to_dict("records") == [{"id": "NCBIGene:1", "symbol": "GENE1"}]
        with pytest.raises(QueryRefused):
            graph.cypher("CREATE (n:Gene {id: 'x'}) RETURN n")  # read-only, like `kg cypher`
        top = graph.candidates("omim:100000", top=5)
        assert list(top["rank"]) == [1, 2, 3, 4, 5] and not top["known"].any()
        assert top["score"].is_monotonic_decreasing and set(top["disease_id"]) == {"OMIM:100000"}
        mixed = graph.candidates("OMIM:100000", top=50, include_known=True)
        assert mixed["known"].any() and list(mixed["rank"]) == list(range(1, len(mixed) + 1))
        ranked = graph.rank_phenotypes(["HP:0001011", "HP:0001012"], top=3)
        assert list(ranked.columns) == ["rank", "gene_id", "symbol", "score", "logit"] and len(ranked) == 3
        why = graph.explain("GENE1", "OMIM:100000", top=3)
        assert isinstance(why, nx.DiGraph)
        assert why.nodes["NCBIGene:1"]["role"] == "gene" and why.nodes["OMIM:100000"]["role"] == "disease"
        kinds = {data["kind"] for _, _, data in why.edges(data=True)}
        # the evidence network's paths (their weights are shares of the score) from the gene to the disease, and
        # the phenotypes the query shares with the gene's similar diseases; no encoder neighbours any more
        assert (
            "path" in kinds and "neighbour" not in kinds and kinds <= {"path", "similar_disease", "matched_phenotype"}
        )
        assert all(d["weight"] >= 0 for _, _, d in why.edges(data=True))


def test_the_docs_example_runs(served: Settings, tmp_path: Path) -> None:  # noqa: F811
    env = {
        **os.environ,
        "KG_NEO4J_URI": served.neo4j_uri,
        "KG_HOME": str(served.home),
        "EXAMPLE_MODEL": str(served.api.model_dir),
        "EXAMPLE_DISEASE": "OMIM:100000",
        "EXAMPLE_GENE": "GENE1",
        "EXAMPLE_TERMS": "HP:0001011,HP:0001012",
        "TMPDIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "notebook.py")], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "known genes of OMIM:100000" in done.stdout and "attention" in done.stdout
    written = nx.read_graphml(tmp_path / "explanation-GENE1.graphml")
    assert written.number_of_nodes() > 2 and written.nodes["NCBIGene:1"]["role"] == "gene"


def test_explanation_subgraph_and_parquet_from_the_cli(served: Settings, tmp_path: Path) -> None:  # noqa: F811
    args = ("--model", str(served.api.model_dir))
    env = {"uri": served.neo4j_uri, "home": served.home}
    graphml = kg_cli("explain", "GENE1", "OMIM:100000", "--format", "graphml", *args, **env)
    assert graphml.returncode == 0, graphml.stderr
    path = tmp_path / "e.graphml"
    path.write_text(graphml.stdout)
    assert {"NCBIGene:1", "OMIM:100000"} <= set(nx.read_graphml(path).nodes)
    cyjs = json.loads(kg_cli("explain", "GENE1", "OMIM:100000", "--format", "cyjs", *args, **env).stdout)
    assert cyjs["elements"]["nodes"] and cyjs["elements"]["edges"]
    gexf = kg_cli("explain", "GENE1", "OMIM:100000", "--format", "gexf", *args, **env).stdout
    assert "<gexf" in gexf
    out = tmp_path / "genes.parquet"
    query = "MATCH (g:Gene) RETURN g.id AS id, g.aliases AS aliases, {n: 1} AS mixed ORDER BY id"
    done = kg_cli("cypher", query, "--format", "parquet", "--out", str(out), **env)
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(out)
    assert list(table.columns) == ["id", "aliases", "mixed"] and len(table) == GENES
    assert table.loc[table["id"] == "NCBIGene:1", "aliases"].iloc[0].tolist() == ["OLDNAME1"]
    refused = kg_cli("cypher", "RETURN 1", "--format", "parquet", **env)
    assert refused.returncode == 2 and "--out" in refused.stderr
