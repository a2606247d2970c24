"""Bitwise-reproducible CPU runs: the same graph, seed and thread count give the same model.

PyTorch's CPU kernels that sum values by index (the scatter and index-add family that message
passing and its gradients are built on) may add in an order that depends on thread timing.
On a small graph the result happens to be exact; on the prospective benchmark's graph (20k genes,
1.3M edges, two threads) two trainings from the same seed ended with different weights after one
epoch (different validation MRR in the fourth decimal), and the benchmark's Hits@10 moved by a
link from run to run. With PyTorch's deterministic algorithms on, the same two runs give
identical weights. Training runs inside :func:`deterministic` (``TrainConfig.deterministic``, on
by default; ``kg train --no-deterministic`` turns it off). A loaded model turns the mode on for
its whole process once (:func:`deterministic_process`), never per request: a mode flipped and
restored around each request would leave a server's concurrent requests in either state.
PyTorch's deterministic mode also fills every new tensor with NaN, which took a sixth of the
training time (275k fills, 17 s of 102 s in a profile) and is switched off here: pre-training plus
one epoch on the benchmark graph take 197–200 s with deterministic kernels and 201 s without.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


def deterministic_process() -> None:
    """Turn PyTorch's deterministic algorithms on for the whole process (idempotent), without the NaN fill.

    Called once when a model is loaded to answer requests (:class:`gnn.inference.ModelContext`),
    so every request and every thread of a server computes with the same kernels.
    """
    torch.use_deterministic_algorithms(True)
    torch.utils.deterministic.fill_uninitialized_memory = False  # type: ignore[attr-defined]


@contextmanager
def deterministic(enabled: bool = True) -> Iterator[None]:
    """Run the block with PyTorch's deterministic algorithms on; restore the setting after.

    With ``enabled`` false the block runs under whatever the caller set (a notebook that turned
    them on keeps them). Leave it off for CUDA work: several CUDA kernels have no deterministic
    version and would raise.
    """
    if not enabled:
        yield
        return
    before = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    settings = torch.utils.deterministic
    fill = settings.fill_uninitialized_memory  # type: ignore[attr-defined]
    torch.use_deterministic_algorithms(True)
    # Filling every new tensor with NaN guards code that reads memory it never wrote; ours does
    # not (the benchmark graph's weights are the same with and without the fill), and the fill
    # was the mode's whole cost.
    settings.fill_uninitialized_memory = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=warn_only)
        settings.fill_uninitialized_memory = fill  # type: ignore[attr-defined]
