"""A graphql-core executor that completes plain fields without the per-field machinery.

A ``candidateGenes(first: 20)`` answer with evidence has about 200 fields and 80 objects, and
almost all of them are read straight off an attribute (``rank``, ``score``, ``gene``,
``datatypes``…). For each one graphql-core builds a ``GraphQLResolveInfo``, a path, an argument
dict, calls the resolver through strawberry's wrapper and walks ``complete_value``'s chain of
type checks; that bookkeeping, not the data, was most of the GraphQL answer's cost against a
plain JSON endpoint.

:class:`FastExecutor` plans each selection once per request (the fields of one object type in
one place of the document) and then, for every object of that selection:

* a **plain scalar field** (strawberry's default attribute read, ``_is_default``; a scalar or enum
  type, optionally non-null; no arguments, no directives) is read and coerced with the type's
  own ``coerce_output_value``;
* a **plain object field** (the same, of an object type without ``is_type_of``, or a list of
  them) is read and its sub-selection executed directly, items of a list one by one;
* every other field (resolvers, arguments, unions, directives) goes through graphql-core's own
  ``execute_field``.

Anything unusual on the fast path (a ``None`` for a non-null type, a value the scalar refuses,
an exception from the read, a ``None`` item, an awaitable) goes back to graphql-core's
``execute_field`` for that field before any of its sub-fields ran, so it reads the same attribute
again and produces the located error it always did; errors raised below a fast object field are
handed to graphql-core's ``handle_field_error`` exactly where ``execute_field`` would. Answers
and errors do not change (``tests/api/test_execution.py`` compares both executors on every field
of the schema and on a schema built to fail in each of these ways).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.nodes import SelectedField, Selection

# (read the attribute, coerce it, may it be null) per scalar field; None: not a plain scalar field
Plan = tuple[Callable[[Any], Any], Callable[[Any], Any], bool]
# (read the value, the field's type, its object types by Python class, the list's item type or None)
ObjectPlan = tuple[Callable[[Any], Any], GraphQLOutputType, dict[type, GraphQLObjectType], GraphQLOutputType | None]
_LEAF, _OBJECT, _OTHER = 0, 1, 2
_MISS = object()  # the fast path declined: graphql-core's own path answers
DECLINE = _MISS  # what an ``answered_without_info`` function returns when the resolver must answer


def _default_read(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The attribute read behind strawberry's default resolver of ``field`` (None: not one)."""
    resolve = field.resolve
    if resolve is None or not getattr(resolve, "_is_default", False) or field.args:
        return None
    definition = field.extensions.get("strawberry-definition")
    if definition is not None and definition.base_resolver is None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)  # what the resolver does, without its two calls
    return lambda source: resolve(source, None)


def plan_for(field: GraphQLField) -> Plan | None:
    """How to complete a plain scalar ``field`` directly, or None when it is not one."""
    read = _default_read(field)
    kind = field.type
    nullable = not isinstance(kind, GraphQLNonNull)
    if not nullable:
        kind = kind.of_type  # type: ignore[union-attr]
    if read is None or not is_leaf_type(kind):
        return None
    leaf: GraphQLLeafType = kind  # type: ignore[assignment]
    return read, leaf.coerce_output_value, nullable


