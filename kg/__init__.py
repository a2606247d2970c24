"""kg: a gene–disease knowledge graph in Neo4j.

The ``kg`` package is two things. Its **kernel** (every module but the shell) holds the graph
schema, typed identifiers, settings, the Neo4j store, predictions, downloads and the local Neo4j
runner, and never imports ``etl``, ``gnn`` or ``api``. Its **shell** (:data:`SHELL`: the command
line :mod:`kg.cli` and the notebook API :mod:`kg.notebook`, ``kg.connect()``) composes the layers
for users. ``tests/test_layers.py`` holds both to that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.notebook import Graph

__version__ = "0.1.0"
#: The shell: the modules of ``kg`` that compose ``etl``, ``gnn`` and ``api`` for users.
SHELL = ("kg.cli", "kg.notebook")
SCHEMA_VERSION = "1"


def connect(*args: Any, **kwargs: Any) -> Graph:
    """Connect to the graph from a notebook: see :func:`kg.notebook.connect`."""
    from kg.notebook import connect as _connect

    return _connect(*args, **kwargs)
