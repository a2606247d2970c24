"""GraphQL result types built from the typed explanation: every field of a score part is a GraphQL field."""

from __future__ import annotations

import pytest
import torch

from api.results import evidence_score
from gnn.evidence_paths import GO_TERM, PARTNER, gene_evidence, network_parts
from gnn.explanation import NodeRef
from tests.gnn.test_evidence import QUERY, _graph, _perturbed


def _ref(node: tuple[str, int]) -> NodeRef:
    return NodeRef(node[0], f"{node[0]}:{node[1]}", f"{node[0].lower()} {node[1]}")


def test_the_score_of_every_path_kind_becomes_a_graphql_evidence_score() -> None:
    _, graph = _graph()
    net = _perturbed()
    query = graph.for_rows(QUERY)
    with torch.no_grad():
        out = net(graph, query)
    explained = gene_evidence(net, graph, query, out, 5)  # a gene reached by partners and GO terms only
    assert {p.kind for p in explained.paths} == {PARTNER, GO_TERM}
    parts = network_parts(explained, _ref)
    score = evidence_score(parts)
    assert score is not None and score.score == explained.score
    vias = {p.via for p in score.parts if p.kind in (PARTNER, GO_TERM)}
    assert vias and all(v is not None and ":" in v for v in vias)  # the node before the hop, by id
    assert sum(p.contribution for p in score.parts) == pytest.approx(explained.score, rel=1e-5)
