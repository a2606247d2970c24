"""Graph neural network over exports of the graph (see issue 3)."""
