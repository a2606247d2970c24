"""Schemathesis fuzzing of the GraphQL API: generated queries never give a 5xx, a traceback or Cypher text."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from api.app import create_app
from api.service import Service
from kg.settings import Settings

pytestmark = pytest.mark.neo4j

#: Examples per root field: the Query type has 7, so a run makes about 500 requests.
EXAMPLES = 72
LEAKS = ("Traceback", "MATCH (", "RETURN ", "neo4j.exceptions", 'File "')


def test_generated_queries_are_answered_cleanly(served: Settings) -> None:
    # (schemathesis' pytest plugin reads pytest internals that pytest 9 removed: its strategies are driven here)
    schema = schemathesis.graphql.from_asgi("/graphql", create_app(served, Service(served)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7, [op.label for op in operations]
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call()
            statuses.append(response.status_code)
            assert response.status_code < 500, (case.body, response.text[:500])
            for leak in LEAKS:
                assert leak not in response.text, (leak, case.body, response.text[:500])

        fuzz()
    assert len(statuses) >= 300, len(statuses)  # a bounded run that really ran (hypothesis may stop early)
