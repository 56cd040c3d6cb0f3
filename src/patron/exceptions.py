"""The errors and warnings Patron raises, each saying what was observed and what to try."""

from __future__ import annotations


def shown(value: object, limit: int = 80) -> str:
    """A value as an error message quotes it: line breaks visible (``'a\\r\\nBcc:'``), cut at ``limit``."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PatronError(Exception):
    """Base class: a problem Patron can explain to the user in one line."""


class InputError(PatronError, ValueError):
    """Input that cannot be used: names the file, row, field or column and why."""


class WorkspaceError(PatronError):
    """The workspace is missing, unreadable or of another version."""


class NotFittedError(PatronError, AttributeError):
    """A model method that needs a fitted model was called before ``fit``."""


class ConvergenceError(PatronError, ValueError):
    """An estimator did not converge; keeps the original exception when there is one."""

    def __init__(self, message: str, original_exception: BaseException | None = None):
        super().__init__(message)
        self.original_exception = original_exception


class ConvergenceWarning(RuntimeWarning):
    """An estimator finished but its convergence is doubtful."""


class StatisticalWarning(RuntimeWarning):
    """A result is valid but should be read with care (small sample, degenerate resamples)."""
