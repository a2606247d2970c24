import torch

from gnn.graph import MessageGraph, replaced, reverse, with_reverses
from gnn.ontology import HAS_PHENOTYPE

LINKS = ("Gene", "ASSOCIATED_WITH", "Disease")


def graph() -> MessageGraph:
    stored = {
        LINKS: torch.tensor([[0, 1], [0, 1]]),
        HAS_PHENOTYPE: torch.tensor([[0, 1, 1], [0, 0, 1]]),
    }
    return MessageGraph.of({"Gene": 2, "Disease": 2, "Phenotype": 2}, stored)


def test_reverse_round_trips() -> None:
    assert reverse(LINKS) == ("Disease", "rev_ASSOCIATED_WITH", "Gene")
    assert reverse(reverse(LINKS)) == LINKS


def test_every_stored_type_gets_its_reverse_and_exclusions_are_left_out() -> None:
    g = graph()
    assert set(g.edges) == {LINKS, reverse(LINKS), HAS_PHENOTYPE, reverse(HAS_PHENOTYPE)}
    assert torch.equal(g.edges[reverse(LINKS)], g.edges[LINKS].flip(0))
    assert set(g.stored()) == {LINKS, HAS_PHENOTYPE}
    assert set(with_reverses(g.stored(), exclude={LINKS})) == {HAS_PHENOTYPE, reverse(HAS_PHENOTYPE)}


def test_swapping_links_keeps_the_original_and_updates_the_reverse() -> None:
    g = graph()
    hidden = g.with_edges(LINKS, torch.tensor([[1], [1]]))
    assert hidden.edges[reverse(LINKS)].tolist() == [[1], [1]]
    assert g.edges[LINKS].shape[1] == 2  # unchanged
    assert replaced(g.edges, LINKS, torch.empty(2, 0, dtype=torch.long))[reverse(LINKS)].shape == (2, 0)


def test_query_diseases_are_appended_after_the_graph_diseases() -> None:
    g = graph()
    q = g.with_query_diseases(torch.tensor([[0, 1, 1], [1, 0, 1]]), 2)
    assert q.num_nodes["Disease"] == 4 and g.num_nodes["Disease"] == 2
    added = q.edges[HAS_PHENOTYPE][:, 3:]
    assert added.tolist() == [[2, 3, 3], [1, 0, 1]]
    assert torch.equal(q.edges[reverse(HAS_PHENOTYPE)], q.edges[HAS_PHENOTYPE].flip(0))
    assert torch.equal(q.edges[LINKS], g.edges[LINKS])  # queries have no gene links
