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
from patron.core.vocabulary import DEFAULT_VOCABULARY, Vocabulary, unit_days
from patron.exceptions import InputError


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
    if isinstance(value, ir.Value):
        return value
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return ibis.literal(value, type="date")


def cents(value: ir.NumericValue) -> ir.IntegerValue:
    """Money as whole cents (int64), rounded half away from zero.

    ``round(x * 100)`` rounds the same IEEE double on every engine, whereas
    ``round(x, 2)`` is decimal rounding on Spark and binary on DuckDB: they differ on
    amounts such as 36.425.
    """
    return (value.cast("float64") * 100).round().cast("int64")


def money(value: ir.NumericValue) -> ir.FloatingValue:
    """Money rounded to cents as float64 (so engines agree before anything is binned)."""
    return from_cents(value.cast("float64") * 100)


def from_cents(value: ir.NumericValue) -> ir.FloatingValue:
    """An amount in cents (integer, or a float to round to whole cents) as float64 money."""
    if not value.type().is_integer():
        value = value.cast("float64").round().cast("int64")
    return (value.cast("float64") / 100.0).cast("float64")


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
        Spend per purchase; ``None`` leaves ``monetary_value`` null. Spend is summed in
        whole cents and ``monetary_value`` rounded to cents (as in
        :func:`customer_features`).
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
    # Whole cents, as in customer_features: integer sums are exact, so the result does not
    # depend on the order an engine adds in, and the spend equals the features' to the bit.
    spend = cents(t[amount_col]) if amount_col else ibis.literal(0, type="int64")
    t = t.select(customer_id=t[customer_col].cast("string"), _day=day, _spend=spend)
    if observation_end is not None:
        end = day_literal(observation_end)
        t = t.filter(t._day <= end)
    daily = t.group_by(["customer_id", "_day"]).aggregate(_spend=_._spend.sum().cast("float64"))
    stats = _btyd_from_daily(
        daily,
        end=day_literal(observation_end) if observation_end is not None else None,
        days=days,
        with_money=amount_col is not None,
    )
    if amount_col is None:
        return stats
    return stats.mutate(monetary_value=from_cents(stats.monetary_value))


def _btyd_from_daily(
    daily: ir.Table, *, end: ir.DateValue | None, days: float, with_money: bool
) -> ir.Table:
    """BTYD statistics from one row per customer and purchase day (``_day``, ``_spend``)."""
    per = purchase_days_per_customer(daily)
    if end is None:
        # A one-row table joined on, not a scalar subquery: Ibis would otherwise
        # dereference max(day) to each customer's own last_purchase.
        per = per.cross_join(daily.aggregate(_end=daily._day.max()))
        end = per._end
    return btyd_from_purchase_days(per, end=end, days=days, with_money=with_money)


def purchase_days_per_customer(daily: ir.Table) -> ir.Table:
    """First and last purchase day, number of purchase days, total and first-day spend.

    ``daily`` holds one row per customer and purchase day (``_day``, ``_spend``); the
    result feeds :func:`btyd_from_purchase_days` (the customer state stores it).
    """
    return daily.group_by("customer_id").aggregate(
        first_purchase=_._day.min(),
        last_purchase=_._day.max(),
        _n=_._day.count(),
        _total=_._spend.sum(),
        _first_spend=_._spend.argmin(_._day),
    )


def btyd_from_purchase_days(
    per: ir.Table,
    *,
    end: ir.DateValue,
    days: float,
    with_money: bool,
    keep: tuple[str, ...] = (),
) -> ir.Table:
    """BTYD statistics from :func:`purchase_days_per_customer`'s columns and the end day
    (``keep`` names further columns of ``per`` carried along)."""
    frequency = (per._n - 1).cast("int64")
    recency = per.last_purchase.delta(per.first_purchase, unit="day").cast("float64") / days
    age = end.delta(per.first_purchase, unit="day").cast("float64") / days
    if with_money:
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
        **{name: per[name] for name in keep},
    )


def _concentration(orders: ir.Table, column: str, prefix: str) -> ir.Table:
    """Per customer: distinct values of ``column``, top value's share and HHI of order counts."""
    # Group first, drop the null group after: the orders stay a shared, unfiltered input.
    counts = orders.group_by(["customer_id", column]).aggregate(_k=orders.count())
    return concentration_of(counts.filter(counts[column].notnull()), column, prefix)


