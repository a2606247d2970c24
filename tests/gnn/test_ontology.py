"""HPO arithmetic: ancestor closure, information content, the sketch's geometry."""

from __future__ import annotations

import math

import pytest
import torch

from gnn.ontology import ancestor_closure, information_content, phenotype_sketch, propagate, propagate_max

# 0 root; 1, 2 children of 0; 3, 4 children of 1; 5 child of 2; 6 child of 3 and 5 (two parents)
IS_A = torch.tensor([[1, 2, 3, 4, 5, 6, 6], [0, 0, 1, 1, 2, 3, 5]])


def test_closure_contains_every_ancestor_and_self() -> None:
    closure = ancestor_closure(IS_A, 7).to_dense()
    assert closure[6].nonzero().flatten().tolist() == [0, 1, 2, 3, 5, 6]
    assert closure[4].nonzero().flatten().tolist() == [0, 1, 4]
    assert closure[0].nonzero().flatten().tolist() == [0]


def test_cycles_are_refused() -> None:
    with pytest.raises(ValueError, match="cyclic"):
        ancestor_closure(torch.tensor([[0, 1], [1, 0]]), 2, max_depth=5)


def test_information_content_of_propagated_annotations() -> None:
    closure = ancestor_closure(IS_A, 7)
    diseases = propagate(torch.tensor([[0, 1, 1], [4, 6, 3]]), 2, closure)  # d0: {4}, d1: {6, 3}
    ic = information_content(diseases)
    assert ic[0] == pytest.approx(0.0)  # the root annotates everything
    assert ic[1] == pytest.approx(0.0)  # both diseases are under 1
    assert ic[6] == pytest.approx(math.log(2))  # one of two
    assert ic[4] == pytest.approx(math.log(2))
    assert ic[2] == pytest.approx(math.log(2))  # via 6's second parent


def test_weighted_propagation_keeps_the_largest_weight_below_each_term() -> None:
    closure = ancestor_closure(IS_A, 7)
    annotations = torch.tensor([[0, 0, 1], [6, 4, 6]])  # d0: 6 (0.2), 4 (0.9); d1: 6 (0.5)
    weighted = propagate_max(annotations, torch.tensor([0.2, 0.9, 0.5]), 2, closure)
    dense = weighted.to_dense()
    assert dense[0, 6] == pytest.approx(0.2) and dense[0, 4] == pytest.approx(0.9)
    assert dense[0, 1] == pytest.approx(0.9)  # 1 is above both 6 (via 3) and 4: the larger weight
    assert dense[0, 5] == pytest.approx(0.2) and dense[0, 2] == pytest.approx(0.2)  # only via 6
    assert dense[1].nonzero().flatten().tolist() == [0, 1, 2, 3, 5, 6]
    assert (dense[1][dense[1] > 0] == 0.5).all()
    # the same sparsity as the 0/1 propagation
    assert torch.equal(weighted.indices(), propagate(annotations, 2, closure).indices())


def test_sketch_puts_related_terms_closer() -> None:
    annotations = torch.tensor([[0, 1, 2, 3], [3, 4, 5, 6]])
    sketch = phenotype_sketch(7, IS_A, annotations, 4, dim=256, seed=0)
    norms = sketch.norm(dim=1)
    assert norms[0] == 0  # the root has no information content: nothing to say
    assert torch.allclose(norms[1:], torch.ones(6), atol=1e-5)
    cos = sketch @ sketch.t()
    assert cos[3, 6] > cos[3, 4] > cos[4, 5]  # 6 is under 3; 3 and 4 are siblings; 4 and 5 share only the root
    again = phenotype_sketch(7, IS_A, annotations, 4, dim=256, seed=0)
    assert torch.equal(sketch, again)
