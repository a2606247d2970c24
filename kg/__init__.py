"""kg: a gene–disease knowledge graph in Neo4j.

The ``kg`` package holds the graph schema, typed identifiers, settings, the Neo4j
store and the local Neo4j runner. It never imports ``etl``, ``gnn`` or ``api``;
only the edges wire the layers together: the command line (:mod:`kg.cli`) and the
notebook API (:mod:`kg.notebook`, ``kg.connect()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.notebook import Graph

__version__ = "0.1.0"
SCHEMA_VERSION = "1"


def connect(*args: Any, **kwargs: Any) -> Graph:
    """Connect to the graph from a notebook: see :func:`kg.notebook.connect`."""
    from kg.notebook import connect as _connect

    return _connect(*args, **kwargs)
