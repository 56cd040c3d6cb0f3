"""How date and time columns are recognised and parsed (ISO, day/month/year, month/day/year …).

A column's formats are detected once per file from a sample of its values, and each
value is read by the first one that fits (see :func:`detect_format`). When day-first
and month-first both parse every sampled value (03/04/2020), the file is ambiguous and
the user must say which with ``--date-format``. Times without a zone are read in the workspace's time zone and
stored in UTC.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

ISO = "ISO8601"
SAMPLE = 2000


def _families() -> dict[str, list[str]]:
    families: dict[str, list[str]] = {ISO: [ISO]}
    times = (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "")
    for sep in ("-", "/", "."):
        for order in ("%Y{s}%m{s}%d", "%d{s}%m{s}%Y", "%m{s}%d{s}%Y"):
            base = order.format(s=sep)
            families[base] = [base + t for t in times]
    families["%Y%m%d"] = ["%Y%m%d", "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S"]
    families["%Y年%m月%d日"] = [
        "%Y年%m月%d日" + t for t in (" %H:%M:%S", " %H:%M", " %H时%M分", "")
    ]
    return families


FAMILIES = _families()
AMBIGUOUS_PAIRS = [(f"%d{s}%m{s}%Y", f"%m{s}%d{s}%Y") for s in ("-", "/", ".")]


def _to_datetime(values: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(values, format=fmt, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            # Mixed zone offsets: read them all as UTC instants.
            try:
                return pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")


def parse_family(values: pd.Series, formats: list[str]) -> pd.Series:
    """``values`` parsed by the first format that fits each one (NaT where none does)."""
    result: pd.Series | None = None
    todo = values
    for fmt in formats:
        if todo.empty:
            break
        parsed = _to_datetime(todo, fmt)
        if result is None:
            result = parsed
        else:
            result = _combine(result, parsed)
        todo = todo[result.reindex(todo.index).isna()]
    if result is None:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    return result.reindex(values.index)


def _combine(left: pd.Series, right: pd.Series) -> pd.Series:
    left_tz = getattr(left.dtype, "tz", None)
    right_tz = getattr(right.dtype, "tz", None)
    if (left_tz is None) != (right_tz is None):
        left = _as_utc(left, "UTC")
        right = _as_utc(right, "UTC")
    out = left.copy()
    out.loc[right.index] = right.where(right.notna(), left.reindex(right.index))
    return out


def detect_format(values: pd.Series, *, column: str, path: object) -> list[str] | None:
    """The formats to parse this column with, from a sample of its non-empty values.

    Values are resolved one by one: every family that reads a value the earlier ones
    do not joins the list (ISO first), so ``2024-12-01`` and ``25/12/2024`` in one column
    both parse. Of day-first and month-first, the one that the unambiguous values show
    wins (``25/12/2024``: day-first, so ``03/04/2024`` is 3 April). When both show up,
    both are kept and each value they read differently is rejected on its own row
    (:func:`ambiguous_values`). When no value tells them apart, the user must say.
    """
    sample = values.dropna()
    if sample.empty:
        return None
    sample = sample.iloc[:SAMPLE]
    if parse_family(sample, FAMILIES[ISO]).notna().all():
        return FAMILIES[ISO]  # the common case, decided without trying every family
    read = {name: parse_family(sample, fmts).notna() for name, fmts in FAMILIES.items()}
    if not any(r.any() for r in read.values()):
        return None
    for dmy, mdy in AMBIGUOUS_PAIRS:
        d, m = read[dmy], read[mdy]
        if not (d.any() and m.any()):
            continue
        dmy_only, mdy_only = bool((d & ~m).any()), bool((m & ~d).any())
        if dmy_only and not mdy_only:
            read[mdy] = m & False
        elif mdy_only and not dmy_only:
            read[dmy] = d & False
        elif not dmy_only and not mdy_only:
            example = str(sample[d].iloc[0])
            raise InputError(
                _(
                    "{path}: dates in column {column} are ambiguous (e.g. {example}): "
                    "pass --date-format {dmy} or --date-format {mdy}"
                ).format(path=path, column=column, example=example, dmy=dmy, mdy=mdy)
            )
    used: list[str] = []
    covered = pd.Series(False, index=sample.index)
    for name in sorted(read, key=lambda n: (n != ISO, -int(read[n].sum()))):
        partner_used = any(name in pair and set(pair) & set(used) for pair in AMBIGUOUS_PAIRS)
        if (read[name] & ~covered).any() or (read[name].any() and partner_used):
            used.append(name)
            covered = covered | read[name]
    return [f for name in used for f in FAMILIES[name]]


def ambiguous_values(values: pd.Series, formats: list[str] | None) -> np.ndarray:
    """Which text values both day-first and month-first read, as different days."""
    out = np.zeros(len(values), dtype=bool)
    if not formats:
        return out
    for dmy, mdy in AMBIGUOUS_PAIRS:
        if FAMILIES[dmy][0] in formats and FAMILIES[mdy][0] in formats:
            d = parse_family(values, FAMILIES[dmy])
            m = parse_family(values, FAMILIES[mdy])
            out |= (d.notna() & m.notna() & (d != m)).to_numpy(dtype=bool)
    return out


def formats_for(date_format: str | None) -> list[str] | None:
    """The formats a user's ``--date-format`` stands for (with and without a time)."""
    if not date_format:
        return None
    if date_format.upper() in ("ISO", ISO):
        return FAMILIES[ISO]
    if "%H" in date_format:
        return [date_format]
    return [date_format + t for t in (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "")]


def _as_utc(values: pd.Series, timezone: str) -> pd.Series:
    if getattr(values.dtype, "tz", None) is not None:
        return values.dt.tz_convert("UTC")
    if timezone in ("UTC", "Etc/UTC", ""):
        return values.dt.tz_localize("UTC")
    return values.dt.tz_localize(
        timezone, ambiguous="NaT", nonexistent="shift_forward"
    ).dt.tz_convert("UTC")


def to_instants(parsed: pd.Series, timezone: str) -> pd.Series:
    """Parsed times as UTC instants (``datetime64[us, UTC]``)."""
    out = _as_utc(parsed, timezone)
    return out.astype("datetime64[us, UTC]")


def to_days(parsed: pd.Series, timezone: str) -> pd.Series:
    """Parsed values as calendar days in the workspace's zone (``datetime64[us]``, midnight)."""
    if getattr(parsed.dtype, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(timezone or "UTC").dt.tz_localize(None)
    return parsed.dt.normalize().astype("datetime64[us]")


def parse_dates(
    values: pd.Series,
    formats: list[str] | None,
) -> pd.Series:
    """Typed values pass through; text is parsed with ``formats`` (NaT where it fails)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    if values.dtype == object:
        first = values.dropna().head(1)
        if len(first) and hasattr(first.iloc[0], "year"):
            return pd.to_datetime(values, errors="coerce")
        values = values.astype("string[pyarrow]")
    if pd.api.types.is_numeric_dtype(values.dtype):
        values = values.astype("Int64").astype("string[pyarrow]")
    if formats is None:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    parsed = parse_family(values, formats)
    bad_year = parsed.notna() & ((parsed.dt.year < 1800) | (parsed.dt.year > 2200))
    return parsed.where(~bad_year, pd.NaT) if bool(np.any(bad_year)) else parsed
