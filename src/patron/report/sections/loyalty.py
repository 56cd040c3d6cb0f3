"""The report's loyalty section: the five-measure scorecard and loyalty types."""

from __future__ import annotations

import pandas as pd

from patron.core.i18n import N_, _, format_date, format_number
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


#: Headers of the scorecard table, in words.
SCORECARD_COLUMNS = {
    "period_start": N_("period start"),
    "active": N_("active"),
    "new_customers": N_("new customers"),
    "retention": N_("retention"),
    "repeat_share": N_("repeat share"),
    "satisfaction": N_("satisfaction"),
    "nps": N_("NPS"),
    "responses": N_("survey answers"),
}


def _quarter(start: str) -> str:
    return format_date(pd.Timestamp(start).date())


def _with_change(shown: str, f: dict, key: str, *, pct_: bool) -> str:
    """The figure and its change since the quarter before ("61.0 % (+2.1 points)")."""
    now, before = f.get(key), f.get(f"{key}_previous")
    if now is None or before is None:
        return shown
    delta = now - before
    if pct_:
        change = _("{sign}{d} points").format(
            sign="+" if delta > 0 else "", d=format_number(100 * delta, decimals=1)
        )
    else:
        change = ("+" if delta > 0 else "") + format_number(delta, decimals=0)
    return _("{value} ({change} since the quarter before)").format(value=shown, change=change)


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
    full = result.tables["scorecard"].sort_values("period_start")
    # Only quarters that are over: a running one would read as a collapse.
    card = full[full["complete"]].tail(12)
    ctx.shared["scorecard"] = card
    f = result.figures
    if "period_start" in f:
        section.facts = [
            (_("quarter (the latest complete one)"), _quarter(f["period_start"])),
            (_("active customers"), _with_change(count(f["active"]), f, "active", pct_=False)),
            (
                _("new customers"),
                _with_change(count(f["new_customers"]), f, "new_customers", pct_=False),
            ),
            (
                _("retention from the previous quarter"),
                _with_change(pct(f["retention"]), f, "retention", pct_=True)
                if f["retention"] is not None
                else "–",
            ),
        ]
        if f.get("nps") is not None:
            section.facts.append((_("NPS"), _with_change(num(f["nps"]), f, "nps", pct_=False)))
    if f.get("running_period_start"):
        section.notes.append(
            _("The quarter from {start} is not over yet: it is left out of these figures.").format(
                start=_quarter(f["running_period_start"])
            )
        )
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
                card[shown].rename(columns={c: _(SCORECARD_COLUMNS[c]) for c in shown}),
                {
                    _("period start"): lambda v: format_date(pd.Timestamp(v).date()),
                    _("retention"): pct,
                    _("repeat share"): pct,
                },
            ),
        )
    )
    return section
