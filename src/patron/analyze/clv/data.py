"""What the models read: validated per-customer summaries, compressed to weighted patterns.

Input checks name the customer at fault (``customer 17: recency 40 is greater than age
T 38.9``). Summaries of transaction tables come from
:func:`patron.analyze.features.btyd_statistics` executed on DuckDB; the
calibration/holdout split adds the holdout purchases per customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = [
    "calibration_and_holdout",
    "compress",
    "compress_if_repeated",
    "customer_ids",
    "read_transactions",
    "rename_fader_hardie",
    "summarize_transactions",
    "validate_columns",
    "validate_summary",
]

#: Column names of the Fader–Hardie files and what Patron calls them.
FADER_HARDIE_NAMES = {
    "ID": "customer_id",
    "x": "frequency",
    "t_x": "recency",
    "T": "T",
    "zbar": "monetary_value",
}


def rename_fader_hardie(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename ``ID, x, t_x, T, zbar`` (the published CDNOW summary) to Patron's names."""
    return frame.rename(columns={k: v for k, v in FADER_HARDIE_NAMES.items() if k in frame})


def validate_columns(
    data: Any, required: Sequence[str], *, unique: Sequence[str] = ()
) -> pd.DataFrame:
    """``data`` as a DataFrame holding ``required`` columns; ``unique`` columns have no repeats.

    Raises
    ------
    InputError
        "Required column X missing" or "Column X has duplicate entries".
    """
    if not isinstance(data, pd.DataFrame):
        try:
            data = pd.DataFrame(data)
        except Exception as exc:
            raise InputError(
                _("expected a table of customers (a DataFrame), got {kind}").format(
                    kind=type(data).__name__
                )
            ) from exc
    for column in required:
        if column not in data.columns:
            raise InputError(_("Required column {column} missing").format(column=column))
    for column in unique:
        if column in data.columns:
            duplicated = data[column].duplicated()
            if duplicated.any():
                raise InputError(
                    _("Column {column} has duplicate entries (first: {value})").format(
                        column=column, value=data[column][duplicated].iloc[0]
                    )
                )
    return data


def customer_ids(data: pd.DataFrame) -> pd.Index:
    """The customer key: the ``customer_id`` column, else the index."""
    if "customer_id" in data.columns:
        return pd.Index(data["customer_id"].to_numpy(), name="customer_id")
    index = data.index.copy()
    index.name = index.name or "customer_id"
    return index


