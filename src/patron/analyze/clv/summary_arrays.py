"""How the BTYD summary of an in-memory transaction table is computed in a few array passes.

The summary of :func:`patron.analyze.features.btyd_statistics` groups twice (customer
and day, then customer), which a SQL engine runs as two hash aggregations over every
row. For a table already in memory the same numbers come from one hash of a packed
(customer, day) integer and a handful of ``bincount`` passes over the distinct
purchase days: no second aggregation over the rows, no strings until the one-row-per-
customer result. :func:`summarize_arrays` returns exactly what
:func:`patron.analyze.clv.data.summarize_transactions` returns through the engine (the
tests compare the two frame for frame), and ``None`` for input it does not take
(missing values, customer keys that are neither whole numbers nor text) so that the
engine path answers instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from patron.core.vocabulary import unit_days

PACK_LIMIT = 2**62  # packed (customer, day) keys stay well inside int64


def _column(data: Any, name: str) -> Any:
    if isinstance(data, pa.Table):
        return data.column(name)
    return data[name]


def _days(values: Any) -> np.ndarray | None:
    """Calendar days since 1970-01-01 (UTC) as int64, or None when a value is missing."""
    if isinstance(values, pa.ChunkedArray):
        if values.null_count:
            return None
        kind = values.type
        if pa.types.is_timestamp(kind):
            if kind.tz is not None:
                values = values.cast(pa.timestamp(kind.unit))  # stored as UTC already
            stamps = values.to_numpy()
        elif pa.types.is_date(kind):
            return values.cast(pa.date32()).to_numpy().astype(np.int64)
        else:
            return None
        return _floor_days(stamps)
    series = pd.Series(values)
    if series.isna().any():
        return None
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(dtype):
        return None
    return _floor_days(series.to_numpy())


def _floor_days(stamps: np.ndarray) -> np.ndarray:
    """datetime64 values → whole days, rounding towards minus infinity (a SQL cast to DATE)."""
    unit, count = np.datetime_data(stamps.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000, "us": 86_400_000_000}
    if unit == "ns":
        ticks = 86_400_000_000_000
    elif unit in per_day:
        ticks = per_day[unit]
    else:
        return stamps.astype("datetime64[D]").astype(np.int64)
    return np.floor_divide(stamps.view(np.int64), ticks // count)


def _cents(values: Any) -> np.ndarray | None:
    """Money as whole cents, rounded half away from zero (as :func:`features.cents`)."""
    if isinstance(values, pa.ChunkedArray):
        if values.null_count or not (
            pa.types.is_floating(values.type) or pa.types.is_integer(values.type)
        ):
            return None
        x = values.to_numpy().astype("float64") * 100
    else:
        series = pd.Series(values)
        if not pd.api.types.is_numeric_dtype(series.dtype) or series.isna().any():
            return None
        x = series.to_numpy(dtype="float64") * 100
    return _round_half_away(x).astype(np.int64)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to whole numbers, halves away from zero (SQL ``round``), in place."""
    sign = np.signbit(x)
    np.abs(x, out=x)
    rounded = np.floor(x + 0.5)
    # floor(x + 0.5) rounds the double just below a half up: put those back.
    rounded -= rounded - x > 0.5
    return np.where(sign, -rounded, rounded)


def _customers(values: Any) -> tuple[np.ndarray, pa.Array] | None:
    """Each row's customer code and the customers' keys as text (code → key)."""
    if isinstance(values, pa.ChunkedArray):
        if values.null_count:
            return None
        if pa.types.is_integer(values.type):
            values = values.to_numpy()
        elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            encoded = values.combine_chunks().dictionary_encode()
            codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            return codes, encoded.dictionary.cast(pa.string())
        else:
            return None
    series = pd.Series(values)
    if series.isna().any():
        return None
    if pd.api.types.is_integer_dtype(series.dtype):
        ints = series.to_numpy(dtype=np.int64)
        low, high = int(ints.min()), int(ints.max())
        if high - low <= 4 * len(ints) + 1024:
            # Dense integer keys (the usual case) are their own codes: no hashing.
            keys = np.arange(low, high + 1, dtype=np.int64)
            return ints - low, pa.array(keys).cast(pa.string())
        codes, uniques = pd.factorize(ints)
        return codes.astype(np.int64), pa.array(np.asarray(uniques)).cast(pa.string())
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        if series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) != "string":
            return None  # mixed keys (5 and "5"): the engine's cast to text decides
        codes, uniques = pd.factorize(series)
        keys = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
        return codes.astype(np.int64), keys
    return None


