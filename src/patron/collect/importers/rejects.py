"""Where rejected rows go: ``WORKSPACE/rejects/<kind>-<timestamp>.csv`` with line, field, reason and the row.

The file is UTF-8 with a BOM (so spreadsheet programs show Chinese text correctly),
created at the first rejected row and appended chunk by chunk, so it can be fixed and
imported again: its original columns keep their names. Values a spreadsheet would read
as a formula (``=…``, ``+…``, ``-…``, ``@…``) are written with a leading ``'``
(:mod:`patron.core.csvsafe`).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from patron.core.csvsafe import safe_row


class RejectFile:
    """Collects the rows an import set aside."""

    def __init__(self, folder: Path, kind: str, columns: list[str]):
        self.folder = folder
        self.kind = kind
        self.columns = columns
        self.path: Path | None = None
        self.count = 0

    def _open(self) -> Any:
        if self.path is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            self.path = self.folder / f"{self.kind}-{stamp}.csv"
            handle = self.path.open("w", encoding="utf-8-sig", newline="")
            csv.writer(handle).writerow(safe_row(["line", "field", "reason", *self.columns]))
            return handle
        return self.path.open("a", encoding="utf-8", newline="")

    def write(self, rows: list[tuple[int | None, str, str, list[Any]]]) -> None:
        """Append ``(line, field, reason, original values)`` rows."""
        if not rows:
            return
        with self._open() as handle:
            writer = csv.writer(handle)
            for line, field, reason, values in rows:
                writer.writerow(
                    safe_row(
                        ["" if line is None else line, field, reason, *(_text(v) for v in values)]
                    )
                )
        self.count += len(rows)


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def split_raw(text: str, delimiter: str, width: int) -> list[str]:
    """A malformed CSV record's fields, fitted to the header's width (extras kept in the last)."""
    try:
        fields = next(csv.reader([text], delimiter=delimiter))
    except (csv.Error, StopIteration):
        fields = [text]
    if width <= 0:
        return []
    if len(fields) > width:
        fields = fields[: width - 1] + [delimiter.join(fields[width - 1 :])]
    return fields + [""] * (width - len(fields))
