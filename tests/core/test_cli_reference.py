"""Every command has help text and is documented in docs/cli.md exactly as it behaves."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from patron.cli.main import app
from patron.cli.reference import iter_commands, render_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
COMMANDS = [path for path, _ in iter_commands(typer.main.get_command(app))]


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = dict(iter_commands(typer.main.get_command(app)))[path]
    assert (command.help or command.short_help or "").strip(), (
        f"patron {' '.join(path)} has no help"
    )


def test_reference_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_reference(), (
        "docs/cli.md is out of date: run `make docs`"
    )
