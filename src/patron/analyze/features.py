"""What each customer did: per-customer facts computed as pure Ibis expressions.

Every function here takes Ibis tables and returns an Ibis table; nothing opens a
connection or executes (see :mod:`patron.analyze.engine`), so the same code runs on
DuckDB and on PySpark. Output types are cast explicitly and money is rounded to cents
so that both engines return identical numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis import _

from patron.core.i18n import gettext
from patron.exceptions import InputError

#: Length of one time unit in days.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}


def unit_days(time_unit: str) -> float:
    """Days in ``time_unit`` ("D", "W", "M" or "Y")."""
    try:
        return TIME_UNITS[time_unit.upper()]
    except (KeyError, AttributeError):
        raise InputError(
            gettext("unknown time unit {unit!r}: use one of {choices}").format(
                unit=time_unit, choices=", ".join(TIME_UNITS)
            )
        ) from None


def require_columns(table: ir.Table, required: list[str] | tuple[str, ...], what: str) -> None:
    """Fail with the fixed message "Required column X missing" naming the input."""
    for column in required:
        if column not in table.columns:
            raise InputError(
                gettext("Required column {column!r} missing in {what} (columns: {columns})").format(
                    column=column, what=what, columns=", ".join(table.columns)
                )
            )


def as_day(value: ir.Value) -> ir.DateValue:
    """The calendar day of a timestamp or date column (UTC: engines are pinned to UTC)."""
    return value if value.type().is_date() else value.date()


def day_literal(value: Any) -> ir.DateScalar:
    """A date literal from ``date``, ``datetime``, ``pandas.Timestamp`` or ISO string."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return ibis.literal(value, type="date")


def money(value: ir.NumericValue) -> ir.FloatingValue:
    """Money rounded to cents as float64 (so engines agree before anything is binned)."""
    return value.cast("float64").round(2).cast("float64")


def btyd_statistics(
    transactions: ir.Table,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str | None = "amount",
    observation_end: Any = None,
    time_unit: str = "W",
) -> ir.Table:
    r"""The BTYD sufficient statistics per customer: frequency, recency, age, repeat spend.

    .. math::

        x = |\{\text{purchase days}\}| - 1, \quad
        t_x = \frac{d_\text{last} - d_\text{first}}{u}, \quad
        T = \frac{d_\text{end} - d_\text{first}}{u}, \quad
        \bar z = \frac{1}{x} \sum_{\text{repeat days}} \text{spend}

    Purchases on the same calendar day collapse into one purchase (their amounts add up),
    as in Fader, Hardie & Lee (2005) and ``lifetimes.utils.summary_data_from_transaction_data``.

    Parameters
    ----------
    transactions : ibis Table
        One row per purchase.
    customer_col, date_col : str
        Customer key and purchase timestamp (or date).
    amount_col : str or None, default="amount"
        Spend per purchase; ``None`` leaves ``monetary_value`` null.
    observation_end : date, default=None
        End of the observation period; purchases after it are ignored. ``None`` uses the
        last purchase day in the data.
    time_unit : {"W", "D", "M", "Y"}, default="W"
        Unit of ``recency`` and ``T`` (weeks = days / 7).

    Returns
    -------
    ibis Table
        ``customer_id, frequency, recency, T, monetary_value, first_purchase,
        last_purchase`` (``frequency`` int64, the rest float64, dates as date).

    References
    ----------
    .. [1] Fader, Hardie & Lee (2005), "Counting your customers" the easy way,
       Marketing Science 24(2).
    """
    required = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, required, "transactions")
    days = unit_days(time_unit)
    t = transactions
    day = as_day(t[date_col])
    spend = t[amount_col].cast("float64") if amount_col else ibis.literal(0.0, type="float64")
    t = t.select(customer_id=t[customer_col].cast("string"), _day=day, _spend=spend)
    if observation_end is not None:
        end = day_literal(observation_end)
        t = t.filter(t._day <= end)
    else:
        end = t._day.max()
    daily = t.group_by(["customer_id", "_day"]).aggregate(_spend=_._spend.sum())
    per = daily.group_by("customer_id").aggregate(
        first_purchase=_._day.min(),
        last_purchase=_._day.max(),
        _n=_._day.count(),
        _total=_._spend.sum(),
        _first_spend=_._spend.argmin(_._day),
    )
    frequency = (per._n - 1).cast("int64")
    recency = per.last_purchase.delta(per.first_purchase, unit="day").cast("float64") / days
    age = end.delta(per.first_purchase, unit="day").cast("float64") / days
    if amount_col:
        monetary = ibis.ifelse(
            frequency > 0,
            (per._total - per._first_spend) / frequency.cast("float64"),
            0.0,
        ).cast("float64")
    else:
        monetary = ibis.null("float64")
    return per.select(
        customer_id=per.customer_id,
        frequency=frequency,
        recency=recency.cast("float64"),
        T=age.cast("float64"),
        monetary_value=monetary,
        first_purchase=per.first_purchase,
        last_purchase=per.last_purchase,
    )
