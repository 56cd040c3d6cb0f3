"""What a table given to the churn model means: its yes/no label, and reading it from a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = ["label_values", "read_table", "read_telco"]

_TRUE = {"1", "yes", "y", "true", "t", "churn", "churned", "left"}
_FALSE = {"0", "no", "n", "false", "f", "stayed", "retained", "active"}


def label_values(series: pd.Series, *, column: str = "label") -> np.ndarray:
    """A label column as 0/1 integers; yes/no, true/false and 1/0 are understood.

    Raises
    ------
    InputError
        When a value is missing or not one of the understood forms (the first such row
        is named).
    """
    if pd.api.types.is_bool_dtype(series):
        return series.astype(int).to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        bad = ~series.isin([0, 1])
        if bad.any():
            where = series.index[bad.to_numpy()][0]
            raise InputError(
                _("label column {column}: value {value!r} in row {row} is not 0 or 1").format(
                    column=column, value=series[where], row=where
                )
            )
        return series.astype(int).to_numpy()
    text = series.astype("string").str.strip().str.lower()
    out = np.full(len(text), -1, dtype=int)
    out[text.isin(_TRUE).fillna(False).to_numpy()] = 1
    out[text.isin(_FALSE).fillna(False).to_numpy()] = 0
    if (out < 0).any():
        position = int(np.flatnonzero(out < 0)[0])
        raise InputError(
            _(
                "label column {column}: value {value!r} in row {row} is not yes/no, true/false or 1/0"
            ).format(column=column, value=series.iloc[position], row=series.index[position])
        )
    return out


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet table of customers (the ``patron churn TABLE`` input)."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: file not found").format(path=path))
    suffix = "".join(path.suffixes).lower()
    try:
        if suffix.endswith(".parquet"):
            return pd.read_parquet(path)
        return pd.read_csv(path, low_memory=False)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(
            _("{path} cannot be read as a table: {reason}").format(path=path, reason=exc)
        ) from exc


def read_telco(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The IBM Telco churn CSV, with its blank ``TotalCharges`` cells handled and reported.

    The 11 blank cells all belong to customers with ``tenure`` 0: they signed up in the
    month of the extract and have not been billed yet, so their total charge is 0, not
    unknown. Returns the table and the notes saying what was done.
    """
    frame = read_table(path)
    for column in ("customerID", "tenure", "TotalCharges", "Churn"):
        if column not in frame.columns:
            raise InputError(
                _("{path}: required column {column} missing").format(path=path, column=column)
            )
    total = pd.to_numeric(frame["TotalCharges"].astype("string").str.strip(), errors="coerce")
    blank = total.isna()
    notes = []
    new = blank & (frame["tenure"] == 0)
    if new.any():
        total[new] = 0.0
        notes.append(
            _("{n} blank TotalCharges set to 0: tenure 0, not billed yet (customers {ids})").format(
                n=int(new.sum()), ids=", ".join(frame.loc[new, "customerID"].astype(str))
            )
        )
    other = blank & ~new
    if other.any():
        notes.append(
            _("{n} blank TotalCharges with tenure > 0 left missing").format(n=int(other.sum()))
        )
    frame["TotalCharges"] = total.astype(float)
    return frame, notes
