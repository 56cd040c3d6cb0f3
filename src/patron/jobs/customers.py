"""The customer-base jobs: features, RFM segments, the 20/80 view, lifecycle, cohorts, loyalty.

Each job takes an :class:`~patron.jobs.context.AnalysisContext` (scope, engine,
vocabulary, as-of date) and returns a :class:`~patron.jobs.result.JobResult` whose
``figures`` the report shows and ``patron analyze … --json`` prints.
"""

from __future__ import annotations

import pandas as pd

from patron.analyze import periods
from patron.analyze.periods import complete_mask, is_complete
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult


def overview(ctx: AnalysisContext) -> JobResult:
    """The headline of a scope: customers, active customers (a sale within the
    vocabulary's ``active_days``), and the sales of that window."""
    from datetime import timedelta

    import ibis

    from patron.analyze.features import as_day

    days = ctx.vocabulary.active_days
    since = ctx.as_of - timedelta(days=days)
    sales = ctx.reader.sales()
    day = as_day(sales.ordered_at)
    upto = sales.filter(day <= ibis.literal(ctx.as_of))
    window = upto.filter(day > ibis.literal(since))
    totals = ctx.run(upto.aggregate(customers=upto.customer_id.nunique()))
    recent = ctx.run(
        window.aggregate(
            active=window.customer_id.nunique(),
            sales=window.count(),
            revenue=window.amount.sum(),
        )
    )
    figures = {
        "customers": int(totals["customers"].iloc[0]),
        "active_days": days,
        "active_customers": int(recent["active"].iloc[0]),
        "sales_in_window": int(recent["sales"].iloc[0]),
        "revenue_in_window": round(float(recent["revenue"].fillna(0).iloc[0]), 2),
    }
    printer = Printer(
        _("Overview as of {date} ({scope})").format(date=ctx.as_of, scope=ctx.scope.label()),
        {
            _("customers"): figures["customers"],
            _("active in the last {days} days").format(days=days): figures["active_customers"],
            _("sales in the last {days} days").format(days=days): figures["sales_in_window"],
            _("revenue in the last {days} days").format(days=days): figures["revenue_in_window"],
        },
    )
    return JobResult("overview", ctx.scope, ctx.as_of, figures, printer=printer)


def features(ctx: AnalysisContext, *, limit: int = 20) -> JobResult:
    """Per-customer facts (purchases, BTYD statistics, revenue, margin, concentration)."""
    frame = ctx.run(ctx.features()).sort_values("customer_id").reset_index(drop=True)
    figures = {
        "customers": len(frame),
        "purchases": int(frame["orders"].sum()),
        "returns": int(frame["returns"].sum()),
        "revenue": round(float(frame["revenue"].sum()), 2),
        "gross_margin": round(float(frame["gross_margin"].sum()), 2),
        "repeat_buyers": int((frame["frequency"] > 0).sum()),
    }
    shown = frame[
        ["customer_id", "orders", "frequency", "recency", "T", "revenue", "gross_margin"]
        + ["days_since_last"]
    ].head(limit)
    printer = Printer(
        _("Customer features as of {date} ({scope})").format(
            date=ctx.as_of, scope=ctx.scope.label()
        ),
        {
            _("customers"): figures["customers"],
            _("purchases"): figures["purchases"],
            _("returns"): figures["returns"],
            _("revenue"): figures["revenue"],
            _("gross margin"): figures["gross_margin"],
            _("repeat buyers"): figures["repeat_buyers"],
        },
        [(_("First customers"), shown)],
    )
    return JobResult("features", ctx.scope, ctx.as_of, figures, frame=frame, printer=printer)


