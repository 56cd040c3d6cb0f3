"""The report's loyalty section: the five-measure scorecard and loyalty types."""

from __future__ import annotations

import pandas as pd

from patron.core.i18n import N_, _, format_date
from patron.report import charts
from patron.report.section import (
    Chart,
    ReportContext,
    Section,
    count,
    html_table,
    num,
    pct,
)

# ---------------------------------------------------------------------------------------
# Loyalty scorecard
# ---------------------------------------------------------------------------------------


def loyalty_section(ctx: ReportContext) -> Section:
    section = Section(
        "loyalty",
        _("Loyalty scorecard"),
        f"patron analyze loyalty --period Q {ctx.analysis.cli_args()}",
        intro=_(
            "The five measures of loyalty per quarter: retention, repeat purchases, share of "
            "wallet (when asked), new customers, satisfaction and recommendation (NPS)."
        ),
    )
    from patron.jobs import customers as jobs

    result = jobs.loyalty(ctx.analysis, period="Q")
    section.figures = result.figures
    card = result.tables["scorecard"].sort_values("period_start").tail(12)
    ctx.shared["scorecard"] = card
    f = result.figures
    if "period_start" in f:
        section.facts = [
            (_("quarter"), format_date(pd.Timestamp(f["period_start"]).date())),
            (_("active customers"), count(f["active"])),
            (_("new customers"), count(f["new_customers"])),
            (
                _("retention from the previous quarter"),
                pct(f["retention"]) if f["retention"] is not None else "–",
            ),
        ]
        if f.get("nps") is not None:
            section.facts.append((_("NPS"), num(f["nps"])))
    measures = []
    for column, label in (
        ("retention", N_("retention")),
        ("repeat_share", N_("repeat purchase share")),
    ):
        if column in card.columns:
            part = card[["period_start", column]].rename(columns={column: "value"})
            part["measure"] = _(label)
            measures.append(part)
    if measures:
        long = pd.concat(measures).dropna()
        section.charts.append(
            Chart(
                _("Retention and repeat purchases by quarter"),
                charts.lines(
                    long,
                    x="period_start",
                    y="value",
                    series="measure",
                    x_title=_("quarter"),
                    y_title=_("share"),
                    percent=True,
                ),
            )
        )
    shown = [
        c
        for c in (
            "period_start",
            "active",
            "new_customers",
            "retention",
            "repeat_share",
            "satisfaction",
            "nps",
            "responses",
        )
        if c in card.columns
    ]
    section.tables.append(
        (
            _("Scorecard"),
            html_table(
                card[shown].rename(columns={c: _(c.replace("_", " ")) for c in shown}),
                {
                    _("period start"): lambda v: format_date(pd.Timestamp(v).date()),
                    _("retention"): pct,
                    _("repeat share"): pct,
                },
            ),
        )
    )
    return section
