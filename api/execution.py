"""A graphql-core executor that completes plain scalar fields without the per-field machinery.

A ``candidateGenes(first: 20)`` answer with evidence has about 200 fields, and almost all of them
are scalars read straight off an attribute (``rank``, ``score``, ``symbol``…). graphql-core
builds a ``GraphQLResolveInfo``, a path, an argument dict and an awaitable check for each one;
that bookkeeping, not the data, was most of the GraphQL answer's cost against a plain JSON
endpoint.

:class:`LeafFastExecutor` resolves a field itself when strawberry marked its resolver as the
default attribute read (``_is_default``), its type is a scalar or enum (optionally non-null) and
the field takes no arguments. It reads the attribute and coerces it with the type's own
``coerce_output_value``. Anything unusual (a ``None`` for a non-null type, a value the scalar
refuses, an exception) goes back to graphql-core's own ``execute_field``, which reads the same
attribute again and produces the located error it always did, so answers and errors do not change
(``tests/api/test_execution.py`` compares both executors on every field of the schema).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import GraphQLField, GraphQLLeafType, GraphQLNonNull, GraphQLObjectType, is_leaf_type
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.nodes import SelectedField, Selection

# (read the attribute, coerce it, may it be null) per field; None: not a plain scalar field
Plan = tuple[Callable[[Any, None], Any], Callable[[Any], Any], bool]
# by id(field); the field is kept with its plan so that an id is never reused for another field
_PLANS: dict[int, tuple[GraphQLField, Plan | None]] = {}


def plan_for(field: GraphQLField) -> Plan | None:
    """How to complete ``field`` without graphql-core's per-field steps, or None when it cannot be."""
    known = _PLANS.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    plan: Plan | None = None
    resolve = field.resolve
    kind = field.type
    nullable = not isinstance(kind, GraphQLNonNull)
    if not nullable:
        kind = kind.of_type  # type: ignore[union-attr]
    if resolve is not None and getattr(resolve, "_is_default", False) and not field.args and is_leaf_type(kind):
        leaf: GraphQLLeafType = kind  # type: ignore[assignment]
        plan = (resolve, leaf.coerce_output_value, nullable)
    _PLANS[id(field)] = (field, plan)
    return plan


class LeafFastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the fast path for plain scalar fields (see the module docstring)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """Complete a plain scalar field directly; every other field as graphql-core does."""
        node = field_details_list[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        middleware = self.middleware_manager  # strawberry passes an empty manager when no extension resolves
        if field is not None and not node.arguments and (middleware is None or not middleware.middlewares):
            plan = plan_for(field)
            if plan is not None:
                read, coerce, nullable = plan
                try:
                    value = read(source, None)
                    if value is None:
                        if nullable:
                            return None
                    elif not isinstance(value, Exception):
                        coerced = coerce(value)
                        if coerced is not Undefined and coerced is not None:
                            return coerced
                except Exception:  # noqa: BLE001 - graphql-core's own path below reports it, located
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def selects(selections: Iterable[Selection], name: str) -> bool:
    """Whether a field called ``name`` is selected anywhere below (through fragments too)."""
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if selects(selection.selections, name):
            return True
    return False
