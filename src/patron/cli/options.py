"""Options every command shares (workspace, output format, language) and the console."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from patron.core.i18n import _
from patron.core.workspace import Workspace

console = Console()
err_console = Console(stderr=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="PATRON_WORKSPACE",
        help=_("Workspace folder (default: $PATRON_WORKSPACE)."),
        show_default=False,
    ),
]
UnitOption = Annotated[
    str | None,
    typer.Option(
        "--unit",
        "-u",
        envvar="PATRON_UNIT",
        help=_(
            "Organisation unit to analyse (with everything below it); 'all' for the whole"
            " organisation (default: default_unit in the workspace's patron.toml)."
        ),
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print the result as JSON."))]
CsvOption = Annotated[bool, typer.Option("--csv", help=_("Print the result as CSV."))]


def open_workspace(path: Path | None) -> Workspace:
    """The workspace a command works on (errors become one-line messages in ``main``)."""
    return Workspace.open(path)


def print_json(payload: Any) -> None:
    """Machine output: JSON on stdout, dates and numpy numbers made plain."""
    sys.stdout.write(
        json.dumps(payload, default=_json_default, ensure_ascii=False, indent=2) + "\n"
    )


def _json_default(value: Any) -> Any:
    import datetime as dt

    import numpy as np

    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class DefaultCommandGroup(TyperGroup):
    """A command group that runs its ``default_command`` when no sub-command is named.

    ``patron csi mobi.csv --model ecsi`` keeps meaning ``patron csi estimate mobi.csv …``
    while ``patron csi programme …`` and the other analyses are sub-commands of ``csi``.
    """

    default_command = "estimate"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        help_names = set(ctx.help_option_names) if ctx is not None else {"--help"}
        if not args or (args[0] not in self.commands and args[0] not in help_names):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
