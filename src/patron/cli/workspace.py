"""``patron init``: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import console
from patron.collect.workspace_setup import init_workspace
from patron.core.i18n import _


def init(
    directory: Annotated[Path, typer.Argument(help=_("Folder to create the workspace in."))],
) -> None:
    """Create a workspace: settings, store, warehouse and rejects folders.

    Example: patron init ./shop
    """
    workspace = init_workspace(directory)
    console.print(_("Workspace ready at {path}").format(path=workspace.root))
    console.print(_("Store: {url}").format(url=workspace.database_url))


def register(app: typer.Typer) -> None:
    app.command(
        "init", help=_("Create a workspace: settings, store, warehouse and rejects folders.")
    )(init)