def answered_without_info(fast: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Mark a resolver whose value ``fast(source)`` gives without ``info`` (or ``DECLINE``: resolve it).

    The executor then completes the field like a plain one (its type may be a union of strawberry
    types); whenever ``fast`` declines, the resolver runs as usual.
    """

    def mark(resolver: Any) -> Any:
        resolver.kg_fast = fast
        return resolver

    return mark


def _fast_read(field: GraphQLField) -> Callable[[Any], Any] | None:
    definition = field.extensions.get("strawberry-definition")
    if definition is None or field.args or definition.extensions or definition.base_resolver is None:
        return None
    return getattr(definition.base_resolver.wrapped_func, "kg_fast", None)


def object_plan_for(field: GraphQLField) -> ObjectPlan | None:
    """How to complete a plain object, union or list of them ``field`` directly, or None."""
    read = _default_read(field) or _fast_read(field)
    if read is None:
        return None
    kind: Any = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    item: GraphQLOutputType | None = None
    if isinstance(kind, GraphQLList):
        item = kind.of_type
        kind = item.of_type if isinstance(item, GraphQLNonNull) else item
    members = kind.types if isinstance(kind, GraphQLUnionType) else [kind]
    by_class: dict[type, GraphQLObjectType] = {}
    for member in members:
        definition = member.extensions.get("strawberry-definition") if isinstance(member, GraphQLObjectType) else None
        if definition is None or member.is_type_of is not None or not isinstance(definition.origin, type):
            return None
        by_class[definition.origin] = member
    return read, field.type, by_class, item


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the fast paths for plain fields (see the module docstring)."""

    def _steps(self, parent_type: GraphQLObjectType, grouped: Any) -> list[tuple[str, Any, int, Any]]:
        """The plan of one selection, made once per request (memoised by the selection's identity)."""
        memo: dict[int, tuple[Any, list[tuple[str, Any, int, Any]]]] = self.__dict__.setdefault("_kg_steps", {})
        known = memo.get(id(grouped))
        if known is not None and known[0] is grouped:
            return known[1]
        steps = []
        for name, details in grouped.items():
            node = details[0].node
            field = self.schema.get_field(parent_type, node.name.value)
            step: tuple[str, Any, int, Any] = (name, details, _OTHER, None)
            if field is not None and not node.arguments and not any(d.node.directives for d in details):
                if (leaf := plan_for(field)) is not None:
                    step = (name, details, _LEAF, leaf)
                elif (obj := object_plan_for(field)) is not None:
                    step = (name, details, _OBJECT, obj)
            steps.append(step)
        memo[id(grouped)] = (grouped, steps)
        return steps

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_fields``, with plain fields completed directly."""
        middleware = self.middleware_manager  # strawberry passes an empty manager when no extension resolves
        if middleware is not None and middleware.middlewares:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for name, details, kind, plan in self._steps(parent_type, grouped_field_set):
                if kind == _LEAF:
                    value = _leaf(source_value, plan)
                    if value is not _MISS:
                        results[name] = value
                        continue
                field_path = Path(path, name, parent_type.name)
                if kind == _OBJECT:
                    result = self._object(parent_type, source_value, details, plan, field_path, position_context)
                else:
                    result = self.execute_field(parent_type, source_value, details, field_path, position_context)
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:  # as graphql-core: settle what other fields started, then propagate
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:  # as graphql-core: one awaitable is awaited, not gathered
                results[awaitable_fields[0]] = await results[awaitable_fields[0]]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _object(
        self, parent_type: GraphQLObjectType, source: Any, details: Any, plan: ObjectPlan, path: Path, context: Any
    ) -> Any:
        """A plain object (or list of objects) field: its sub-selection executed on the attribute's value."""
        read, field_type, by_class, item_type = plan
        try:
            value = read(source)
        except Exception:  # noqa: BLE001 - graphql-core's path below reads it again and reports it, located
            value = _MISS
        if value is None or value is _MISS or isinstance(value, Exception) or self.is_awaitable(value):
            return self.execute_field(parent_type, source, details, path, context)
        if item_type is None:
            object_type = by_class.get(type(value))
            if object_type is None:
                return self.execute_field(parent_type, source, details, path, context)
            try:
                completed = self.collect_and_execute_subfields(object_type, details, path, value, context)
            except Exception as raw_error:  # as execute_field: located, null here or propagated if non-null
                self.handle_field_error(raw_error, field_type, details, path)
                return None
            return self._guarded(completed, field_type, details, path) if self.is_awaitable(completed) else completed
        if not isinstance(value, list | tuple):
            return self.execute_field(parent_type, source, details, path, context)
        types = [by_class.get(type(v)) for v in value]
        if None in types:  # a None item, or one of a type this plan does not know
            return self.execute_field(parent_type, source, details, path, context)
        try:
            return self._items(types, item_type, details, path, value, context)  # type: ignore[arg-type]
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, path)
            return None

    def _items(
        self,
        types: list[GraphQLObjectType],
        item_type: GraphQLOutputType,
        details: Any,
        path: Path,
        items: Iterable[Any],
        context: Any,
    ) -> Any:
        """The items of a plain list of objects, as graphql-core's ``complete_list_item_value`` does them."""
        completed: list[Any] = []
        pending: list[int] = []
        for index, (object_type, item) in enumerate(zip(types, items, strict=True)):
            item_path = path.add_key(index, None)
            try:
                done = self.collect_and_execute_subfields(object_type, details, item_path, item, context)
            except Exception as raw_error:
                self.handle_field_error(raw_error, item_type, details, item_path)
                done = None
            if self.is_awaitable(done):
                done = self._guarded(done, item_type, details, item_path)
                pending.append(index)
            completed.append(done)
        if not pending:
            return completed

        async def gather() -> list[Any]:
            if len(pending) == 1:
                completed[pending[0]] = await completed[pending[0]]
            else:
                awaited = await gather_with_cancel(*(completed[i] for i in pending))
                for i, value in zip(pending, awaited, strict=True):
                    completed[i] = value
            return completed

        return gather()

    async def _guarded(self, completed: Any, return_type: GraphQLOutputType, details: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


def _leaf(source: Any, plan: Plan) -> Any:
    """A plain scalar field's value, or ``_MISS`` when graphql-core must answer it."""
    read, coerce, nullable = plan
    try:
        value = read(source)
        if value is None:
            return None if nullable else _MISS
        if isinstance(value, Exception):
            return _MISS
        coerced = coerce(value)
    except Exception:  # noqa: BLE001 - graphql-core's own path reports it, located
        return _MISS
    return _MISS if coerced is Undefined or coerced is None else coerced


def selects(selections: Iterable[Selection], name: str) -> bool:
    """Whether a field called ``name`` is selected anywhere below (through fragments too)."""
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if selects(selection.selections, name):
            return True
    return False
