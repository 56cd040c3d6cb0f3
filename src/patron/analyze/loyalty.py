"""How loyal the base is: the five loyalty measures per period and a loyalty type per customer.

The five measures (DOMAIN.md §3, seed 004 §4): retention, repeat purchases, share of
wallet, new customers gained, satisfaction and recommendation (NPS). Loyalty types come
from attachment (survey) × repeat purchase (behaviour): premium, inertia, convenience,
incentive, price, latent and monopoly — each label carries its reason in words.
Expressions are pure Ibis; only ``explain_loyalty`` works on an executed pandas frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from patron.analyze.features import as_day, day_literal, require_columns
from patron.core.i18n import N_, gettext
from patron.core.vocabulary import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from patron.core.workspace import rules_from_settings
from patron.exceptions import InputError

LOYALTY_TYPES: dict[str, str] = {
    "premium": N_("premium"),
    "inertia": N_("inertia"),
    "convenience": N_("convenience"),
    "incentive": N_("incentive"),
    "price": N_("price"),
    "latent": N_("latent"),
    "monopoly": N_("monopoly"),
    "none": N_("too little to tell"),
}

PERIODS = ("M", "Q", "Y")


def _period_key(day: ir.DateValue, unit: str) -> ir.IntegerValue:
    """A consecutive integer per calendar period (so "previous period" is key − 1)."""
    if unit == "M":
        return (day.year() * 12 + day.month() - 1).cast("int64")
    if unit == "Q":
        return (day.year() * 4 + (day.month() - 1) // 3).cast("int64")
    return day.year().cast("int64")


def _check_period(period: str) -> str:
    unit = period.upper()
    if unit not in PERIODS:
        raise InputError(
            gettext("unknown period {unit!r}: use one of {choices}").format(
                unit=period, choices=", ".join(PERIODS)
            )
        )
    return unit


def _survey_items(responses: ir.Table) -> ir.Table:
    """Responses with a ``kind``: satisfaction, nps, share_of_wallet, loyalty or other."""
    require_columns(responses, ["customer_id", "item_code", "value"], "survey responses")
    code = responses.item_code.upper()
    construct = (
        responses.construct.lower()
        if "construct" in responses.columns
        else ibis.literal("", type="string")
    )
    kind = ibis.cases(
        (code == "NPS", "nps"),
        (
            (construct == "share_of_wallet") | code.isin(["SOW", "SHARE_OF_WALLET"]),
            "share_of_wallet",
        ),
        (
            (construct == "satisfaction") | code.startswith("SAT") | code.startswith("CUSA"),
            "satisfaction",
        ),
        ((construct == "loyalty") | code.startswith("CL") | code.startswith("CUSL"), "loyalty"),
        else_="other",
    )
    return responses.mutate(kind=kind, value=responses.value.cast("float64"))


def scorecard(
    orders: ir.Table,
    *,
    responses: ir.Table | None = None,
    period: str = "Q",
    as_of: Any = None,
    scale: tuple[float, float] = (1.0, 10.0),
    date_col: str = "ordered_at",
) -> ir.Table:
    """The five loyalty measures for each calendar period (``M``, ``Q`` or ``Y``).

    Returns one row per period with ``period_start`` (date), ``active``, ``new_customers``
    (measure 4), ``retained`` and ``retention`` (share of the previous period's buyers who
    bought again; measure 1), ``purchases`` (purchase days), ``repeat_purchases`` and
    ``repeat_share`` (purchase days that were not a first purchase; measure 2),
    ``share_of_wallet`` (mean survey answer in %, measure 3), ``satisfaction`` (0–100 on
    ``scale``), ``nps`` (% promoters − % detractors) and ``responses`` (measure 5). Survey
    columns are null without survey data.
    """
    unit = _check_period(period)
    require_columns(orders, ["customer_id", date_col], "orders")
    o = orders.select(customer_id=orders.customer_id.cast("string"), _day=as_day(orders[date_col]))
    if as_of is not None:
        o = o.filter(o._day <= day_literal(as_of))
    o = o.distinct()
    first = o.group_by("customer_id").aggregate(_first=_._day.min())
    o = o.join(first, "customer_id")
    o = o.mutate(_key=_period_key(o._day, unit), _start=o._day.truncate(unit).cast("date"))
    per = o.group_by(["_key", "_start"]).aggregate(
        active=_.customer_id.nunique().cast("int64"),
        new_customers=_.customer_id.nunique(where=_._day == _._first).cast("int64"),
        purchases=_.count().cast("int64"),
    )
    buyers = o.select("customer_id", "_key").distinct()
    previous = buyers.select("customer_id", _key=buyers._key + 1)
    retained = (
        buyers.join(previous, ["customer_id", "_key"])
        .group_by("_key")
        .aggregate(retained=_.count().cast("int64"))
    )
    prev_active = per.select(_key=per._key + 1, _prev_active=per.active)
    out = per.left_join(retained, "_key").drop("_key_right")
    out = out.left_join(prev_active, "_key").drop("_key_right")
    repeat = out.purchases - out.new_customers
    out = out.select(
        "_key",
        period_start=out._start,
        active=out.active,
        new_customers=out.new_customers,
        retained=out.retained.fill_null(0).cast("int64"),
        retention=ibis.ifelse(
            out._prev_active > 0,
            out.retained.fill_null(0).cast("float64") / out._prev_active.cast("float64"),
            ibis.null("float64"),
        ).cast("float64"),
        purchases=out.purchases,
        repeat_purchases=repeat.cast("int64"),
        repeat_share=(repeat.cast("float64") / out.purchases.cast("float64")).cast("float64"),
    )
    if responses is None or "responded_at" not in responses.columns:
        return (
            out.mutate(
                share_of_wallet=ibis.null("float64"),
                satisfaction=ibis.null("float64"),
                nps=ibis.null("float64"),
                responses=ibis.literal(0, type="int64"),
            )
            .drop("_key")
            .order_by("period_start")
        )
    low, high = scale
    r = _survey_items(responses)
    r = r.mutate(_day=as_day(r.responded_at))
    if as_of is not None:
        r = r.filter(r._day <= day_literal(as_of))
    r = r.mutate(_key=_period_key(r._day, unit))
    survey = r.group_by("_key").aggregate(
        share_of_wallet=_.value.mean(where=_.kind == "share_of_wallet").cast("float64"),
        _sat=_.value.mean(where=_.kind == "satisfaction"),
        _nps_n=_.count(where=_.kind == "nps"),
        _promoters=_.count(where=(_.kind == "nps") & (_.value >= NPS_PROMOTER_MIN)),
        _detractors=_.count(where=(_.kind == "nps") & (_.value <= NPS_DETRACTOR_MAX)),
    )
    # Questionnaires answered: distinct (customer, time) pairs, counted without building
    # a string per answer row (millions of rows on a large base).
    answered = (
        r.filter(r.customer_id.notnull() & r.responded_at.notnull())
        .select("_key", "customer_id", "responded_at")
        .distinct()
        .group_by("_key")
        .aggregate(responses=_.count().cast("int64"))
    )
    survey = survey.left_join(answered, "_key").drop("_key_right")
    joined = out.left_join(survey, "_key")
    return joined.select(
        "period_start",
        "active",
        "new_customers",
        "retained",
        "retention",
        "purchases",
        "repeat_purchases",
        "repeat_share",
        share_of_wallet=joined.share_of_wallet,
        satisfaction=((joined._sat - low) / (high - low) * 100).cast("float64"),
        nps=ibis.ifelse(
            joined._nps_n > 0,
            (joined._promoters - joined._detractors).cast("float64")
            * 100
            / joined._nps_n.cast("float64"),
            ibis.null("float64"),
        ).cast("float64"),
        responses=joined.responses.fill_null(0).cast("int64"),
    ).order_by("period_start")


def attachment(
    responses: ir.Table, *, scale: tuple[float, float] = (1.0, 10.0), as_of: Any = None
) -> ir.Table:
    """Each surveyed customer's attachment: satisfaction (0–100), NPS answer, stated loyalty.

    Means over all the customer's answers up to ``as_of``; ``nps`` is the latest
    would-recommend answer (0–10).
    """
    r = _survey_items(responses)
    if as_of is not None and "responded_at" in r.columns:
        r = r.filter(as_day(r.responded_at) <= day_literal(as_of))
    low, high = scale
    stamp = r.responded_at if "responded_at" in r.columns else ibis.literal(0)
    r = r.mutate(customer_id=r.customer_id.cast("string"), _stamp=stamp)
    out = r.group_by("customer_id").aggregate(
        _sat=_.value.mean(where=_.kind == "satisfaction"),
        _loy=_.value.mean(where=_.kind == "loyalty"),
        nps=_.value.argmax(_._stamp, where=_.kind == "nps").cast("float64"),
    )
    return out.select(
        "customer_id",
        satisfaction=((out._sat - low) / (high - low) * 100).cast("float64"),
        stated_loyalty=((out._loy - low) / (high - low) * 100).cast("float64"),
        nps=out.nps,
    )


@dataclass(frozen=True)
class LoyaltyRules:
    """Thresholds of the loyalty types (workspace settings section ``loyalty``).

    Attributes
    ----------
    repeat_min_purchases : int, default=3
        Distinct purchase days that make "high repeat" …
    repeat_max_silence_days : int, default=365
        … if the last purchase is no older than this.
    high_satisfaction, low_satisfaction : float, default=80, 60
        Satisfaction (0–100) at or above which attachment is high, below which it is low.
    promoter_nps, detractor_nps : float, default=9, 6
        Would-recommend answers (0–10) that make attachment high / low.
    incentive_discount_share : float, default=0.25
        Share of spend discounted above which a frequent buyer is incentive-loyal …
    price_discount_share : float, default=0.25
        … and an infrequent buyer is price-loyal.
    convenience_location_share : float, default=0.8
        Share of orders at one location that makes a frequent buyer convenience-loyal.
    no_alternative : bool, default=False
        The market offers no alternative: frequent but unattached buyers are monopoly-loyal.
    """

    repeat_min_purchases: int = 3
    repeat_max_silence_days: int = 365
    high_satisfaction: float = 80.0
    low_satisfaction: float = 60.0
    promoter_nps: float = float(NPS_PROMOTER_MIN)
    detractor_nps: float = 6.0
    incentive_discount_share: float = 0.25
    price_discount_share: float = 0.25
    convenience_location_share: float = 0.8
    no_alternative: bool = False

    @classmethod
    def from_workspace(cls, workspace: Any) -> LoyaltyRules:
        """Rules from the workspace's ``[loyalty]`` settings (defaults for the rest)."""
        return rules_from_settings(cls, workspace, "loyalty")


