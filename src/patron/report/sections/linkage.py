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
    count,
    html_table,
    num,
    pct,
)
from patron.report.sections.churn import churn_command, churn_result


def _command(ctx: ReportContext, view: str) -> str:
    """The ``patron linkage VIEW`` command whose ``--json`` figures the report shows."""
    return f"patron linkage {view} --horizon {ctx.horizon} {ctx.analysis.cli_args()}"


def _rates(table, *, x_title: str, line: bool = False) -> dict:
    return charts.rate_with_interval(
        table,
        x="label",
        rate="retention",
        low="retention_low",
        high="retention_high",
        x_title=x_title,
        y_title=_("bought again"),
        sort=list(table["label"]),
        line=line,
    )


def recovery_section(ctx: ReportContext) -> Section:
    from patron.analyze.linkage import COMPLAINT_CLASSES
    from patron.jobs import linkage

    section = Section(
        "recovery",
        _("Complaint recovery"),
        _command(ctx, "recovery"),
        intro=_(
            "Did customers buy again within the horizon after a purchase with no complaint, a "
            "resolved complaint or an unresolved one? Bars show the share with its 95 % interval."
        ),
    )
    if not ctx.has("complaints"):
        raise Missing(_("no complaints in the workspace"))
    result = linkage.recovery(ctx.analysis, horizon=ctx.horizon)
    f = section.figures = result.figures
    table = result.tables["rows"]
    section.facts = [(_("purchases followed"), count(f["purchases"]))] + [
        (_("bought again: {label}").format(label=_(label)), pct(f[f"retention_{kind}"]))
        for kind, label in COMPLAINT_CLASSES.items()
        if f"retention_{kind}" in f
    ]
    section.charts.append(
        Chart(
            _("Retention after a purchase, by complaint outcome"),
            _rates(table, x_title=_("complaint")),
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
    if "retention_none" in f and "retention_unresolved" in f:
        ctx.shared["recovery_finding"] = _(
            "An unresolved complaint cuts the chance of buying again from {none} to {bad}; a resolved one keeps {good}."
        ).format(
            none=pct(f["retention_none"]),
            bad=pct(f["retention_unresolved"]),
            good=pct(f["retention_resolved"]) if "retention_resolved" in f else "–",
        )
    return section


def linkage_section(ctx: ReportContext) -> Section:
    from patron.jobs import linkage

    section = Section(
        "linkage",
        _("Satisfaction and what customers did next"),
        _command(ctx, "satisfaction"),
        intro=_(
            "Satisfaction is not loyalty: how often customers bought again after each answer, by "
            "satisfaction level, by NPS class and by whether the experience met expectations."
        ),
    )
    if not ctx.has("responses"):
        raise Missing(_("no survey answers in the workspace"))
    result = linkage.satisfaction(ctx.analysis, horizon=ctx.horizon)
    f = section.figures = result.figures
    curve = result.tables["rows"]
    section.facts = [
        (_("answers followed"), count(f["answers"])),
        (_("retention, highest against lowest level"), pct(f["retention_gap"])),
    ]
    section.charts.append(
        Chart(
            _("Bought again by satisfaction level (figure 5-2)"),
            _rates(curve, x_title=_("satisfaction"), line=True),
        )
    )
    # Each further view is its own job, with its own command beside its chart.
    try:
        nps = linkage.nps(ctx.analysis, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.charts.append(
            Chart(
                _("Bought again by NPS class"),
                _rates(nps.tables["rows"], x_title=_("NPS class")),
                command=_command(ctx, "nps"),
            )
        )
    try:
        classes = linkage.expectations(ctx.analysis, horizon=ctx.horizon).tables["rows"]
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
        elasticity = linkage.elasticity(ctx.analysis, horizon=ctx.horizon).tables["rows"]
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
                command=_command(ctx, "elasticity"),
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
        churn_command(ctx, value_at_risk=True),
        intro=_(
            "Σ CLV × churn probability: the value the risky customers take with them, by segment and by reason."
        ),
    )
    result = churn_result(ctx, value_at_risk=True)
    f = section.figures = result.figures
    ctx.shared["value_at_risk"] = f["value_at_risk"]
    section.facts = [
        (_("value at risk"), ctx.money(f["value_at_risk"])),
        (_("customers valued"), count(f["customers_valued"])),
        (_("their 12-month CLV"), ctx.money(f["clv_total"])),
    ]
    section.charts.append(
        Chart(
            _("Value at risk by segment"),
            charts.bar(
                result.tables["value_at_risk"],
                x="segment",
                y="value_at_risk",
                x_title=_("segment"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    section.charts.append(
        Chart(
            _("Value at risk by reason"),
            charts.bar(
                result.tables["value_at_risk_by_reason"].head(10),
                x="label",
                y="value_at_risk",
                x_title=_("reason"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    return section
