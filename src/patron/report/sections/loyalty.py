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
        f"patron analyze loyalty --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "The five measures of loyalty per quarter: retention, repeat purchases, share of "
            "wallet (when asked), new customers, satisfaction and recommendation (NPS)."
        ),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.loyalty import scorecard

    responses = None
    if ctx.history.has_surveys:
        responses = ctx.responses_table()
    card = to_pandas(scorecard(ctx.table("orders"), responses=responses, period="Q"))
    card = card.sort_values("period_start").tail(12)
    ctx.shared["scorecard"] = card
    last = card.iloc[-1] if len(card) else None
    if last is not None:
        section.facts = [
            (_("quarter"), format_date(pd.Timestamp(last["period_start"]).date())),
            (_("active customers"), count(last["active"])),
            (_("new customers"), count(last["new_customers"])),
            (
                _("retention from the previous quarter"),
                pct(last["retention"]) if pd.notna(last["retention"]) else "–",
            ),
        ]
        if "nps" in card.columns and pd.notna(last.get("nps")):
            section.facts.append((_("NPS"), num(last["nps"])))
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