def concentration_of(counts: ir.Table, column: str, prefix: str) -> ir.Table:
    """Per customer from ``customer_id, <column>, _k`` (orders per non-null value): the
    number of values, the top value's count, the sum of squared counts and the total."""
    return counts.group_by("customer_id").aggregate(
        **{
            f"{prefix}s": _[column].count().cast("int64"),
            f"_{prefix}_top": _._k.max(),
            f"_{prefix}_sq": (_._k * _._k).sum(),
            f"_{prefix}_n": _._k.sum(),
        }
    )


def order_facts(
    orders: ir.Table,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> ir.Table:
    """Each order as the features count it: customer, day, money in whole cents, return flag.

    ``customer_id, _day, _amount`` and, when the input has them, ``_cost, _discount``
    (missing values count 0), ``_returned`` (not a sale by ``vocabulary``), ``channel``,
    ``location``. :func:`customer_features` and the customer state both start here.
    """
    require_columns(orders, [customer_col, date_col, amount_col], "orders")
    cols = orders.columns
    o = orders
    has_cost, has_discount, has_returns = "cost" in cols, "discount" in cols, "status" in cols
    cid = o[customer_col] if o[customer_col].type().is_string() else o[customer_col].cast("string")
    return o.select(
        customer_id=cid,
        _day=as_day(o[date_col]),
        # Whole cents from here on: integer sums are exact and engine-independent.
        _amount=cents(o[amount_col]),
        **({"_cost": cents(o["cost"].cast("float64").fill_null(0.0))} if has_cost else {}),
        **(
            {"_discount": cents(o["discount"].cast("float64").fill_null(0.0))}
            if has_discount
            else {}
        ),
        **({"_returned": ~vocabulary.is_sale(o["status"])} if has_returns else {}),
        **({"channel": o["channel"]} if "channel" in cols else {}),
        **({"location": o["location"]} if "location" in cols else {}),
    )


def customer_features(
    orders: ir.Table,
    *,
    order_lines: ir.Table | None = None,
    complaints: ir.Table | None = None,
    interactions: ir.Table | None = None,
    as_of: Any = None,
    time_unit: str = "W",
    cost_per_complaint: float = 0.0,
    cost_per_service_interaction: float = 0.0,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> ir.Table:
    r"""Everything a customer did, one row per customer who bought on or before ``as_of``.

    .. math::

        \text{gross margin} = \sum_\text{kept orders} (\text{amount} - \text{cost} -
        \text{discount}) - \sum_\text{returned orders} (\text{cost} + \text{discount})
        - c_\text{complaint} n_\text{complaints} - c_\text{service} n_\text{service}

    Parameters
    ----------
    orders : ibis Table
        ``customer_id, ordered_at, amount`` and optionally ``cost, discount, channel,
        location, status``. An order whose status is not a sale by ``vocabulary`` is a
        return: no revenue, no purchase, its cost is a cost of the return.
    order_lines : ibis Table, default=None
        ``customer_id, category`` (and ``ordered_at``) for category breadth.
    complaints : ibis Table, default=None
        ``customer_id, opened_at``; each costs ``cost_per_complaint``.
    interactions : ibis Table, default=None
        ``customer_id, occurred_at, is_service``; each service interaction costs
        ``cost_per_service_interaction``.
    as_of : date, default=None
        Facts as known at the end of this day (default: the last purchase day).
    time_unit : {"W", "D", "M", "Y"}, default="W"
        Unit of the BTYD columns ``recency`` and ``T``.
    cost_per_complaint, cost_per_service_interaction : float, default=0.0
        Cost-to-serve (workspace settings ``analytics.cost_per_complaint`` and
        ``analytics.cost_per_service_interaction``).
    vocabulary : Vocabulary
        What a sale is (the workspace's ``[vocabulary]``).

    Returns
    -------
    ibis Table
        ``customer_id, first_purchase, last_purchase, orders, purchase_days, frequency,
        recency, T, days_since_last, tenure_days, mean_interpurchase_days, revenue,
        avg_order_value, monetary_value, cost, discount, discount_share, returns,
        returned_value, returns_cost, complaints, service_interactions, service_cost, gross_margin,
        channels, channel_top_share, channel_hhi, locations, location_top_share,
        location_hhi, categories``. Money is float64 rounded to cents.
    """
    days = unit_days(time_unit)
    o = order_facts(
        orders,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        vocabulary=vocabulary,
    )
    has_cost, has_discount, has_returns = (
        c in o.columns for c in ("_cost", "_discount", "_returned")
    )
    if as_of is not None:
        o = o.filter(o._day <= day_literal(as_of))
        bounds = None
    else:
        bounds = o.aggregate(_end=o._day.max())
    # Every aggregate below groups ``o`` itself (no further projection or filter), so
    # the engine computes the converted orders once and shares them (one CTE), as a
    # hand-written query would; only the aggregates the input can feed are built.
    kept = ~o._returned if has_returns else None
    aggs: dict[str, Any] = {"orders": o.count(where=kept) if has_returns else o.count()}
    aggs["_gross"] = o._amount.sum()
    if has_cost:
        aggs["cost"] = o._cost.sum()
    if has_discount:
        aggs["discount"] = o._discount.sum()
    if has_returns:
        aggs.update(
            revenue=o._amount.sum(where=kept),
            _kept_orders=o.count(where=kept),
            returns=o.count(where=o._returned),
            returned_value=o._amount.sum(where=o._returned),
        )
        if has_cost:
            aggs["_kept_cost"] = o._cost.sum(where=kept)
    per = o.group_by("customer_id").aggregate(**aggs)
    zero = ibis.literal(0, type="int64")
    per = per.mutate(**{k: zero for k in ("cost", "discount") if k not in aggs})
    if not has_returns:
        per = per.mutate(
            revenue=per._gross,
            _kept_orders=per.orders,
            _kept_cost=per.cost,
            returns=zero,
            returned_value=zero,
        )
    elif not has_cost:
        per = per.mutate(_kept_cost=zero)
    # Only sales are purchases (timing and money); a return is counted, costed, not bought.
    sold = o.filter(kept) if has_returns else o
    daily = sold.group_by(["customer_id", "_day"]).aggregate(
        _spend=sold._amount.sum().cast("float64")
    )
    btyd = _btyd_from_daily(
        daily,
        end=day_literal(as_of) if as_of is not None else None,
        days=days,
        with_money=True,
    )
    btyd = btyd.select(
        "customer_id",
        "frequency",
        "recency",
        "monetary_value",
        "first_purchase",
        "last_purchase",
        purchase_days=btyd.frequency + 1,
    )
    # A customer whose every order was a return never bought: not in the table.
    table = per.inner_join(btyd, "customer_id")

    table = attach_contacts(table, complaints, interactions, as_of=as_of)
    for column, prefix in (("channel", "channel"), ("location", "location")):
        if column in o.columns:
            conc = _concentration(o, column, prefix)
            table = table.left_join(conc, "customer_id").drop("customer_id_right")
        else:
            table = table.mutate(
                **{
                    f"{prefix}s": ibis.literal(0, type="int64"),
                    f"_{prefix}_top": ibis.null("int64"),
                    f"_{prefix}_sq": ibis.null("int64"),
                    f"_{prefix}_n": ibis.null("int64"),
                }
            )
    if order_lines is not None and "category" in order_lines.columns:
        require_columns(order_lines, ["customer_id"], "order lines")
        lines = order_lines
        if as_of is not None and "ordered_at" in lines.columns:
            lines = lines.filter(as_day(lines.ordered_at) <= day_literal(as_of))
        cats = lines.group_by(customer_id=lines.customer_id.cast("string")).aggregate(
            categories=_.category.nunique()
        )
        table = table.left_join(cats, "customer_id").drop("customer_id_right")
    else:
        table = table.mutate(categories=ibis.literal(0, type="int64"))

    if bounds is None:
        t, end = table, day_literal(as_of)
    else:
        # A one-row table joined on, not a scalar subquery: Ibis would otherwise
        # dereference max(day) to each customer's own last_purchase.
        t = table.cross_join(bounds)
        end = t._end
    return finish_features(
        t,
        end=end,
        days=days,
        cost_per_complaint=cost_per_complaint,
        cost_per_service_interaction=cost_per_service_interaction,
    )


def attach_contacts(
    table: ir.Table, complaints: ir.Table | None, interactions: ir.Table | None, *, as_of: Any
) -> ir.Table:
    """``table`` (one row per customer) with ``complaints`` and ``service_interactions``
    counted up to ``as_of`` (``None``: all of them)."""
    if complaints is not None:
        require_columns(complaints, ["customer_id"], "complaints")
        c = complaints
        if as_of is not None and "opened_at" in c.columns:
            c = c.filter(as_day(c.opened_at) <= day_literal(as_of))
        c = c.group_by(customer_id=c.customer_id.cast("string")).aggregate(complaints=_.count())
        table = table.left_join(c, "customer_id").drop("customer_id_right")
    else:
        table = table.mutate(complaints=ibis.literal(0, type="int64"))
    if interactions is not None:
        require_columns(interactions, ["customer_id"], "interactions")
        i = interactions
        if as_of is not None and "occurred_at" in i.columns:
            i = i.filter(as_day(i.occurred_at) <= day_literal(as_of))
        service = i.is_service.fill_null(False) if "is_service" in i.columns else ibis.literal(True)
        i = i.select(customer_id=i.customer_id.cast("string"), _service=service)
        i = i.group_by("customer_id").aggregate(service_interactions=_.count(where=_._service))
        table = table.left_join(i, "customer_id").drop("customer_id_right")
    else:
        table = table.mutate(service_interactions=ibis.literal(0, type="int64"))
    return table


def finish_features(
    t: ir.Table,
    *,
    end: ir.DateValue,
    days: float,
    cost_per_complaint: float,
    cost_per_service_interaction: float,
) -> ir.Table:
    """The published feature columns from per-customer sums (cents) and the end day.

    Shared by :func:`customer_features` and the customer state
    (:mod:`patron.analyze.customer_state`), so both publish the same numbers.
    """
    n_complaints = t.complaints.fill_null(0).cast("int64")
    n_service = t.service_interactions.fill_null(0).cast("int64")
    service_cost = cents(
        n_complaints.cast("float64") * float(cost_per_complaint)
        + n_service.cast("float64") * float(cost_per_service_interaction)
    )
    revenue = t.revenue.fill_null(0)
    margin = revenue - t.cost - t.discount - service_cost
    interpurchase = ibis.ifelse(
        t.frequency > 0,
        t.last_purchase.delta(t.first_purchase, unit="day").cast("float64")
        / t.frequency.cast("float64"),
        ibis.null("float64"),
    )

    def share(top: ir.Value, n: ir.Value) -> ir.Value:
        return ibis.ifelse(n > 0, top.cast("float64") / n.cast("float64"), ibis.null("float64"))

    return t.select(
        customer_id=t.customer_id,
        first_purchase=t.first_purchase,
        last_purchase=t.last_purchase,
        orders=t.orders.cast("int64"),
        purchase_days=t.purchase_days.cast("int64"),
        frequency=t.frequency.fill_null(0).cast("int64"),
        recency=t.recency.fill_null(0.0).cast("float64"),
        T=(end.delta(t.first_purchase, unit="day").cast("float64") / days).cast("float64"),
        days_since_last=end.delta(t.last_purchase, unit="day").cast("int64"),
        tenure_days=end.delta(t.first_purchase, unit="day").cast("int64"),
        mean_interpurchase_days=interpurchase.cast("float64"),
        revenue=from_cents(revenue),
        avg_order_value=from_cents(
            ibis.ifelse(
                t._kept_orders > 0,
                revenue.cast("float64") / t._kept_orders.cast("float64"),
                0.0,
            )
        ),
        monetary_value=from_cents(t.monetary_value.fill_null(0.0)),
        cost=from_cents(t.cost),
        discount=from_cents(t.discount),
        discount_share=ibis.ifelse(t._gross > 0, (t.discount / t._gross).cast("float64"), 0.0).cast(
            "float64"
        ),
        returns=t.returns.cast("int64"),
        returned_value=from_cents(t.returned_value.fill_null(0)),
        returns_cost=from_cents(t.cost - t._kept_cost.fill_null(0)),
        complaints=n_complaints,
        service_interactions=n_service,
        service_cost=from_cents(service_cost),
        gross_margin=from_cents(margin),
        channels=t.channels.fill_null(0).cast("int64"),
        channel_top_share=share(t._channel_top, t._channel_n),
        channel_hhi=share(t._channel_sq, t._channel_n * t._channel_n),
        locations=t.locations.fill_null(0).cast("int64"),
        location_top_share=share(t._location_top, t._location_n),
        location_hhi=share(t._location_sq, t._location_n * t._location_n),
        categories=t.categories.fill_null(0).cast("int64"),
    )
