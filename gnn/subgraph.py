"""An explanation as a graph: ``networkx.DiGraph`` for notebooks, GraphML/GEXF for Gephi, CYJS for Cytoscape.

Renders the one explanation object (:class:`gnn.explanation.Explanation`, or its JSON form:
``kg explain --format json``, a GraphQL answer) and imports neither torch nor the model. Nodes
carry ``name``, ``type`` and ``role`` (``gene``, ``disease`` or ``context``); edges carry
``relation``, ``weight`` (attention weight, path weight, or a matched phenotype's weight) and ``kind``:

* ``path``: a step of an attention path between the gene and the disease (``weight``: the
  largest weight of a path through it);
* ``neighbour``: a most-attended neighbour of the gene or the disease (``weight``: attention, ``layer``);
* ``similar_disease``: a known disease of the gene behind the phenotype prior (``weight``: cosine);
* ``matched_phenotype``: a phenotype shared by the query disease and that disease (``weight``: the
  term's weight, IC × learned factor).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import networkx as nx

from gnn.explanation import Explanation, NodeRef

GRAPH_FORMATS = ("graphml", "gexf", "cyjs")


def explanation_graph(explanation: Explanation | Mapping[str, Any]) -> nx.DiGraph:
    """The explanation (or its JSON form) as a directed graph."""
    e = explanation if isinstance(explanation, Explanation) else Explanation.from_dict(explanation)
    graph = nx.DiGraph(gene=e.gene.id, disease=e.disease.id, logit=float(e.logit), synthetic=bool(e.synthetic))

    def node(ref: NodeRef, role: str = "context") -> str:
        if ref.id not in graph:
            graph.add_node(ref.id, name=ref.name or ref.id, type=ref.type, role=role)
        return ref.id

    def edge(a: str, b: str, relation: str, weight: float, kind: str, **extra: Any) -> None:
        old = graph.get_edge_data(a, b)
        if old is None or old["weight"] < weight:
            graph.add_edge(a, b, relation=relation, weight=float(weight), kind=kind, **extra)

    gene, disease = node(e.gene, "gene"), node(e.disease, "disease")
    for path in e.paths:
        ids = [node(n) for n in path.nodes]
        for a, b, rel in zip(ids, ids[1:], path.relations, strict=False):
            edge(a, b, rel, path.weight, "path")
    for n in e.neighbours:
        target = gene if n.side == "gene" else disease
        edge(node(n.node), target, n.relation, n.weight, "neighbour", layer=n.layer)
    for similar in e.prior.similar_diseases if e.prior is not None else ():
        d = node(similar.node)
        edge(gene, d, "ASSOCIATED_WITH", similar.cosine, "similar_disease")
        for term in similar.shared_phenotypes:
            t = node(term.node)
            edge(disease, t, "HAS_PHENOTYPE", term.weight, "matched_phenotype")
            edge(d, t, "HAS_PHENOTYPE", term.weight, "matched_phenotype")
    return graph


def write_graph(graph: nx.DiGraph, fmt: str) -> str:
    """``graph`` as GraphML, GEXF or Cytoscape.js JSON text."""
    if fmt == "cyjs":
        return json.dumps(nx.cytoscape_data(graph), indent=1)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    elif fmt == "gexf":
        nx.write_gexf(graph, buffer)
    else:
        raise ValueError(f"unknown graph format {fmt!r}; one of {', '.join(GRAPH_FORMATS)}")
    return buffer.getvalue().decode()
