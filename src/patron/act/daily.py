"""What the daily run sends: the rules' actions, then the campaigns whose time has come."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patron.act import campaigns, scheduler
from patron.act.channels import ActSettings
from patron.act.rules import Rule
from patron.act.scheduler import RunResult
from patron.core.progress import ProgressCallback


def run(
    workspace: Any,
    today: dt.date | None = None,
    dry_run: bool = False,
    *,
    rules: Sequence[Rule] | None = None,
    rules_file: str | Path | None = None,
    settings: ActSettings | None = None,
    progress: ProgressCallback | bool | None = None,
    include_campaigns: bool = True,
) -> RunResult:
    """Run the rules for ``today`` (``scheduler.run``), then send the campaigns that are due.

    Each send happens exactly once. ``include_campaigns=False`` leaves the campaigns alone.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    result = scheduler.run(
        workspace,
        today,
        dry_run,
        rules=rules,
        rules_file=rules_file,
        settings=settings,
        progress=progress,
    )
    if include_campaigns:
        campaigns.send_due(workspace, today, dry_run=dry_run, progress=progress, result=result)
    return result
