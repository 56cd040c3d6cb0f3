"""Which calendar periods (day, week, month, quarter, year) are over by a date.

A figure for a period that has not ended yet (a quarter one month old) is not comparable
with whole periods before it: retention looks like a collapse only because the period is
short. Jobs use these functions to quote the latest *complete* period, to compare it with
the one before, and to mark a running period as "so far".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from patron.core.i18n import gettext
from patron.exceptions import InputError

_OFFSETS = {"D": "D", "W": "W-SUN", "M": "MS", "Q": "QS", "Y": "YS"}


def _unit(period: str) -> str:
    unit = str(period).upper()
    if unit not in _OFFSETS:
        raise InputError(
            gettext("unknown period {unit!r}: use one of {choices}").format(
                unit=period, choices=", ".join(_OFFSETS)
            )
        )
    return unit


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def period_start(day: Any, period: str) -> date:
    """The first day of the calendar period holding ``day`` (weeks start on Monday)."""
    unit = _unit(period)
    ts = pd.Timestamp(_day(day))
    if unit == "D":
        return ts.date()
    if unit == "W":
        return (ts - pd.Timedelta(days=ts.weekday())).date()
    return ts.to_period({"M": "M", "Q": "Q", "Y": "Y"}[unit]).start_time.date()


def period_end(start: Any, period: str) -> date:
    """The last day of the period that starts on (or holds) ``start``."""
    unit = _unit(period)
    first = pd.Timestamp(period_start(start, unit))
    if unit == "D":
        return first.date()
    if unit == "W":
        return (first + pd.Timedelta(days=6)).date()
    return first.to_period({"M": "M", "Q": "Q", "Y": "Y"}[unit]).end_time.date()


def is_complete(start: Any, period: str, as_of: Any) -> bool:
    """Whether the period holding ``start`` has ended on or before ``as_of``."""
    return period_end(start, period) <= _day(as_of)


def shift(start: Any, period: str, n: int) -> date:
    """The start of the period ``n`` periods after (negative: before) the one holding ``start``."""
    unit = _unit(period)
    first = pd.Timestamp(period_start(start, unit))
    if unit == "D":
        return (first + pd.Timedelta(days=n)).date()
    if unit == "W":
        return (first + pd.Timedelta(weeks=n)).date()
    return (first.to_period({"M": "M", "Q": "Q", "Y": "Y"}[unit]) + n).start_time.date()


def last_complete(as_of: Any, period: str) -> date:
    """The start of the latest period that has ended by ``as_of`` (the one before the
    running period, or the running one itself when ``as_of`` is its last day)."""
    day = _day(as_of)
    if period_end(day, period) == day:
        return period_start(day, period)
    return shift(day, period, -1)


def complete_mask(starts: pd.Series, period: str, as_of: Any) -> pd.Series:
    """For a column of period starts, whether each period has ended by ``as_of``."""
    limit = _day(as_of)
    return pd.Series(
        [period_end(s, period) <= limit for s in starts], index=starts.index, dtype=bool
    )


def days_in(start: Any, period: str) -> int:
    return (period_end(start, period) - period_start(start, period)).days + 1


__all__ = [
    "complete_mask",
    "days_in",
    "is_complete",
    "last_complete",
    "period_end",
    "period_start",
    "shift",
]
