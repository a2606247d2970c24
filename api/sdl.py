"""The schema's SDL; ``python -m api.sdl > api/schema.graphql`` refreshes the committed copy."""

from __future__ import annotations

from pathlib import Path

from api.query import build_schema
from kg.settings import ApiSettings

COMMITTED = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    """The SDL of the code's schema (limits do not change it)."""
    return build_schema(ApiSettings()).as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
