"""The report's satisfaction-link sections: complaint recovery, what customers did next, value at risk."""

from __future__ import annotations

from patron.core.i18n import _
from patron.exceptions import InputError
from patron.report import charts
from patron.report.section import (
    Chart,
    Missing,
    ReportContext,
    Section,
    html_table,
    num,
    pct,
)

# ---------------------------------------------------------------------------------------
# Complaint recovery and the satisfaction links
# ---------------------------------------------------------------------------------------


def recovery_section(ctx: ReportContext) -> Section:
    section = Section(
        "recovery",
        _("Complaint recovery"),
        f"patron linkage recovery --horizon {ctx.horizon} {ctx.ws_arg}",
        intro=_(
            "Did customers buy again within the horizon after a purchase with no complaint, a "
            "resolved complaint or an unresolved one? Bars show the share with its 95 % interval."
        ),
    )
    from patron.analyze import linkage

    if not ctx.has("complaints"):
        raise Missing(_("no complaints in the workspace"))
    table = linkage.complaint_recovery(ctx.history, horizon=ctx.horizon)
    ctx.shared["recovery"] = table
    order = list(table["label"])
    section.charts.append(
        Chart(
            _("Retention after a purchase, by complaint outcome"),
            charts.rate_with_interval(
                table,
                x="label",
                rate="retention",
                low="retention_low",
                high="retention_high",
                x_title=_("complaint"),
                y_title=_("bought again"),
                sort=order,
            ),
        )
    )
    shown = table[
        ["label", "moments", "retention", "retention_low", "retention_high", "spend_mean"]
    ]
    section.tables.append(
        (
            _("Retention and spend in the horizon"),
            html_table(
                shown.rename(
                    columns={
                        "label": _("complaint"),
                        "moments": _("purchases followed"),
                        "retention": _("bought again"),
                        "retention_low": _("low"),
                        "retention_high": _("high"),
                        "spend_mean": _("spend next"),
                    }
                ),
                {
                    _("bought again"): pct,
                    _("low"): pct,
                    _("high"): pct,
                    _("spend next"): ctx.money,
                },
            ),
        )
    )
    by = table.set_index("complaint")
    if {"none", "unresolved"} <= set(by.index):
        ctx.shared["recovery_finding"] = _(
            "An unresolved complaint cuts the chance of buying again from {none} to {bad}; a resolved one keeps {good}."
        ).format(
            none=pct(by.loc["none", "retention"]),
            bad=pct(by.loc["unresolved", "retention"]),
            good=pct(by.loc["resolved", "retention"]) if "resolved" in by.index else "–",
        )
    return section


def linkage_section(ctx: ReportContext) -> Section:
    section = Section(
        "linkage",
        _("Satisfaction and what customers did next"),
        f"patron linkage satisfaction --horizon {ctx.horizon} {ctx.ws_arg}",
        intro=_(
            "Satisfaction is not loyalty: how often customers bought again after each answer, by "
            "satisfaction level, by NPS class and by whether the experience met expectations."
        ),
    )
    from patron.analyze import linkage

    if not ctx.has("responses"):
        raise Missing(_("no survey answers in the workspace"))
    curve = linkage.satisfaction_loyalty_curve(ctx.history, horizon=ctx.horizon)
    section.charts.append(
        Chart(
            _("Bought again by satisfaction level (figure 5-2)"),
            charts.rate_with_interval(
                curve,
                x="label",
                rate="retention",
                low="retention_low",
                high="retention_high",
                x_title=_("satisfaction"),
                y_title=_("bought again"),
                sort=list(curve["label"]),
                line=True,
            ),
        )
    )
    try:
        nps = linkage.nps_repeat(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.charts.append(
            Chart(
                _("Bought again by NPS class"),
                charts.rate_with_interval(
                    nps,
                    x="label",
                    rate="retention",
                    low="retention_low",
                    high="retention_high",
                    x_title=_("NPS class"),
                    y_title=_("bought again"),
                    sort=list(nps["label"]),
                ),
            )
        )
    try:
        classes = linkage.expectation_classes(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.tables.append(
            (
                _("Expectation against perception (table 5-1) and what came next"),
                html_table(
                    classes[
                        ["label", "moments", "retention", "complained_next", "spend_mean"]
                    ].rename(
                        columns={
                            "label": _("class"),
                            "moments": _("answers"),
                            "retention": _("bought again"),
                            "complained_next": _("complained"),
                            "spend_mean": _("spend next"),
                        }
                    ),
                    {_("bought again"): pct, _("complained"): pct, _("spend next"): ctx.money},
                ),
            )
        )
    try:
        elasticity = linkage.retention_elasticity(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.charts.append(
            Chart(
                _("Revenue kept by one more point of each driver"),
                charts.bar(
                    elasticity,
                    x="label",
                    y="revenue_kept",
                    x_title=_("driver"),
                    y_title=_("revenue kept"),
                    horizontal=True,
                ),
            )
        )
        best = elasticity.iloc[0]
        ctx.shared["elasticity_finding"] = _(
            "One more point of {driver} keeps about {customers} customers and {revenue} a year."
        ).format(
            driver=best["label"],
            customers=num(best["customers_kept"]),
            revenue=ctx.money(best["revenue_kept"]),
        )
    return section


def value_at_risk_section(ctx: ReportContext) -> Section:
    section = Section(
        "value_at_risk",
        _("Value at risk"),
        f"patron churn --horizon {ctx.horizon} {ctx.ws_arg}",
        intro=_(
            "Σ CLV × churn probability: the value the risky customers take with them, by segment and by reason."
        ),
    )
    from patron.analyze import linkage

    run, clv = ctx.shared.get("churn"), ctx.shared.get("clv")
    if run is None or clv is None:
        raise Missing(_("needs both the churn and the CLV sections"))
    p = run.scores["churn_probability"]
    segments = ctx.shared.get("rfm")
    table = linkage.value_at_risk(clv, p, segment=segments)
    total = float(table["value_at_risk"].sum())
    ctx.shared["value_at_risk"] = total
    section.facts = [(_("value at risk"), ctx.money(total))]
    section.charts.append(
        Chart(
            _("Value at risk by segment"),
            charts.bar(
                table,
                x="segment",
                y="value_at_risk",
                x_title=_("segment"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    sample = run.scores.index[: min(len(run.scores), 10_000)]
    contributions = run.model.contributions(run.features.loc[sample].reset_index())
    drivers = linkage.value_at_risk_by_driver(clv, p.loc[sample], contributions).head(10)
    scale = (
        total / max(float(drivers["value_at_risk"].sum()), 1e-9) if len(sample) < len(p) else 1.0
    )
    drivers["value_at_risk"] *= scale
    section.charts.append(
        Chart(
            _("Value at risk by reason"),
            charts.bar(
                drivers,
                x="label",
                y="value_at_risk",
                x_title=_("reason"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    return section