def loyalty_types(
    features: ir.Table,
    *,
    attachment_table: ir.Table | None = None,
    rules: LoyaltyRules | None = None,
) -> ir.Table:
    """The loyalty type of every customer, with the facts that decided it.

    Rules, first match wins (``high repeat``: at least ``repeat_min_purchases`` purchase
    days and a purchase within ``repeat_max_silence_days``; attachment high when
    satisfaction ≥ ``high_satisfaction`` or NPS ≥ ``promoter_nps``, low when satisfaction
    < ``low_satisfaction`` or NPS ≤ ``detractor_nps``, unknown without a survey):

    1. premium — high repeat and high attachment;
    2. incentive — high repeat and discount share ≥ ``incentive_discount_share``;
    3. convenience — high repeat and ≥ ``convenience_location_share`` of orders at one place;
    4. monopoly — high repeat, ``no_alternative`` set;
    5. inertia — high repeat without high attachment;
    6. latent — high attachment but not high repeat;
    7. price — not high repeat, and discount share ≥ ``price_discount_share`` or low
       attachment;
    8. none — too little to tell.
    """
    rules = rules or LoyaltyRules()
    require_columns(
        features,
        ["customer_id", "purchase_days", "days_since_last", "discount_share", "location_top_share"],
        "features",
    )
    t = features.select(
        "customer_id",
        "purchase_days",
        "days_since_last",
        "discount_share",
        "location_top_share",
    )
    if attachment_table is not None:
        t = t.left_join(attachment_table, "customer_id").drop("customer_id_right")
    else:
        t = t.mutate(
            satisfaction=ibis.null("float64"),
            stated_loyalty=ibis.null("float64"),
            nps=ibis.null("float64"),
        )
    high_attach = (t.satisfaction.fill_null(-1.0) >= rules.high_satisfaction) | (
        t.nps.fill_null(-1.0) >= rules.promoter_nps
    )
    low_attach = (t.satisfaction.fill_null(101.0) < rules.low_satisfaction) | (
        t.nps.fill_null(11.0) <= rules.detractor_nps
    )
    level = ibis.cases(
        (high_attach, "high"),
        (low_attach, "low"),
        (t.satisfaction.notnull() | t.nps.notnull(), "medium"),
        else_="unknown",
    )
    high_repeat = (t.purchase_days >= rules.repeat_min_purchases) & (
        t.days_since_last <= rules.repeat_max_silence_days
    )
    discount = t.discount_share.fill_null(0.0)
    near = t.location_top_share.fill_null(0.0) >= rules.convenience_location_share
    kind = ibis.cases(
        (high_repeat & high_attach, "premium"),
        (high_repeat & (discount >= rules.incentive_discount_share), "incentive"),
        (high_repeat & near, "convenience"),
        (high_repeat & ibis.literal(bool(rules.no_alternative)), "monopoly"),
        (high_repeat, "inertia"),
        (high_attach, "latent"),
        ((discount >= rules.price_discount_share) | low_attach, "price"),
        else_="none",
    )
    return t.select(
        "customer_id",
        loyalty_type=kind,
        attachment=level,
        high_repeat=high_repeat,
        stopped_buying=(t.purchase_days >= rules.repeat_min_purchases) & ~high_repeat,
        purchase_days=t.purchase_days.cast("int64"),
        days_since_last=t.days_since_last.cast("int64"),
        discount_share=discount.cast("float64"),
        location_top_share=t.location_top_share.cast("float64"),
        satisfaction=t.satisfaction.cast("float64"),
        nps=t.nps.cast("float64"),
    )


