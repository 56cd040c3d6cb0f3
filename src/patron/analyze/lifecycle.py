"""Where each customer stands in the lifecycle, how stages move, and how cohorts retain.

Stages (DOMAIN.md §4): prospect → new → repeat → loyal → at risk → lapsed, plus won back.
The rules are plain, configurable and documented in ``docs/analytics.md``; the key one is
that a customer is *at risk* when the silence since the last purchase is long against
the customer's own buying rhythm, not against a single company-wide number.
All functions return Ibis expressions (no execution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis import _

from patron.analyze.features import as_day, day_literal, require_columns
from patron.core.i18n import N_, gettext
from patron.core.workspace import rules_from_settings
from patron.exceptions import InputError

#: Stages in funnel order, with display names.
STAGES: dict[str, str] = {
    "prospect": N_("prospect"),
    "new": N_("new"),
    "repeat": N_("repeat"),
    "loyal": N_("loyal"),
    "won_back": N_("won back"),
    "at_risk": N_("at risk"),
    "lapsed": N_("lapsed"),
}


@dataclass(frozen=True)
class LifecycleRules:
    """The thresholds behind the stages (workspace settings section ``lifecycle``).

    Attributes
    ----------
    default_gap_days : float, default=90
        Buying rhythm assumed for a customer with one purchase.
    at_risk_factor : float, default=2.0
        At risk when the silence exceeds this many times the customer's rhythm …
    min_at_risk_days : float, default=30
        … and is longer than this many days.
    lapsed_factor : float, default=4.0
        Lapsed (churned) when the silence exceeds this many times the rhythm …
    min_lapsed_days : float, default=90
        … and is longer than this many days;
    lapsed_after_days : float, default=730
        or, whatever the rhythm, when the silence exceeds this many days.
    loyal_min_purchases : int, default=4
        Loyal needs at least this many distinct purchase days …
    loyal_min_tenure_days : float, default=180
        … over at least this many days since the first purchase.
    """

    default_gap_days: float = 90.0
    at_risk_factor: float = 2.0
    min_at_risk_days: float = 30.0
    lapsed_factor: float = 4.0
    min_lapsed_days: float = 90.0
    lapsed_after_days: float = 730.0
    loyal_min_purchases: int = 4
    loyal_min_tenure_days: float = 180.0

    @classmethod
    def from_workspace(cls, workspace: Any) -> LifecycleRules:
        """Rules from the workspace's ``[lifecycle]`` settings (defaults for the rest)."""
        return rules_from_settings(cls, workspace, "lifecycle")


def _lapse_threshold(rhythm: ir.FloatingValue, rules: LifecycleRules) -> ir.FloatingValue:
    return ibis.least(
        ibis.greatest(rhythm * rules.lapsed_factor, ibis.literal(rules.min_lapsed_days)),
        ibis.literal(rules.lapsed_after_days),
    )


def stage_at(
    orders: ir.Table,
    as_of: Any,
    *,
    customers: ir.Table | None = None,
    rules: LifecycleRules | None = None,
    date_col: str = "ordered_at",
) -> ir.Table:
    """The lifecycle stage of every customer at the end of day ``as_of``.

    Rules, first match wins (``s`` silence in days, ``g`` the customer's rhythm: mean
    days between purchase days, or ``default_gap_days`` after one purchase):

    1. **prospect** — known (in ``customers``, acquired by ``as_of``) but no purchase yet;
    2. **lapsed** — ``s > min(max(lapsed_factor·g, min_lapsed_days), lapsed_after_days)``;
    3. **at risk** — ``s > max(at_risk_factor·g, min_at_risk_days)``;
    4. **won back** — the gap before the latest purchase was itself a lapse (by the same
       rule, with the rhythm before that gap);
    5. **loyal** — at least ``loyal_min_purchases`` purchase days over at least
       ``loyal_min_tenure_days``;
    6. **repeat** — two or more purchase days;
    7. **new** — one purchase day.

    Returns
    -------
    ibis Table
        ``customer_id, stage, purchases, first_purchase, last_purchase, silence_days,
        rhythm_days, at_risk_after_days, lapsed_after_days``.
    """
    rules = rules or LifecycleRules()
    require_columns(orders, ["customer_id", date_col], "orders")
    end = day_literal(as_of)
    o = orders.select(customer_id=orders.customer_id.cast("string"), _day=as_day(orders[date_col]))
    o = o.filter(o._day <= end).distinct()
    o = o.mutate(_prev=o._day.lag().over(group_by=o.customer_id, order_by=o._day))
    per = o.group_by("customer_id").aggregate(
        first_purchase=_._day.min(),
        last_purchase=_._day.max(),
        purchases=_._day.count().cast("int64"),
        _prev=_._prev.argmax(_._day),
    )
    n = per.purchases
    span = per.last_purchase.delta(per.first_purchase, unit="day").cast("float64")
    rhythm = ibis.ifelse(n >= 2, span / (n - 1).cast("float64"), rules.default_gap_days)
    silence = end.delta(per.last_purchase, unit="day").cast("float64")
    at_risk_after = ibis.greatest(
        rhythm * rules.at_risk_factor, ibis.literal(rules.min_at_risk_days)
    )
    lapsed_after = _lapse_threshold(rhythm, rules)
    # The rhythm before the latest gap, and whether that gap was a lapse.
    before_span = per._prev.delta(per.first_purchase, unit="day").cast("float64")
    rhythm_before = ibis.ifelse(
        n >= 3, before_span / (n - 2).cast("float64"), rules.default_gap_days
    )
    last_gap = per.last_purchase.delta(per._prev, unit="day").cast("float64")
    won_back = (n >= 2) & (last_gap > _lapse_threshold(rhythm_before, rules))
    tenure = span
    stage = ibis.cases(
        (silence > lapsed_after, "lapsed"),
        (silence > at_risk_after, "at_risk"),
        (won_back, "won_back"),
        (
            (n >= rules.loyal_min_purchases) & (tenure >= rules.loyal_min_tenure_days),
            "loyal",
        ),
        (n >= 2, "repeat"),
        else_="new",
    )
    out = per.select(
        "customer_id",
        stage=stage,
        purchases=n,
        first_purchase=per.first_purchase,
        last_purchase=per.last_purchase,
        silence_days=silence.cast("int64"),
        rhythm_days=rhythm.cast("float64"),
        at_risk_after_days=at_risk_after.cast("float64"),
        lapsed_after_days=lapsed_after.cast("float64"),
    )
    if customers is None:
        return out
    require_columns(customers, ["customer_id"], "customers")
    known = customers
    for column in ("acquired_at", "created_at"):
        if column in known.columns:
            known = known.filter(known[column].isnull() | (as_day(known[column]) <= end))
            break
    known = known.select(customer_id=known.customer_id.cast("string")).distinct()
    prospects = known.anti_join(out, "customer_id").select(
        "customer_id",
        stage=ibis.literal("prospect"),
        purchases=ibis.literal(0, type="int64"),
        first_purchase=ibis.null("date"),
        last_purchase=ibis.null("date"),
        silence_days=ibis.null("int64"),
        rhythm_days=ibis.null("float64"),
        at_risk_after_days=ibis.null("float64"),
        lapsed_after_days=ibis.null("float64"),
    )
    return out.union(prospects)


