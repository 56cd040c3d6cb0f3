"""Who the customers are by value: RFM segments, layers, value tiers and the 20/80 view.

All functions take the per-customer table of :func:`patron.analyze.features.customer_features`
and return Ibis expressions. Bins come from exact ranks (never approximate quantiles), with
ties broken by ``customer_id`` where an order is needed, so DuckDB and Spark agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _

from patron.analyze.features import cents, money, require_columns
from patron.core.i18n import N_, gettext

#: The eleven RFM segments, best first, with their display names.
SEGMENTS: dict[str, str] = {
    "champions": N_("champions"),
    "loyal": N_("loyal"),
    "potential_loyalists": N_("potential loyalists"),
    "new": N_("new"),
    "promising": N_("promising"),
    "need_attention": N_("need attention"),
    "about_to_sleep": N_("about to sleep"),
    "at_risk": N_("at risk"),
    "cannot_lose": N_("cannot lose"),
    "hibernating": N_("hibernating"),
    "lost": N_("lost"),
}

LAYERS: dict[str, str] = {
    "loyal": N_("loyal"),
    "floating": N_("floating"),
    "potential": N_("potential"),
}

LOSS_REASONS: dict[str, str] = {
    "service_cost": N_("service cost"),
    "discounts": N_("discounts"),
    "returns": N_("returns"),
    "below_cost": N_("sold below cost"),
}


def _segment_of(r: ir.IntegerValue, fm: ir.IntegerValue) -> ir.StringValue:
    """The R × FM grid (scores 1–5): every one of the 25 cells names exactly one segment."""
    return ibis.cases(
        ((r == 1) & (fm == 1), "lost"),
        ((r <= 2) & (fm <= 2), "hibernating"),
        ((r <= 2) & (fm <= 4), "at_risk"),
        (r <= 2, "cannot_lose"),
        ((r == 3) & (fm <= 2), "about_to_sleep"),
        ((r == 3) & (fm == 3), "need_attention"),
        ((r <= 4) & (fm >= 4), "loyal"),
        ((r == 4) & (fm == 1), "promising"),
        (fm == 1, "new"),
        (fm <= 3, "potential_loyalists"),
        else_="champions",
    )


def rank_score(
    table: ir.Table, column: str, *, bins: int = 5, descending: bool = False
) -> ir.IntegerValue:
    """Score 1..``bins`` from the exact minimum rank: equal values always share a score.

    ``score = floor(bins * rank / n) + 1`` with ``rank`` the 0-based minimum rank, so
    the cut-offs are exact order statistics and independent of the engine.
    """
    key = ibis.desc(table[column]) if descending else table[column]
    rank = ibis.rank().over(order_by=key).cast("int64")
    n = table[column].count().over().cast("int64")
    return ((rank * bins) // n + 1).cast("int64")


def rfm(features: ir.Table, *, bins: int = 5) -> ir.Table:
    """RFM quintile scores and the named segment of every customer.

    Recency is days since the last purchase (fewer is better), frequency the number of
    distinct purchase days, monetary the revenue (cents). ``fm_score`` is the rounded
    mean of F and M; the segment comes from the R × FM grid (see ``docs/analytics.md``).

    Returns
    -------
    ibis Table
        ``customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
        fm_score, rfm_score (R·100 + F·10 + M), rfm_segment``.
    """
    require_columns(
        features, ["customer_id", "days_since_last", "purchase_days", "revenue"], "features"
    )
    t = features.select(
        "customer_id",
        recency_days=features.days_since_last.cast("int64"),
        frequency=features.purchase_days.cast("int64"),
        monetary=money(features.revenue),
    )
    t = t.mutate(
        r_score=rank_score(t, "recency_days", bins=bins, descending=True),
        f_score=rank_score(t, "frequency", bins=bins),
        m_score=rank_score(t, "monetary", bins=bins),
    )
    t = t.mutate(fm_score=((t.f_score + t.m_score + 1) // 2).cast("int64"))
    grid_r = t.r_score if bins == 5 else ((t.r_score - 1) * 5 // bins + 1)
    grid_fm = t.fm_score if bins == 5 else ((t.fm_score - 1) * 5 // bins + 1)
    return t.mutate(
        rfm_score=(t.r_score * 100 + t.f_score * 10 + t.m_score).cast("int64"),
        rfm_segment=_segment_of(grid_r.cast("int64"), grid_fm.cast("int64")),
    )


def rfm_cutoffs(scores: ir.Table) -> ir.Table:
    """The exact cut-offs: for each dimension and score, the lowest and highest value."""
    parts = []
    for dim, column, score in (
        ("R", "recency_days", "r_score"),
        ("F", "frequency", "f_score"),
        ("M", "monetary", "m_score"),
    ):
        parts.append(
            scores.group_by(score=scores[score])
            .aggregate(
                low=scores[column].min().cast("float64"),
                high=scores[column].max().cast("float64"),
                customers=_.count().cast("int64"),
            )
            .mutate(dimension=ibis.literal(dim))
            .select("dimension", "score", "low", "high", "customers")
        )
    return ibis.union(*parts)


def segment_summary(scores: ir.Table, features: ir.Table) -> ir.Table:
    """Customers, revenue and margin per RFM segment."""
    joined = scores.select("customer_id", "rfm_segment").join(
        features.select("customer_id", "revenue", "gross_margin"), "customer_id"
    )
    return joined.group_by("rfm_segment").aggregate(
        customers=_.count().cast("int64"),
        revenue=money(joined.revenue.sum()),
        gross_margin=money(joined.gross_margin.sum()),
    )


@dataclass(frozen=True)
class LayerRules:
    """When a customer is loyal, floating or potential (the three layers of the base).

    Attributes
    ----------
    loyal_min_purchases : int, default=4
        Distinct purchase days needed to count as loyal …
    loyal_min_r_score : int, default=3
        … while still buying recently (RFM recency score at least this).
    potential_max_purchases : int, default=1
        Customers with at most this many purchase days are still potential.
    """

    loyal_min_purchases: int = 4
    loyal_min_r_score: int = 3
    potential_max_purchases: int = 1


def layers(scores: ir.Table, rules: LayerRules | None = None) -> ir.Table:
    """Loyal / floating / potential per customer from the RFM table (documented rules)."""
    rules = rules or LayerRules()
    layer = ibis.cases(
        (scores.frequency <= rules.potential_max_purchases, "potential"),
        (
            (scores.frequency >= rules.loyal_min_purchases)
            & (scores.r_score >= rules.loyal_min_r_score),
            "loyal",
        ),
        else_="floating",
    )
    return scores.select("customer_id", layer=layer)


#: Default value tiers: (name, cumulative share of customers from the top).
VALUE_TIERS: tuple[tuple[str, float], ...] = (
    ("platinum", 0.05),
    ("gold", 0.20),
    ("silver", 0.50),
    ("bronze", 1.0),
)
TIER_NAMES = {
    "platinum": N_("platinum"),
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
}


def _position(table: ir.Table, column: str) -> ir.IntegerValue:
    """1-based position by ``column`` descending, ties broken by customer id (deterministic)."""
    return (
        ibis.row_number().over(order_by=[ibis.desc(table[column]), table.customer_id]) + 1
    ).cast("int64")


def value_tiers(
    features: ir.Table,
    *,
    measure: str = "gross_margin",
    tiers: Sequence[tuple[str, float]] = VALUE_TIERS,
) -> ir.Table:
    """Value tier per customer: the top 5 % platinum, next 15 % gold, next 30 % silver, rest bronze.

    ``tiers`` lists ``(name, cumulative share)`` from the top; the position is by
    ``measure`` (money rounded to cents) with ties broken by customer id.
    """
    require_columns(features, ["customer_id", measure], "features")
    t = features.select("customer_id", _value=money(features[measure]))
    t = t.mutate(_pos=_position(t, "_value"), _n=t.customer_id.count().over().cast("int64"))
    # Integer comparison (pos ≤ share·n, in basis points) so no float edge decides a tier.
    branches = [
        (t._pos * 10_000 <= t._n * int(round(share * 10_000)), name) for name, share in tiers
    ]
    return t.select("customer_id", value_tier=ibis.cases(*branches, else_=tiers[-1][0]))


def pareto_curve(features: ir.Table, *, measure: str = "revenue") -> ir.Table:
    """The 20/80 curve: customers from the most valuable down, cumulative share of value.

    Returns ``position, customer_id, value, customer_share, value_share`` (both shares in
    0–1). Sums run over whole cents (int64), so the curve is exact on every engine.
    """
    require_columns(features, ["customer_id", measure], "features")
    t = features.select("customer_id", _cents=cents(features[measure]))
    t = t.mutate(position=_position(t, "_cents"))
    t = t.mutate(
        _cum=t._cents.sum().over(order_by=t.position, rows=(None, 0)),
        _total=t._cents.sum().over(),
        _n=t.customer_id.count().over().cast("int64"),
    )
    return t.select(
        "position",
        "customer_id",
        value=(t._cents.cast("float64") / 100).cast("float64"),
        customer_share=(t.position.cast("float64") / t._n.cast("float64")).cast("float64"),
        value_share=ibis.ifelse(
            t._total != 0, t._cum.cast("float64") / t._total.cast("float64"), ibis.null("float64")
        ).cast("float64"),
    ).order_by("position")


def pareto_summary(
    features: ir.Table, *, measure: str = "revenue", top_shares: Sequence[float] = (0.2,)
) -> ir.Table:
    r"""One row: customers, total, share of value from the top ``p`` of customers, Gini.

    .. math::

        G = \frac{2 \sum_i i\, x_{(i)}}{n \sum_i x_{(i)}} - \frac{n + 1}{n}

    with :math:`x_{(i)}` the values in ascending order. The top ``p`` are the first
    :math:`\lceil p n \rceil` customers by value. With negative values (margin) the Gini
    may exceed 1: a sign that a few customers carry more than the whole profit.
    """
    require_columns(features, ["customer_id", measure], "features")
    t = features.select("customer_id", _cents=cents(features[measure]))
    t = t.mutate(
        _pos=_position(t, "_cents"),
        _asc=(ibis.row_number().over(order_by=[t._cents, ibis.desc(t.customer_id)]) + 1).cast(
            "int64"
        ),
        _n=t.customer_id.count().over().cast("int64"),
    )
    aggs = {
        "customers": t.count().cast("int64"),
        "total": (t._cents.sum().cast("float64") / 100).cast("float64"),
        "_weighted": (t._asc.cast("float64") * t._cents.cast("float64")).sum(),
        "_sum": t._cents.sum().cast("float64"),
    }
    for share in top_shares:
        basis = int(round(share * 10_000))
        # position ≤ ceil(share·n)  ⇔  position·10000 < share_bp·n + 10000
        in_top = t._pos * 10_000 < t._n * basis + 10_000
        aggs[f"_top_{basis}"] = t._cents.sum(where=in_top).cast("float64")
    agg = t.aggregate(**aggs)
    n = agg.customers.cast("float64")
    out = {
        "measure": ibis.literal(measure),
        "customers": agg.customers,
        "total": agg.total,
        "gini": ibis.ifelse(
            agg._sum != 0, 2 * agg._weighted / (n * agg._sum) - (n + 1) / n, ibis.null("float64")
        ).cast("float64"),
    }
    for share in top_shares:
        basis = int(round(share * 10_000))
        out[f"top_{basis / 100:g}pct_share".replace(".", "_")] = ibis.ifelse(
            agg._sum != 0, agg[f"_top_{basis}"] / agg._sum, ibis.null("float64")
        ).cast("float64")
    return agg.select(**out)


def profit_deciles(features: ir.Table, *, measure: str = "gross_margin") -> ir.Table:
    """Customers in ten equal groups by margin (1 = most profitable) and what each brings."""
    require_columns(features, ["customer_id", measure, "revenue", "service_cost"], "features")
    t = features.select(
        "customer_id",
        "revenue",
        "service_cost",
        _value=money(features[measure]),
    )
    t = t.mutate(_pos=_position(t, "_value"), _n=t.customer_id.count().over().cast("int64"))
    t = t.mutate(decile=((t._pos - 1) * 10 // t._n + 1).cast("int64"))
    out = t.group_by("decile").aggregate(
        customers=_.count().cast("int64"),
        revenue=money(t.revenue.sum()),
        gross_margin=money(t._value.sum()),
        service_cost=money(t.service_cost.sum()),
        min_margin=_._value.min().cast("float64"),
        max_margin=_._value.max().cast("float64"),
    )
    total = out.gross_margin.sum().over()
    return out.mutate(
        margin_share=ibis.ifelse(total != 0, out.gross_margin / total, ibis.null("float64")).cast(
            "float64"
        )
    ).order_by("decile")


def money_losers(features: ir.Table) -> ir.Table:
    """Customers whose gross margin is negative, with the main reason for the loss.

    The reason is the largest of: service cost (complaints and service contacts),
    discounts, returns (cost of returned orders) and selling below cost (cost of kept
    orders above their revenue).
    """
    require_columns(
        features,
        [
            "customer_id",
            "gross_margin",
            "service_cost",
            "discount",
            "returns_cost",
            "cost",
            "revenue",
        ],
        "features",
    )
    t = features.filter(features.gross_margin < 0)
    below = money(t.cost - t.returns_cost - t.revenue)
    below = ibis.ifelse(below > 0, below, 0.0).cast("float64")
    biggest = ibis.greatest(t.service_cost, t.discount, t.returns_cost, below)
    reason = ibis.cases(
        (t.service_cost == biggest, "service_cost"),
        (t.discount == biggest, "discounts"),
        (t.returns_cost == biggest, "returns"),
        else_="below_cost",
    )
    return t.select(
        "customer_id",
        "revenue",
        "gross_margin",
        "service_cost",
        "discount",
        "returns_cost",
        below_cost=below,
        loss_reason=reason,
    ).order_by([t.gross_margin, t.customer_id])


def loss_reason_text(row: dict) -> str:
    """The loss reason of one ``money_losers`` row in words (translated)."""
    reason = LOSS_REASONS[row["loss_reason"]]
    return gettext(
        "loses {loss} on {revenue} revenue, mainly {reason}: service {service}, "
        "discounts {discount}, returns {returns}"
    ).format(
        loss=f"{-row['gross_margin']:,.2f}",
        revenue=f"{row['revenue']:,.2f}",
        reason=gettext(reason),
        service=f"{row['service_cost']:,.2f}",
        discount=f"{row['discount']:,.2f}",
        returns=f"{row['returns_cost']:,.2f}",
    )