def _attachment_words(row: Mapping[str, Any]) -> str:
    parts = []
    if pd.notna(row.get("satisfaction")):
        parts.append(
            gettext("satisfaction {score} of 100").format(score=f"{row['satisfaction']:.0f}")
        )
    if pd.notna(row.get("nps")):
        parts.append(gettext("would recommend {score} of 10").format(score=f"{row['nps']:.0f}"))
    if not parts:
        return gettext("no survey answer")
    return ", ".join(parts)


#: The reason for each loyalty type, in words (translated once per call of
#: :func:`explain_loyalty`).
REASONS = {
    "premium": N_(
        "buys often ({n} purchase days, last {days} days ago) and is attached ({attachment})"
    ),
    "incentive": N_(
        "buys often ({n} purchase days) but {discount} of spend is discounted: comes for the rewards"
    ),
    "convenience": N_(
        "buys often ({n} purchase days), {location} of orders at one place: it is near"
    ),
    "monopoly": N_(
        "buys often ({n} purchase days) without attachment ({attachment}) in a market with no alternative"
    ),
    "inertia": N_("buys often ({n} purchase days) out of habit, not attached ({attachment})"),
    "latent": N_(
        "attached ({attachment}) but buys rarely (purchase days: {n}, last {days} days ago): something holds them back"
    ),
    "price": N_(
        "buys rarely (purchase days: {n}); {discount} of spend discounted, {attachment}: follows the price"
    ),
    "none": N_("too little to tell (purchase days: {n}), {attachment}"),
    "latent_stopped": N_(
        "attached ({attachment}) but no longer buys ({n} purchase days, last {days} days ago): something holds them back"
    ),
    "price_stopped": N_(
        "no longer buys ({n} purchase days, last {days} days ago); {discount} of spend discounted, {attachment}: follows the price"
    ),
    "stopped": N_("no longer buys ({n} purchase days, last {days} days ago), {attachment}"),
}