def _fail(data: pd.DataFrame, mask: np.ndarray, message: str, **values: Any) -> None:
    """Raise ``message`` for the first customer flagged by ``mask``, counting the others."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    position = int(np.argmax(mask))
    ids = customer_ids(data)
    fields = {k: (v[position] if isinstance(v, np.ndarray) else v) for k, v in values.items()}
    text = _("customer {customer}: ").format(customer=ids[position]) + message.format(**fields)
    others = int(mask.sum()) - 1
    if others:
        text += " " + _("(and {count} more customers)").format(count=others)
    raise InputError(text)


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    _fail(
        data,
        ~np.isfinite(values),
        _("{column} is missing, not a number or infinite ({value})"),
        column=column,
        value=data[column].to_numpy(),
    )
    return values


def validate_summary(
    data: Any,
    *,
    monetary: bool = False,
    discrete: bool = False,
) -> dict[str, np.ndarray]:
    """Checked arrays ``frequency, recency, T, weight`` (and ``monetary_value``).

    Parameters
    ----------
    data : DataFrame
        Columns ``frequency`` (x, repeat purchases), ``recency`` (t_x), ``T`` (age),
        optional ``weight`` (customers with this pattern) and, with ``monetary``,
        ``monetary_value``; a ``customer_id`` column (or the index) names customers
        in error messages.
    monetary : bool, default=False
        Also read and check ``monetary_value``.
    discrete : bool, default=False
        Discrete opportunities (BG/BB): ``recency`` and ``T`` (the number of
        opportunities ``n``) must be whole numbers with ``frequency <= recency``.
    """
    required = ["frequency", "recency", "T"] + (["monetary_value"] if monetary else [])
    data = validate_columns(data, required)
    if len(data) == 0:
        raise InputError(_("the data hold no customers"))
    x = _numeric(data, "frequency")
    t_x = _numeric(data, "recency")
    T = _numeric(data, "T")
    _fail(data, x < 0, _("frequency {value} is negative"), value=x)
    _fail(data, x != np.round(x), _("frequency {value} is not a whole number"), value=x)
    _fail(data, t_x < 0, _("recency {value} is negative"), value=t_x)
    _fail(data, T < 0, _("age T {value} is negative"), value=T)
    _fail(
        data,
        t_x > T * (1 + 1e-12) + 1e-12,
        _("recency {recency} is greater than age T {age}"),
        recency=t_x,
        age=T,
    )
    if discrete:
        _fail(data, t_x != np.round(t_x), _("recency {value} is not a whole number"), value=t_x)
        _fail(data, T != np.round(T), _("T {value} is not a whole number"), value=T)
        _fail(
            data,
            x > t_x,
            _("frequency {frequency} is greater than recency {recency}"),
            frequency=x,
            recency=t_x,
        )
    else:
        _fail(
            data,
            (x == 0) & (t_x != 0),
            _("recency is {value} but frequency is 0 (no repeat purchase means recency 0)"),
            value=t_x,
        )
    out = {"frequency": x, "recency": np.minimum(t_x, T), "T": T}
    if "weight" in data.columns:
        weight = _numeric(data, "weight")
        _fail(data, weight <= 0, _("weight {value} is not positive"), value=weight)
        out["weight"] = weight
    else:
        out["weight"] = np.ones(len(data))
    if monetary:
        m = _numeric(data, "monetary_value")
        _fail(data, m < 0, _("monetary value {value} is negative"), value=m)
        out["monetary_value"] = m
    return out


def compress(columns: Mapping[str, np.ndarray], weight: np.ndarray) -> dict[str, np.ndarray]:
    """Merge rows with equal values in ``columns`` into one pattern whose weight is the sum.

    Fader and Hardie fit on the distinct (x, t_x, T) patterns with their counts; the
    likelihood is the same and the work shrinks with the number of patterns.
    """
    names = list(columns)
    key = np.zeros(len(weight), dtype=np.int64)
    for name in names:
        # Hash-factorize column by column and fold the codes into one integer key
        # (the product of the distinct counts stays far below 2**63 for real data).
        codes, values = pd.factorize(np.asarray(columns[name]), sort=False)
        key = key * len(values) + codes
    codes, keys = pd.factorize(key, sort=False)
    counts = np.bincount(codes, weights=weight, minlength=len(keys))
    # Recover each pattern's values from its first row.
    first_row = np.full(len(keys), -1, dtype=np.int64)
    first_row[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    out = {name: np.asarray(columns[name], dtype=float)[first_row] for name in names}
    out["weight"] = counts
    return out


def compress_if_repeated(
    columns: Mapping[str, np.ndarray], weight: np.ndarray, *, sample: int = 20_000
) -> dict[str, np.ndarray]:
    """:func:`compress` when rows repeat (dated data), else the rows as they are.

    With continuous times nearly every row is its own pattern and hashing a million
    rows costs more than it saves; a sample of the time columns tells which case holds.
    """
    n = len(weight)
    if n > 2 * sample:
        for name in list(columns)[1:]:
            head = np.asarray(columns[name])[:sample]
            if len(pd.unique(head)) > sample // 4:
                out = {name: np.asarray(v, dtype=float) for name, v in columns.items()}
                out["weight"] = np.asarray(weight, dtype=float)
                return out
    return compress(columns, weight)


# -- transactions → summaries ---------------------------------------------------------


def _as_day(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()
    raise InputError(_("not a date: {value!r}").format(value=value))


def summarize_transactions(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str | None = "amount",
    observation_end: Any = None,
    time_unit: str = "W",
    con: Any = None,
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T, monetary_value`` from a transaction table.

    Built on :func:`patron.analyze.features.btyd_statistics` (purchases on one day count
    once; recency and T in ``time_unit``), executed on DuckDB unless ``con`` names
    another Ibis backend.

    Parameters
    ----------
    transactions : DataFrame, pyarrow Table, ibis Table or path
        One row per purchase.
    customer_col, date_col, amount_col : str
        Column names in ``transactions``.
    observation_end : date, default=None
        Last day of the observation (calibration) period; ``None`` uses the last day.
    time_unit : {"W", "D", "M", "Y"}, default="W"
    con : ibis backend, default=None

    Returns
    -------
    pandas.DataFrame
        ``customer_id, frequency, recency, T, monetary_value, first_purchase,
        last_purchase`` sorted by ``customer_id``.
    """
    from patron.analyze.clv.summary_arrays import summarize_arrays

    end_day = None if observation_end is None else _as_day(observation_end)
    if con is None:
        # A table already in memory: the same numbers in a few array passes.
        fast = summarize_arrays(
            transactions,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            observation_end=end_day,
            time_unit=time_unit,
        )
        if fast is not None:
            return fast
    from patron.analyze import engine  # Ibis loads only when the engine is needed
    from patron.analyze.features import btyd_statistics

    backend = engine.connect(con)
    table = _read(transactions, date_col, backend)
    stats = btyd_statistics(
        table,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_end=end_day,
        time_unit=time_unit,
    )
    # Sorting in the engine is cheaper than sorting a million strings in pandas.
    frame = engine.to_pandas(stats.order_by("customer_id"), backend)
    frame["frequency"] = frame["frequency"].astype("int64")
    return frame


