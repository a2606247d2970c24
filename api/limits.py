"""Query cost limit and error masking.

Cost: every field costs 1; a field with a ``first`` argument multiplies the cost of its
selection by ``first`` (default 20 when absent on a paginated field). Fragments are expanded
(a fragment already on the current path counts nothing: cycles are also rejected by
GraphQL's own validation). The cost and the limit go back to the client in
``extensions.cost``; above the limit the query is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    value_from_ast_untyped,
)
from graphql.language import SKIP
from strawberry.extensions import SchemaExtension

PAGINATED_DEFAULT = 20


def introspection_rule(enabled: bool, max_depth: int) -> type[ValidationRule]:
    """A validation rule for ``__schema``/``__type`` fields.

    Strawberry's depth limiter skips introspection fields, so a deeply nested
    ``__schema { types { fields { type { ofType … } } } }`` would be answered in full. This rule
    refuses introspection subtrees deeper than ``max_depth`` (fragments expanded), or any
    introspection at all when ``enabled`` is false (``__typename`` is always allowed).
    """

    class IntrospectionLimit(ValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            name = node.name.value
            if name not in ("__schema", "__type"):
                return None
            if not enabled:
                self.report_error(GraphQLError("introspection is disabled on this server", node))
                return SKIP
            fragments = {
                f.name.value: f for f in self.context.document.definitions if isinstance(f, FragmentDefinitionNode)
            }
            depth = _depth(node.selection_set, fragments, frozenset())
            if 1 + depth > max_depth:
                self.report_error(
                    GraphQLError(f"introspection depth {1 + depth} exceeds the limit of {max_depth}", node)
                )
            return SKIP

    return IntrospectionLimit


def _depth(
    selections: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str]
) -> int:
    """Depth of a selection set in fields, fragments expanded (a fragment already on the path counts 0)."""
    if selections is None:
        return 0
    best = 0
    for sel in selections.selections:
        if isinstance(sel, FieldNode):
            best = max(best, 1 + _depth(sel.selection_set, fragments, seen))
        elif isinstance(sel, InlineFragmentNode):
            best = max(best, _depth(sel.selection_set, fragments, seen))
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen and sel.name.value in fragments:
            best = max(best, _depth(fragments[sel.name.value].selection_set, fragments, seen | {sel.name.value}))
    return best


def should_mask(error: GraphQLError) -> bool:
    """Mask everything raised by resolvers; validation errors (about the client's own query) pass.

    Expected failures are typed union members (``NotFound``, ``BadInput``…), never exceptions.
    """
    return error.original_error is not None


def _first(node: FieldNode, variables: dict[str, Any]) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value == "first":
            if isinstance(arg.value, VariableNode):
                value = variables.get(arg.value.name.value)
            else:
                value = value_from_ast_untyped(arg.value, variables)
            return int(value) if isinstance(value, int) else None
    return None


class QueryCost(SchemaExtension):
    """Refuse queries whose cost exceeds ``max_cost``; report the cost in ``extensions``."""

    def __init__(self, max_cost: int, paginated: frozenset[str]) -> None:
        self.max_cost = max_cost
        self.paginated = paginated
        self.cost = 0

    def _selection_cost(
        self,
        selection_set: SelectionSetNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        path: frozenset[str],
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                child = self._selection_cost(sel.selection_set, fragments, variables, path)
                first = _first(sel, variables)
                if first is None and sel.name.value in self.paginated:
                    first = PAGINATED_DEFAULT
                total += 1 + (max(first, 1) * child if first is not None else child)
            elif isinstance(sel, InlineFragmentNode):
                total += self._selection_cost(sel.selection_set, fragments, variables, path)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in path or name not in fragments:
                    continue
                total += self._selection_cost(fragments[name].selection_set, fragments, variables, path | {name})
        return total

    def on_execute(self) -> Iterator[None]:
        """Runs after validation (depth, aliases, tokens, GraphQL rules) and before execution."""
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            operations = [
                d
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (ctx.operation_name is None or (d.name is not None and d.name.value == ctx.operation_name))
            ]
            variables = ctx.variables or {}
            self.cost = max(
                (self._selection_cost(op.selection_set, fragments, variables, frozenset()) for op in operations),
                default=0,
            )
            if self.cost > self.max_cost:
                error = GraphQLError(f"query cost {self.cost} exceeds the limit of {self.max_cost}")
                ctx.result = ExecutionResult(data=None, errors=[error])  # execution is skipped
        yield

    def get_results(self) -> dict[str, Any]:
        """``extensions.cost`` of the response."""
        return {"cost": {"requested": self.cost, "limit": self.max_cost}}
