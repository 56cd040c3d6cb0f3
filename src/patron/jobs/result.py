"""What a job returns: its headline figures, its tables, the scope it used, and how it prints.

``figures`` are the numbers a person quotes (customers, revenue, share of the top 20 %);
the report shows exactly these, and ``patron … --json`` prints exactly these, so the
command printed beside a report section reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.collect.units import Scope
from patron.core.printer import Printer


def plain(value: Any) -> Any:
    """A JSON-ready value: numpy numbers as Python ones, NaN as ``None``, dates as text."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """Rows for JSON: missing values as null (JSON has no NaN), dates as ISO text."""
    if frame is None:
        return None
    out = frame.astype(object).where(frame.notna(), None)
    return [{k: plain(v) for k, v in row.items()} for row in out.to_dict("records")]


@dataclass
class JobResult:
    """One job's outcome.

    Attributes
    ----------
    job : str
        The job's name (``segments``, ``clv`` …).
    scope : Scope
        The unit it looked at.
    as_of : date or None
    figures : dict
        Headline numbers by stable key (what the report shows and ``--json`` prints).
    tables : dict of DataFrame
        Detail tables by stable key (``--json`` prints them as lists of rows).
    frame : DataFrame or None
        One row per customer, when the job scores customers (``--csv`` prints it).
    printer : Printer or None
        How it shows itself on a terminal or in a notebook.
    """

    job: str
    scope: Scope
    as_of: date | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    printer: Printer | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, rows: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "job": self.job,
            **self.scope.to_dict(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "figures": {k: plain(v) for k, v in self.figures.items()},
        }
        for key, table in self.tables.items():
            out[key] = records(table)
        if rows and self.frame is not None:
            out["customers"] = records(self.frame)
        for key, value in self.extra.items():
            out[key] = value
        return out

    def print(self, console: Any = None) -> None:
        if self.printer is not None:
            self.printer.print(console)

    def _repr_html_(self) -> str:
        return self.printer.to_html() if self.printer is not None else repr(self)