def calibration_and_holdout(
    transactions: Any,
    *,
    calibration_end: Any,
    holdout_end: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str | None = "amount",
    time_unit: str = "W",
    con: Any = None,
) -> pd.DataFrame:
    """Calibration summaries plus each customer's holdout purchases.

    Customers whose first purchase falls after ``calibration_end`` are left out (they
    were not in the customer base to be predicted). Holdout purchases are distinct
    purchase days in (``calibration_end``, ``holdout_end``].

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summarize_transactions` plus ``frequency_holdout``,
        ``monetary_value_holdout`` (mean spend per holdout purchase day, 0 without) and
        ``duration_holdout`` (length of the holdout in ``time_unit``).
    """
    import ibis

    from patron.analyze import engine
    from patron.analyze.features import as_day, cents
    from patron.core.vocabulary import unit_days

    backend = engine.connect(con)
    table = _read(transactions, date_col, backend)
    cal_end = _as_day(calibration_end)
    calibration = summarize_transactions(
        table,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_end=cal_end,
        time_unit=time_unit,
        con=backend,
    )
    day = as_day(table[date_col])
    # Whole cents: exact sums, whatever order the engine adds in.
    spend = cents(table[amount_col]) if amount_col else ibis.literal(0, type="int64")
    t = table.select(customer_id=table[customer_col].cast("string"), _day=day, _spend=spend)
    if holdout_end is None:
        end = _as_day(backend.execute(t._day.max()))
    else:
        end = _as_day(holdout_end)
    if end <= cal_end:
        raise InputError(
            _("holdout end {end} must come after the calibration end {start}").format(
                end=end, start=cal_end
            )
        )
    t = t.filter((t._day > ibis.literal(cal_end)) & (t._day <= ibis.literal(end)))
    daily = t.group_by(["customer_id", "_day"]).aggregate(_spend=t._spend.sum())
    holdout = daily.group_by("customer_id").aggregate(
        frequency_holdout=daily._day.count().cast("int64"),
        monetary_value_holdout=(daily._spend.sum().cast("float64") / daily._day.count() / 100.0),
    )
    hold = engine.to_pandas(holdout, backend)
    out = calibration.merge(hold, on="customer_id", how="left")
    out["frequency_holdout"] = out["frequency_holdout"].fillna(0).astype("int64")
    out["monetary_value_holdout"] = out["monetary_value_holdout"].fillna(0.0)
    out["duration_holdout"] = (end - cal_end).days / unit_days(time_unit)
    return out


def _read(transactions: Any, date_col: str, backend: Any) -> Any:
    """An Ibis table on ``backend``; string dates become dates."""
    from patron.analyze import engine

    table = engine.read_table(transactions, con=backend)
    if date_col in table.columns and table[date_col].type().is_string():
        table = table.mutate(**{date_col: table[date_col].cast("date")})
    return table