def segments(ctx: AnalysisContext, *, measure: str = "gross_margin") -> JobResult:
    """RFM quintiles with exact cut-offs, the eleven named segments, layers and value tiers."""
    from patron.analyze import segments as seg

    feats = ctx.features()
    scores = seg.rfm(feats)
    per_customer = scores.join(seg.layers(scores), "customer_id").join(
        seg.value_tiers(feats, measure=measure), "customer_id"
    )
    frame = ctx.run(per_customer).sort_values("customer_id").reset_index(drop=True)
    cutoffs = (
        ctx.run(seg.rfm_cutoffs(scores)).sort_values(["dimension", "score"]).reset_index(drop=True)
    )
    summary = ctx.run(seg.segment_summary(scores, feats))
    order = list(seg.SEGMENTS)
    summary["order"] = summary["rfm_segment"].map(order.index)
    summary = summary.sort_values("order").drop(columns="order").reset_index(drop=True)
    summary.insert(0, "segment", [_(seg.SEGMENTS[s]) for s in summary["rfm_segment"]])
    layers = frame["layer"].value_counts().rename_axis("layer").reset_index(name="customers")
    tiers = (
        frame["value_tier"].value_counts().rename_axis("value_tier").reset_index(name="customers")
    )
    revenue = summary.set_index("rfm_segment")["revenue"] if "revenue" in summary else None
    figures = {
        "customers": len(frame),
        "segments": int(summary["rfm_segment"].nunique()),
        "champions": int((frame["rfm_segment"] == "champions").sum()),
        "at_risk": int((frame["rfm_segment"] == "at_risk").sum()),
    }
    if revenue is not None:
        figures["revenue"] = round(float(revenue.sum()), 2)
    printer = Printer(
        _("RFM segments of {n} customers ({scope})").format(n=len(frame), scope=ctx.scope.label()),
        {},
        [
            (_("Segments"), summary.drop(columns="rfm_segment")),
            (_("Cut-offs (lowest and highest value per score)"), cutoffs),
            (_("Layers"), layers),
            (_("Value tiers ({measure})").format(measure=measure), tiers),
        ],
    )
    return JobResult(
        "segments",
        ctx.scope,
        ctx.as_of,
        figures,
        tables={"segments": summary, "cutoffs": cutoffs, "layers": layers, "tiers": tiers},
        frame=frame,
        printer=printer,
    )


def pareto(ctx: AnalysisContext, *, limit: int = 20) -> JobResult:
    """The 20/80 view: Pareto curve and Gini of revenue and margin, deciles, money losers."""
    from patron.analyze import segments as seg

    feats = ctx.features()
    summary = pd.concat(
        [
            ctx.run(seg.pareto_summary(feats, measure=m, top_shares=(0.2, 0.1)))
            for m in ("revenue", "gross_margin")
        ],
        ignore_index=True,
    )
    deciles = ctx.run(seg.profit_deciles(feats))
    losers = ctx.run(seg.money_losers(feats)).reset_index(drop=True)
    losers["reason"] = [seg.loss_reason_text(r) for r in losers.to_dict("records")]
    by_measure = summary.set_index("measure")
    figures: dict[str, float | int] = {
        "customers": int(summary["customers"].iloc[0]) if len(summary) else 0,
        "money_losers": len(losers),
    }
    facts = {}
    for m in ("revenue", "gross_margin"):
        if m not in by_measure.index:
            continue
        row = by_measure.loc[m]
        figures[f"{m}_total"] = round(float(row["total"]), 2)
        figures[f"{m}_top_20pct_share"] = float(row["top_20pct_share"])
        figures[f"{m}_gini"] = float(row["gini"])
        name = _("revenue") if m == "revenue" else _("gross margin")
        facts[_("{measure}: share of the top 20%").format(measure=name)] = row["top_20pct_share"]
        facts[_("{measure}: Gini").format(measure=name)] = row["gini"]
    facts[_("customers losing money")] = len(losers)
    printer = Printer(
        _("20/80 of {n} customers ({scope})").format(
            n=figures["customers"], scope=ctx.scope.label()
        ),
        facts,
        [
            (_("Profit deciles (1 = most profitable)"), deciles),
            (
                _("Customers losing money"),
                losers[["customer_id", "gross_margin", "reason"]].head(limit),
            ),
        ],
    )
    return JobResult(
        "pareto",
        ctx.scope,
        ctx.as_of,
        figures,
        tables={"summary": summary, "deciles": deciles, "money_losers": losers},
        printer=printer,
    )


