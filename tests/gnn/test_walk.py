"""The random walk with restart over interactions and shared GO terms, by hand on four genes."""

from __future__ import annotations

import pytest
import torch

from gnn.walk import GeneWalk

# genes 0–1 interact; genes 0 and 2 share GO term 0; gene 3 has neither
INTERACTIONS = torch.tensor([[0], [1]])
ANNOTATIONS = torch.tensor([[0, 2], [0, 0]])


def test_one_step_by_hand() -> None:
    walk = GeneWalk(INTERACTIONS, ANNOTATIONS, num_genes=4, num_terms=1, restart=0.5, steps=1)
    r = walk(torch.tensor([[1.0, 0, 0, 0]]))[0]
    # gene 1: half the walk, along its only interaction → 0.5 · 0.5 · 1
    # gene 2: half the walk, through term 0, which has two genes → 0.5 · 0.5 · 0.5
    # gene 0: the restart plus its own share of term 0; gene 3 is unreachable
    assert r.tolist() == pytest.approx([0.625, 0.25, 0.125, 0.0])


def test_seeds_are_scaled_per_row_and_rows_are_independent() -> None:
    walk = GeneWalk(INTERACTIONS, ANNOTATIONS, num_genes=4, num_terms=1)
    one = walk(torch.tensor([[0.0, 3.0, 0, 0]]))
    both = walk(torch.tensor([[0.0, 1.0, 0, 0], [0.0, 0, 0, 5.0]]))
    assert torch.allclose(both[0], one[0])
    # a seed on an isolated gene stays there (its walk half goes nowhere); nothing else is reached
    assert both[1, :3].tolist() == [0, 0, 0] and float(both[1, 3]) == pytest.approx(0.5)
    # the walk goes two hops: from gene 1 through gene 0 to gene 2 (no direct edge)
    assert float(one[0, 2]) > 0


def test_empty_seeds_give_zeros() -> None:
    walk = GeneWalk(torch.empty(2, 0, dtype=torch.long), torch.empty(2, 0, dtype=torch.long), 3, 0)
    assert walk(torch.zeros(2, 3)).abs().sum() == 0
