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
    current: list[Any] = []  # the one task, added (and the bar started) on the first call

    def callback(task: str, done: int, total: int | None) -> None:
        # One bar for a run of steps: the description follows the step being worked on.
        # Started on the first report, so a command that fails at once prints only its error.
        if not current:
            bar.start()
            current.append(bar.add_task(task, total=total))
        bar.update(current[0], description=task, completed=done, total=total)

    try:
        yield callback
    finally:
        if current:
            bar.stop()
