"""The README as a new user reads it: short, the install and the headline first, every command it shows
accepted by the CLI, its GraphQL valid against the served schema, and every --help page built."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
from graphql import build_schema, parse, validate
from typer.testing import CliRunner

from kg.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SDL = (ROOT / "api" / "schema.graphql").read_text()
CLI = typer.main.get_command(app)


def _is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def _kg_lines() -> list[str]:
    lines = [line.strip() for block in _blocks("bash") for line in block.splitlines()]
    return [line for line in lines if line.startswith("kg ")]


def test_the_readme_is_short_and_its_first_screen_has_install_headline_and_explorer() -> None:
    lines = README.splitlines()
    assert len(lines) <= 200
    first_screen = "\n".join(lines[:45])
    for wanted in ("bash scripts/demo.sh", "kg data install", "/explore/", "| **evidence network (what `kg` serves)**"):
        assert wanted in first_screen, wanted
    assert "session" not in README.lower()
    for link in re.findall(r"\]\(((?:docs/|CHANGELOG)[^)#]*)\)", README):
        assert (ROOT / link).exists(), link


@pytest.mark.parametrize("line", _kg_lines())
def test_every_command_in_the_readme_parses_with_the_cli(line: str) -> None:
    words = shlex.split(line, comments=True)[1:]
    command: Any = CLI
    path = ["kg"]
    while _is_group(command) and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    assert not _is_group(command), f"{line}: {' '.join(path)} needs a subcommand"
    command.make_context(" ".join(path), words)  # raises a usage error on an unknown option or a bad value


def test_the_readme_has_enough_commands_to_check() -> None:
    assert len(_kg_lines()) >= 10


@pytest.mark.parametrize("query", _blocks("graphql"))
def test_the_readme_graphql_is_valid_against_the_served_schema(query: str) -> None:
    assert validate(build_schema(SDL), parse(query)) == []


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        out.append((*prefix, name))
        if _is_group(command):
            out += _commands(command, (*prefix, name))
    return out


def test_every_help_page_builds_and_says_what_the_command_does() -> None:
    runner = CliRunner()
    commands = _commands(CLI)
    assert {("data", "install"), ("release", "publish"), ("etl", "run"), ("explain",)} <= set(commands)
    for words in commands:
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        body = result.output.split("Options", 1)[0]
        assert len(body.split()) >= 6, f"kg {' '.join(words)} --help says too little: {body!r}"


def test_the_graphql_schema_describes_its_fields() -> None:
    query = build_schema(SDL).query_type
    assert query is not None
    undescribed = [f"Query.{name}" for name, field in query.fields.items() if not (field.description or "").strip()]
    assert undescribed == []
