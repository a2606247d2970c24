"""No evaluation edge, nor its reverse, reaches message passing."""

from __future__ import annotations

import pytest
import torch

from gnn.split import TARGET, SplitMode, make_split, reverse


def graph(seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    genes, diseases, phenos = 300, 60, 40
    pairs = torch.unique(
        torch.stack([torch.randint(genes, (900,), generator=g), torch.randint(diseases, (900,), generator=g)]), dim=1
    )
    has = torch.unique(
        torch.stack([torch.randint(diseases, (400,), generator=g), torch.randint(phenos, (400,), generator=g)]), dim=1
    )
    gene_pheno = torch.stack([pairs[0], torch.randint(phenos, (pairs.shape[1],), generator=g)])
    return {
        TARGET: pairs,
        ("Disease", "HAS_PHENOTYPE", "Phenotype"): has,
        ("Gene", "ANNOTATED_WITH", "Phenotype"): gene_pheno,  # derived from gene–disease links
    }


def as_set(ei: torch.Tensor) -> set[tuple[int, int]]:
    return set(map(tuple, ei.t().tolist()))


@pytest.mark.parametrize("mode", list(SplitMode))
def test_no_evaluation_edge_or_reverse_in_message_passing(mode: SplitMode) -> None:
    edges = graph()
    derived = ("Gene", "ANNOTATED_WITH", "Phenotype")
    split = make_split(edges, mode, 0.1, 0.1, seed=1, exclude=(derived,))
    evaluation = as_set(split.val) | as_set(split.test)
    assert evaluation and not (evaluation & as_set(split.train))
    assert not evaluation & as_set(split.message_edges[TARGET])
    assert not {(d, g) for g, d in evaluation} & as_set(split.message_edges[reverse(TARGET)])
    for et in split.message_edges:  # no other type carries gene–disease pairs
        if et[0] == "Gene" and et[2] == "Disease" or et[0] == "Disease" and et[2] == "Gene":
            assert et in (TARGET, reverse(TARGET))
    assert derived not in split.message_edges and reverse(derived) not in split.message_edges
    total = edges[TARGET].shape[1]
    assert split.train.shape[1] + split.val.shape[1] + split.test.shape[1] == total


def test_disease_holdout_hides_all_links_but_keeps_phenotypes() -> None:
    edges = graph()
    split = make_split(edges, "disease", 0.1, 0.2, seed=2)
    held = set(split.held_out_diseases.tolist())
    n = torch.unique(edges[TARGET][1]).numel()
    assert len(held) == round(0.1 * n) + round(0.2 * n) > 0
    assert not held & set(split.message_edges[TARGET][1].tolist())
    assert set(split.val[1].tolist()) | set(split.test[1].tolist()) == held & set(edges[TARGET][1].tolist())
    has = split.message_edges[("Disease", "HAS_PHENOTYPE", "Phenotype")]
    assert held & set(has[0].tolist())  # their phenotype edges stay as inputs
    assert split.manifest()["mode"] == "disease"


def test_seeded_and_validated() -> None:
    a, b = make_split(graph(), seed=5), make_split(graph(), seed=5)
    assert torch.equal(a.test, b.test)
    with pytest.raises(ValueError, match="val and test"):
        make_split(graph(), val=0.6, test=0.5)
    with pytest.raises(ValueError, match="no \\('Gene', 'ASSOCIATED_WITH', 'Disease'\\) edges"):
        make_split({("Disease", "HAS_PHENOTYPE", "Phenotype"): torch.zeros(2, 1, dtype=torch.long)})