def summarize_arrays(
    transactions: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    observation_end: dt.date | None,
    time_unit: str,
) -> pd.DataFrame | None:
    """The BTYD summary of a pandas DataFrame or Arrow table (``None``: not taken here)."""
    if not isinstance(transactions, pd.DataFrame | pa.Table):
        return None
    needed = [customer_col, date_col] + ([amount_col] if amount_col else [])
    names = transactions.column_names if isinstance(transactions, pa.Table) else transactions
    if any(c not in names for c in needed) or len(transactions) == 0:
        return None
    days = _days(_column(transactions, date_col))
    customers = _customers(_column(transactions, customer_col))
    spend = _cents(_column(transactions, amount_col)) if amount_col else None
    if days is None or customers is None or (amount_col and spend is None):
        return None
    codes, keys = customers
    if observation_end is not None:
        end = int((np.datetime64(observation_end, "D") - np.datetime64(0, "D")).astype(np.int64))
        kept = days <= end
        if not kept.all():
            days, codes = days[kept], codes[kept]
            spend = spend[kept] if spend is not None else None
        if len(days) == 0:
            return None
    else:
        end = int(days.max())
    low = int(days.min())
    span = int(days.max()) - low + 1
    n_codes = len(keys)
    if n_codes * span >= PACK_LIMIT:
        return None
    # One sort of the packed (customer, day) keys (a SIMD sort of int64, far cheaper than
    # hashing millions of distinct pairs) gives the purchase days of every customer in
    # order: first, last and how many, read off where the customer changes.
    offset = days - low
    pairs = np.sort(codes * span + offset)
    distinct = np.empty(len(pairs), dtype=bool)
    distinct[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=distinct[1:])
    pairs = pairs[distinct]
    customer = pairs // span
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    present = customer[starts]
    purchases = np.diff(np.r_[starts, len(pairs)])
    first = pairs[starts] % span
    last = pairs[np.r_[starts[1:], len(pairs)] - 1] % span
    frequency = purchases - 1
    unit = unit_days(time_unit)
    if spend is not None:
        # Integer cents summed exactly (float64 holds every integer below 2**53).
        total = np.bincount(codes, weights=spend, minlength=n_codes)[present]
        first_of = np.full(n_codes, -1, dtype=np.int64)
        first_of[present] = first
        on_first = np.where(offset == first_of[codes], spend, 0)
        first_spend = np.bincount(codes, weights=on_first, minlength=n_codes)[present]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(frequency > 0, (total - first_spend) / frequency, 0.0)
        monetary = _round_half_away(mean) / 100.0
    else:
        monetary = np.full(len(present), np.nan)
    first, last = first + low, last + low
    ids = keys.take(pa.array(present))
    order = pc.array_sort_indices(ids).to_numpy()
    epoch = np.datetime64(0, "D")
    out = pd.DataFrame(
        {
            "customer_id": pd.array(ids.take(pa.array(order)), dtype="str"),
            "frequency": frequency[order].astype(np.int64),
            "recency": ((last - first)[order]).astype("float64") / unit,
            "T": ((end - first)[order]).astype("float64") / unit,
            "monetary_value": monetary[order],
            "first_purchase": (epoch + first[order]).astype("datetime64[s]"),
            "last_purchase": (epoch + last[order]).astype("datetime64[s]"),
        }
    )
    return out