def stage_counts(stages: ir.Table) -> ir.Table:
    """Customers per stage (the funnel)."""
    return stages.group_by("stage").aggregate(customers=_.count().cast("int64"))


def transition_matrix(
    orders: ir.Table,
    start: Any,
    end: Any,
    *,
    customers: ir.Table | None = None,
    rules: LifecycleRules | None = None,
) -> ir.Table:
    """How many customers moved from each stage at ``start`` to each stage at ``end``.

    Customers not yet known at ``start`` count as prospects there. Returns
    ``from_stage, to_stage, customers``.
    """
    before = stage_at(orders, start, customers=customers, rules=rules).select(
        "customer_id", from_stage="stage"
    )
    after = stage_at(orders, end, customers=customers, rules=rules).select(
        "customer_id", to_stage="stage"
    )
    joined = after.left_join(before, "customer_id")
    joined = joined.select(
        from_stage=joined.from_stage.fill_null("prospect"), to_stage=joined.to_stage
    )
    return joined.group_by(["from_stage", "to_stage"]).aggregate(customers=_.count().cast("int64"))


_PERIOD_TRUNC = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}


def _period_index(day: ir.DateValue, first: ir.DateValue, unit: str) -> ir.IntegerValue:
    if unit == "D":
        return day.delta(first, unit="day")
    if unit == "W":
        return day.truncate("W").delta(first.truncate("W"), unit="day") // 7
    months = (day.year() - first.year()) * 12 + (day.month() - first.month())
    if unit == "M":
        return months
    if unit == "Q":
        return (day.year() * 4 + (day.month() - 1) // 3) - (
            first.year() * 4 + (first.month() - 1) // 3
        )
    return day.year() - first.year()


def cohort_retention(
    orders: ir.Table,
    *,
    period: str = "M",
    as_of: Any = None,
    date_col: str = "ordered_at",
) -> ir.Table:
    """Acquisition-cohort retention: share of each cohort buying in each period since.

    The cohort is the calendar period (``D``, ``W`` from Monday, ``M``, ``Q`` or ``Y``) of a
    customer's first purchase; period 0 is that period, so its retention is 1.

    Returns
    -------
    ibis Table
        ``cohort`` (date: start of the period), ``period`` (0, 1, …), ``cohort_size``,
        ``active`` (customers buying in that period), ``retention`` (active / size).
    """
    unit = period.upper()
    if unit not in _PERIOD_TRUNC:
        raise InputError(
            gettext("unknown period {unit!r}: use one of {choices}").format(
                unit=period, choices=", ".join(_PERIOD_TRUNC)
            )
        )
    require_columns(orders, ["customer_id", date_col], "orders")
    o = orders.select(customer_id=orders.customer_id.cast("string"), _day=as_day(orders[date_col]))
    if as_of is not None:
        o = o.filter(o._day <= day_literal(as_of))
    o = o.distinct()
    first = o.group_by("customer_id").aggregate(_first=_._day.min())
    first = first.mutate(cohort=first._first.truncate(_PERIOD_TRUNC[unit]).cast("date"))
    sizes = first.group_by("cohort").aggregate(cohort_size=_.count().cast("int64"))
    joined = o.join(first, "customer_id")
    joined = joined.mutate(period=_period_index(joined._day, joined._first, unit).cast("int64"))
    active = joined.group_by(["cohort", "period"]).aggregate(
        active=_.customer_id.nunique().cast("int64")
    )
    out = active.join(sizes, "cohort")
    return out.select(
        "cohort",
        "period",
        "cohort_size",
        "active",
        retention=(out.active.cast("float64") / out.cohort_size.cast("float64")).cast("float64"),
    ).order_by(["cohort", "period"])