def pareto_curves(ctx: AnalysisContext) -> dict[str, pd.DataFrame]:
    """The Pareto curves of revenue and gross margin (for charts)."""
    from patron.analyze import segments as seg

    feats = ctx.features()
    return {m: ctx.run(seg.pareto_curve(feats, measure=m)) for m in ("revenue", "gross_margin")}


def lifecycle(ctx: AnalysisContext, *, start: str | None = None) -> JobResult:
    """Lifecycle stage of every customer at the as-of date (and transitions since ``start``)."""
    from patron.analyze import lifecycle as lc

    rules = lc.LifecycleRules.from_workspace(ctx.workspace)
    sales = ctx.reader.sales()
    customers = ctx.reader.table("customers", required=False)
    when = ctx.as_of
    stages = (
        ctx.run(lc.stage_at(sales, when, customers=customers, rules=rules))
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    counts = stages["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    counts["order"] = counts["stage"].map(list(lc.STAGES).index)
    counts = counts.sort_values("order").drop(columns="order").reset_index(drop=True)
    shown = counts.assign(stage=[_(lc.STAGES[s]) for s in counts["stage"]])
    tables = [(_("Customers per stage"), shown)]
    matrix = None
    if start:
        matrix = ctx.run(lc.transition_matrix(sales, start, when, customers=customers, rules=rules))
        pivot = matrix.pivot(index="from_stage", columns="to_stage", values="customers").fillna(0)
        order = [s for s in lc.STAGES if s in pivot.index or s in pivot.columns]
        pivot = pivot.reindex(index=order, columns=order, fill_value=0)
        pivot = pivot.fillna(0).astype(int).rename_axis(index="from \\ to", columns=None)
        tables.append(
            (
                _("Transitions from {start} to {end}").format(start=start, end=when),
                pivot.reset_index(),
            )
        )
    per_stage = dict(zip(counts["stage"], counts["customers"].astype(int), strict=True))
    figures = {
        "customers": len(stages),
        **{f"stage_{s}": int(per_stage.get(s, 0)) for s in lc.STAGES},
    }
    printer = Printer(
        _("Lifecycle as of {date} ({scope})").format(date=when, scope=ctx.scope.label()),
        {_("customers"): len(stages)},
        tables,
    )
    out = {"stages": counts}
    if matrix is not None:
        out["transitions"] = matrix
    return JobResult("lifecycle", ctx.scope, when, figures, out, frame=stages, printer=printer)


def cohorts(ctx: AnalysisContext, *, period: str = "M") -> JobResult:
    """Acquisition-cohort retention: the share of each cohort buying in each later period."""
    from patron.analyze import lifecycle as lc

    frame = ctx.run(lc.cohort_retention(ctx.reader.sales(), period=period, as_of=ctx.as_of))
    frame = frame.sort_values(["cohort", "period"]).reset_index(drop=True)
    matrix = frame.pivot(index="cohort", columns="period", values="retention")
    matrix.index = [pd.Timestamp(c).strftime("%Y-%m-%d") for c in matrix.index]
    matrix = (matrix * 100).round(1).rename_axis(_("cohort")).reset_index()
    matrix.columns = [str(c) for c in matrix.columns]
    sizes = frame.drop_duplicates("cohort")[["cohort", "cohort_size"]]
    figures: dict[str, float | int | None] = {
        "cohorts": len(sizes),
        "customers": int(sizes["cohort_size"].sum()),
    }
    # A cell whose period has not ended yet would read low only because it is short.
    frame["complete"] = [
        is_complete(periods.shift(c, period, int(k)), period, ctx.as_of)
        for c, k in zip(frame["cohort"], frame["period"], strict=True)
    ]
    # Customers who bought again in the period after their first, weighted by cohort size
    # (cohorts whose next period is over).
    first = frame[(frame["period"] == 1) & frame["complete"]]
    figures["next_period_retention"] = (
        float((first["retention"] * first["cohort_size"]).sum() / first["cohort_size"].sum())
        if len(first)
        else None
    )
    printer = Printer(
        _("Cohort retention (% active) by {period}").format(period=period.upper()),
        {_("cohorts"): figures["cohorts"], _("customers"): figures["customers"]},
        [(_("Retention matrix"), matrix)],
        decimals=1,
    )
    return JobResult(
        "cohorts", ctx.scope, ctx.as_of, figures, {"retention": frame}, printer=printer
    )


def _iso(value: object) -> str:
    return pd.Timestamp(value).date().isoformat()


def loyalty(ctx: AnalysisContext, *, period: str = "Q", limit: int = 20) -> JobResult:
    """The five loyalty measures per period and each customer's loyalty type with its reason.

    The figures quote the latest complete period (``period_start``, ``retention`` …) and
    the one before (``…_previous``); a period still running is named in
    ``running_period_start`` and marked ``complete = False`` in the scorecard.
    """
    from patron.analyze import loyalty as ly

    rules = ly.LoyaltyRules.from_workspace(ctx.workspace)
    responses = ctx.reader.table("survey_responses", required=False)
    card = ctx.run(
        ly.scorecard(ctx.reader.sales(), responses=responses, period=period, as_of=ctx.as_of)
    )
    # A period still running is not comparable with whole ones: marked, never the headline.
    card = card.assign(complete=complete_mask(card["period_start"], period, ctx.as_of))
    attach = ly.attachment(responses, as_of=ctx.as_of) if responses is not None else None
    types = ly.explain_loyalty(
        ctx.run(ly.loyalty_types(ctx.features(), attachment_table=attach, rules=rules))
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    counts = types["loyalty_type"].value_counts().rename_axis("type").reset_index(name="customers")
    per_type = dict(zip(counts["type"], counts["customers"].astype(int), strict=True))
    counts["type"] = [_(ly.LOYALTY_TYPES[t]) for t in counts["type"]]
    shown_card = card.assign(
        period_start=pd.to_datetime(card["period_start"]).dt.strftime("%Y-%m-%d")
    )[
        [
            "period_start",
            "active",
            "new_customers",
            "retention",
            "repeat_share",
            "share_of_wallet",
            "satisfaction",
            "nps",
        ]
    ]
    each = max(1, limit // max(1, types["loyalty_type"].nunique()))
    examples = (
        types.groupby("loyalty_type", sort=False)
        .head(each)[["customer_id", "loyalty_type", "reason"]]
        .reset_index(drop=True)
    )
    figures: dict[str, object] = {
        "customers": len(types),
        **{f"type_{t}": int(per_type.get(t, 0)) for t in ly.LOYALTY_TYPES},
    }
    # The latest complete period's measures (what a person quotes from the scorecard)
    # and the one before it, to say what changed; a running period is only named.
    done = card[card["complete"]].sort_values("period_start")
    running = card[~card["complete"]]
    if len(running):
        figures["running_period_start"] = _iso(running["period_start"].max())
    for suffix, row in (("", -1), ("_previous", -2)):
        if len(done) < -row:
            continue
        last = done.iloc[row]
        figures[f"period_start{suffix}"] = _iso(last["period_start"])
        for column in ("active", "new_customers", "retention", "repeat_share", "nps"):
            value = last.get(column)
            figures[f"{column}{suffix}"] = None if value is None or pd.isna(value) else float(value)
    printer = Printer(
        _("Loyalty scorecard by {period} ({scope})").format(
            period=period.upper(), scope=ctx.scope.label()
        ),
        {},
        [
            (_("Scorecard"), shown_card),
            (_("Loyalty types"), counts),
            (_("Examples"), examples),
        ],
    )
    return JobResult(
        "loyalty", ctx.scope, ctx.as_of, figures, {"scorecard": card}, frame=types, printer=printer
    )
