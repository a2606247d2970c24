"""Graph neural network over exports of the graph (issue 3): export is in place, the model follows."""

import warnings

# PyG 2.8 still calls torch.jit.script at import time, which torch 2.15 flags as deprecated.
warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)
