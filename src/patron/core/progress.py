"""How library code reports progress: a callback, never a drawn bar.

Long work (an import, a sync, a report, the demo, a run of the rules) calls
``progress(task, done, total)`` as it goes: ``task`` is a short sentence for people
(already translated), ``done`` how many of ``total`` units are finished (``total`` is
``None`` when unknown). Only ``patron.cli`` turns these calls into Rich bars; the web
turns them into a progress element; tests collect them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class ProgressCallback(Protocol):
    def __call__(self, task: str, done: int, total: int | None) -> None: ...


def no_progress(task: str, done: int, total: int | None) -> None:
    """The callback that reports to no one (the default everywhere)."""


def as_callback(progress: Any) -> ProgressCallback:
    """A callback from what callers pass: a callback, ``None``/``False`` (silent).

    ``True`` is accepted from older callers and means silent as well here: drawing is
    the CLI's business (it passes its own callback).
    """
    if callable(progress):
        return progress
    return no_progress


@dataclass
class ProgressLog:
    """A callback that remembers every call (for tests and for the web's job status)."""

    calls: list[tuple[str, int, int | None]] = field(default_factory=list)

    def __call__(self, task: str, done: int, total: int | None) -> None:
        self.calls.append((task, done, total))

    @property
    def tasks(self) -> list[str]:
        seen: list[str] = []
        for task, _done, _total in self.calls:
            if task not in seen:
                seen.append(task)
        return seen


class Steps:
    """Progress over named steps: ``with steps.step(name): …`` reports before and after."""

    def __init__(self, progress: ProgressCallback, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def start(self, task: str) -> None:
        self.progress(task, self.done, self.total)

    def finish(self, task: str) -> None:
        self.done += 1
        self.progress(task, self.done, self.total)


ProgressFn = Callable[[str, int, "int | None"], None]
