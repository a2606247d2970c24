"""Shared type aliases, spoken alike by the schema, the store and PyG exports."""

from __future__ import annotations

from typing import Any

NodeType = str
RelationType = str
EdgeType = tuple[NodeType, RelationType, NodeType]
Properties = dict[str, Any]
