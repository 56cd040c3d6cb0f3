"""How a workspace is set up: its folder and settings, then its store brought up to date."""

from __future__ import annotations

import os

from patron.collect.store.db import upgrade_store
from patron.core.workspace import Workspace


def init_workspace(root: str | os.PathLike[str], *, exist_ok: bool = True) -> Workspace:
    """Create (or re-open) a workspace at ``root`` and bring its store up to date.

    Parameters
    ----------
    root : path
        The workspace folder (created when missing).
    exist_ok : bool, default=True
        Re-open an existing workspace; ``False`` refuses one with ``WorkspaceError``.
    """
    workspace = Workspace.create(root, exist_ok=exist_ok)
    upgrade_store(workspace.database_url)
    return workspace
