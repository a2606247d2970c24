"""kg: a gene–disease knowledge graph in Neo4j.

The ``kg`` package holds the graph schema, typed identifiers, settings, the Neo4j
store and the local Neo4j runner. It never imports ``etl``, ``gnn`` or ``api``;
only the command-line edge in :mod:`kg.cli` wires the layers together.
"""

__version__ = "0.1.0"
SCHEMA_VERSION = "1"
