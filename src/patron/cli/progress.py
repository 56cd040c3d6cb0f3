"""Rich progress bars for the library's progress callbacks (the only place bars are drawn)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from patron.core.progress import ProgressCallback, no_progress


@contextmanager
def progress_bar(enabled: bool = True, console: Any = None) -> Iterator[ProgressCallback]:
    """A callback that draws one bar per task on stderr (nothing when not ``enabled``)."""
    if not enabled:
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}
    current: list[Any] = [None]

    def callback(task: str, done: int, total: int | None) -> None:
        # One bar for a run of steps: the description follows the step being worked on.
        if current[0] is None or (total is not None and bar.tasks[0].total != total):
            if current[0] is None:
                current[0] = bar.add_task(task, total=total)
                tasks[task] = current[0]
        bar.update(current[0], description=task, completed=done, total=total)

    with bar:
        yield callback
