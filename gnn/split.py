"""Leakage-free splits of the Gene–Disease target edges.

Two modes:

* ``random``: target edges are split at random into train/val/test.
* ``disease``: whole diseases are held out; *all* their gene links go to val/test while their
  other relations (phenotypes, tissues, TCGA evidence of other types) stay in the graph.

Message passing then uses only the *training* target edges (and their reverse); evaluation
edges and their reverse never reach it. Relation types derived from gene–disease links
(e.g. HPO gene→phenotype annotations) can be excluded from the inputs altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import torch
from torch import Tensor
from torch_geometric.typing import EdgeType

from gnn.graph import replaced, reverse, with_reverses
from kg.errors import KGError

__all__ = ["TARGET", "Split", "SplitError", "SplitMode", "make_split", "reverse"]

TARGET: EdgeType = ("Gene", "ASSOCIATED_WITH", "Disease")


class SplitError(KGError, ValueError):
    """The export cannot be split (no target links, too few diseases, bad fractions)."""


class SplitMode(StrEnum):
    """How evaluation edges are chosen."""

    random = "random"
    disease = "disease"


@dataclass
class Split:
    """Message-passing edges plus the supervision pairs of each part.

    Shapes:
        ``message_edges[et]``: ``[2, E_et]``; ``train``, ``val``, ``test``: ``[2, N]`` (gene, disease).
    """

    message_edges: dict[EdgeType, Tensor]
    train: Tensor
    val: Tensor
    test: Tensor
    mode: SplitMode
    held_out_diseases: Tensor

    def manifest(self) -> dict[str, object]:
        """Sizes and held-out diseases, for the model card."""
        return {
            "mode": self.mode.value,
            "train": int(self.train.shape[1]),
            "val": int(self.val.shape[1]),
            "test": int(self.test.shape[1]),
            "held_out_diseases": self.held_out_diseases.tolist(),
        }


def make_split(
    edges: dict[EdgeType, Tensor],
    mode: SplitMode | str = SplitMode.random,
    val: float = 0.1,
    test: float = 0.1,
    seed: int = 0,
    target: EdgeType = TARGET,
    exclude: tuple[EdgeType, ...] = (),
) -> Split:
    """Split the ``target`` edges and build leakage-free message-passing edges.

    Args:
        edges: All edges of the export (forward types only; reverses are added here).
        mode: ``random`` or ``disease``.
        val: Fraction of target edges (random) or of diseases with links (disease) for validation.
        test: Same, for test.
        seed: Seed of the permutation.
        target: The edge type to predict.
        exclude: Edge types derived from the target that must not be inputs.
    """
    mode = SplitMode(mode)
    if target not in edges:
        raise SplitError(f"the export has no {target} edges to learn from (is the hpo source loaded?)")
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise SplitError(f"val and test must be in (0, 1) with val + test < 1, got {val}, {test}")
    pos = edges[target]
    gen = torch.Generator().manual_seed(seed)
    if mode is SplitMode.random:
        perm = torch.randperm(pos.shape[1], generator=gen)
        n_val, n_test = int(round(val * pos.shape[1])), int(round(test * pos.shape[1]))
        val_idx, test_idx, train_idx = perm[:n_val], perm[n_val : n_val + n_test], perm[n_val + n_test :]
        held = torch.empty(0, dtype=torch.long)
    else:
        diseases = torch.unique(pos[1])
        perm = diseases[torch.randperm(diseases.numel(), generator=gen)]
        n_val, n_test = int(round(val * perm.numel())), int(round(test * perm.numel()))
        val_d, test_d = perm[:n_val], perm[n_val : n_val + n_test]
        in_val, in_test = torch.isin(pos[1], val_d), torch.isin(pos[1], test_d)
        val_idx, test_idx = in_val.nonzero().flatten(), in_test.nonzero().flatten()
        train_idx = (~(in_val | in_test)).nonzero().flatten()
        held = torch.cat([val_d, test_d])
        if val_d.numel() == 0 or test_d.numel() == 0 or val_d.numel() + test_d.numel() >= perm.numel():
            raise SplitError(f"{perm.numel()} diseases with gene links are too few for a disease-held-out split")
    train = pos[:, train_idx]
    message = replaced(with_reverses(edges, {*exclude, target}), target, train)
    return Split(message, train, pos[:, val_idx], pos[:, test_idx], mode, held)
