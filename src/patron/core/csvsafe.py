"""CSV files Patron writes are safe to open in a spreadsheet (no formula injection).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``, ``@SUM(…)``).
Following the OWASP guidance on CSV injection, such a text value is written with a
leading apostrophe, which spreadsheets show as text. Plain numbers written as text
(``-12.5``, ``+8613812345678``) are left alone so amounts stay numbers.

Every CSV writer in Patron (reject files, the list channel, exports) goes through
:func:`neutralise`, :func:`safe_row` or :func:`safe_frame`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Any) -> list[Any]:
    """A row's values, each neutralised (for ``csv.writer.writerow``)."""
    return [neutralise(v) for v in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    return out


#: A cell written by :func:`neutralise` (or typed as text in a spreadsheet): ``'`` + trigger.
_NEUTRALISED = "^'(?=[" + re.escape("".join(TRIGGERS)) + "])"


def restore_text(text: pd.Series) -> pd.Series:
    """Text cells read back from a CSV with the apostrophe a spreadsheet (or
    :func:`neutralise`) put before ``=``, ``+``, ``-``, ``@`` removed, so a file Patron
    exported imports as the values it held: "'+86 139 …" is the phone "+86 139 …"."""
    return text.str.replace(_NEUTRALISED, "", regex=True)
