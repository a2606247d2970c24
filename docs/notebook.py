"""kg from a notebook or a script: pandas DataFrames and networkx graphs.

Run it as is on the default graph after `kg train` and `kg predict` (python docs/notebook.py),
or paste the cells into Jupyter. The tests run it on a small graph (EXAMPLE_* variables).
"""

import os
import tempfile
from pathlib import Path

import networkx as nx

import kg

DISEASE = os.environ.get("EXAMPLE_DISEASE", "OMIM:154700")  # Marfan syndrome
GENE = os.environ.get("EXAMPLE_GENE", "FBN1")
TERMS = os.environ.get("EXAMPLE_TERMS", "HP:0001166,HP:0001083").split(",")  # arachnodactyly, ectopia lentis

with kg.connect(model=os.environ.get("EXAMPLE_MODEL", "runs/latest")) as graph:
    # %% Cypher → DataFrame (read-only, checked like `kg cypher`)
    known = graph.cypher(
        "MATCH (g:Gene)-[:ASSOCIATED_WITH]->(:Disease {id: $disease}) RETURN g.symbol AS gene ORDER BY gene",
        disease=DISEASE,
    )
    print(f"known genes of {DISEASE}:", ", ".join(known["gene"]))

    # %% the model's new candidates, best first
    candidates = graph.candidates(DISEASE, top=10)
    print(candidates[["rank", "symbol", "score", "percentile"]].to_string(index=False))

    # %% genes for a phenotype set no disease has (a patient)
    print(graph.rank_phenotypes(TERMS, top=5)[["rank", "symbol", "score"]].to_string(index=False))

    # %% why: the explanation as a networkx graph, its strongest edges, and a GraphML file for Gephi/Cytoscape
    why = graph.explain(GENE, DISEASE)
    attended = [e for e in why.edges(data=True) if e[2]["kind"] in ("path", "neighbour")]
    for a, b, data in sorted(attended, key=lambda edge: -edge[2]["weight"])[:5]:
        print(f"{why.nodes[a]['name']} -[{data['relation']}]-> {why.nodes[b]['name']}: attention {data['weight']:.3f}")
    out = Path(tempfile.gettempdir()) / f"explanation-{GENE}.graphml"
    nx.write_graphml(why, out)
    print(f"{why.number_of_nodes()} nodes, {why.number_of_edges()} edges written to {out}")
