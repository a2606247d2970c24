"""Bitwise-reproducible CPU runs: the same graph, seed and thread count give the same model.

PyTorch's CPU kernels that sum values by index (the scatter and index-add family that message
passing and its gradients are built on) may add in an order that depends on thread timing.
On a small graph the result happens to be exact; on the prospective benchmark's graph (20k genes,
1.3M edges, two threads) two trainings from the same seed ended with different weights after one
epoch (different validation MRR in the fourth decimal), and the benchmark's Hits@10 moved by a
link from run to run. With PyTorch's deterministic algorithms on, the same two runs give
identical weights (3.6 min each for pre-training and one epoch). Every encoding of a graph runs
inside :func:`deterministic`; training does with ``TrainConfig.deterministic`` (``kg train
--deterministic``, always in ``kg benchmark``), since it costs a full training on the default
graph 317 s against 270 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


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
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=warn_only)