def _column(spec: str, columns: list[str], path: str) -> str:
    """A column by name or by 1-based position."""
    if spec in columns:
        return spec
    if spec.isdigit() and 1 <= int(spec) <= len(columns):
        return columns[int(spec) - 1]
    raise InputError(
        _("{path}: column {column} not found (columns: {columns}; positions count from 1)").format(
            path=path, column=spec, columns=", ".join(map(str, columns))
        )
    )


def read_transactions(
    path: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    date_format: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    status_col: str | None = None,
) -> pd.DataFrame:
    """A transaction file as ``customer_id, ordered_at[, amount][, status]``.

    Parameters
    ----------
    path : path
        CSV (``,`` ``;`` tab ``|``), whitespace-separated text (``.txt``, ``.dat``,
        or ``sep=" "``) or Parquet.
    customer_col, date_col, amount_col : str
        Column names, or 1-based positions for files without a header.
    date_format : str, default=None
        strftime format of the dates (``%Y%m%d`` for ``19970101``).
    header : bool, default=None
        Whether the first line names the columns (default: guessed — a file whose
        first line holds only numbers has none).
    sep : str, default=None
        Field separator; ``" "`` means any run of whitespace.
    status_col : str, default=None
        Order status column (name or position), kept as ``status`` so that the
        workspace's vocabulary can tell sales from returns; by default a column named
        ``status`` is kept when the file has one.
    """
    from pathlib import Path

    file = Path(path)
    if not file.exists():
        raise InputError(_("input file not found: {path}").format(path=file))
    name = file.name.lower()
    if name.endswith(".parquet"):
        frame = pd.read_parquet(file)
    else:
        import gzip

        opener = gzip.open if name.endswith(".gz") else open
        with opener(file, "rt", encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
        if sep is None:
            stripped = name.removesuffix(".gz")
            if stripped.endswith((".txt", ".dat")) and not any(c in first for c in ",;\t|"):
                sep = " "
            else:
                sep = max([",", ";", "\t", "|"], key=first.count)
        if header is None:
            fields = first.split() if sep == " " else first.split(sep)
            header = not all(_looks_numeric(f) for f in fields if f.strip())
        read_sep = r"\s+" if sep == " " else sep
        try:
            frame = pd.read_csv(
                file, sep=read_sep, header=0 if header else None, dtype=str, keep_default_na=False
            )
        except Exception as exc:
            raise InputError(
                _("cannot read {path}: {reason}").format(path=file, reason=exc)
            ) from exc
        if not header:
            frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    where = str(file)
    out = pd.DataFrame(
        {"customer_id": frame[_column(customer_col, columns, where)].astype(str).str.strip()}
    )
    raw_dates = frame[_column(date_col, columns, where)]
    dates = pd.to_datetime(
        raw_dates.astype(str).str.strip() if raw_dates.dtype == object else raw_dates,
        format=date_format,
        errors="coerce",
    )
    bad = dates.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            _("{path}, row {row}, column {column}: {value!r} is not a date{hint}").format(
                path=where,
                row=row + (2 if header else 1),
                column=date_col,
                value=raw_dates.iloc[row],
                hint="" if date_format else _(" (pass --date-format, e.g. %Y%m%d)"),
            )
        )
    out["ordered_at"] = dates.to_numpy()
    if amount_col:
        raw = frame[_column(amount_col, columns, where)]
        amount = pd.to_numeric(raw, errors="coerce")
        bad = amount.isna().to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise InputError(
                _("{path}, row {row}, column {column}: {value!r} is not a number").format(
                    path=where,
                    row=row + (2 if header else 1),
                    column=amount_col,
                    value=raw.iloc[row],
                )
            )
        out["amount"] = amount.to_numpy(dtype=float)
    if status_col is None and "status" in columns:
        status_col = "status"
    if status_col:
        raw = frame[_column(status_col, columns, where)]
        out["status"] = raw.astype("string").str.strip()
    return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text.strip().strip('"'))
    except ValueError:
        return False
    return True