def reason_for(row: Mapping[str, Any], templates: Mapping[str, str] | None = None) -> str:
    """The reason, in words, for one row of :func:`loyalty_types` (a mapping or a Series);
    ``templates``: :data:`REASONS` already translated (one lookup per table, not per row)."""
    n = int(row["purchase_days"])
    kind = row["loyalty_type"]
    facts = {
        "n": n,
        "days": int(row["days_since_last"]),
        "attachment": _attachment_words(row),
        "discount": f"{float(row['discount_share']):.0%}",
        "location": f"{0.0 if pd.isna(share := row['location_top_share']) else float(share):.0%}",
    }
    if bool(row.get("stopped_buying", False)) and kind in ("none", "latent", "price"):
        # Bought often once, silent now: say so rather than "buys rarely".
        kind = {"none": "stopped", "latent": "latent_stopped", "price": "price_stopped"}[kind]
    template = templates[kind] if templates is not None else gettext(REASONS[kind])
    return template.format(**facts)


def explain_loyalty(types: pd.DataFrame) -> pd.DataFrame:
    """Add the ``reason`` column (words, in the current language) to executed loyalty types."""
    out = types.copy()
    # Plain dicts, not a Series per row: a million customers in seconds, not minutes.
    templates = {kind: gettext(text) for kind, text in REASONS.items()}
    out["reason"] = [reason_for(row, templates) for row in out.to_dict("records")]
    return out
