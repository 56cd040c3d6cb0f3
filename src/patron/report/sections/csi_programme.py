"""The report's programme section: how each unit scores period after period, and what really moved."""

from __future__ import annotations

import altair as alt
import pandas as pd

from patron.core.i18n import _
from patron.report import charts
from patron.report.section import Chart, Missing, ReportContext, Section, count, html_table, num

#: The report's programme: yearly, seeded bootstrap (the command beside it gives the same).
PERIOD, BOOTSTRAP, SEED = "year", 500, 1


def _interval(lower: float, upper: float) -> str:
    if pd.isna(lower) or pd.isna(upper):
        return _("not enough answers")
    return f"{num(lower)} – {num(upper)}"


def _value(value: float) -> str:
    return _("not enough answers") if pd.isna(value) else num(value)


def trend_chart(rollup: pd.DataFrame, changes: pd.DataFrame) -> dict:
    """CSI per unit and period with its interval; significant moves drawn as large marks."""
    moves = changes[(changes["metric"] == "csi") & changes["significant"]]
    moved = set(zip(moves["unit"], moves["period"], strict=True))
    data = rollup[["unit", "period", "csi", "csi_lower", "csi_upper"]].dropna().copy()
    data["move"] = [
        _("significant change") if (u, p) in moved else _("no significant change")
        for u, p in zip(data["unit"], data["period"], strict=True)
    ]
    base = alt.Chart(charts._records(data)).encode(
        x=alt.X("period:O", title=_("period")),
        color=alt.Color("unit:N", title=_("unit")),
    )
    line = base.mark_line().encode(y=alt.Y("csi:Q", title=_("satisfaction index (0–100)")))
    band = base.mark_rule(opacity=0.5).encode(y="csi_lower:Q", y2="csi_upper:Q")
    points = base.mark_point(filled=True).encode(
        y="csi:Q",
        shape=alt.Shape("move:N", title=_("change from the previous period")),
        size=alt.condition(
            alt.datum.move == _("significant change"), alt.value(160), alt.value(30)
        ),
        tooltip=["unit:N", "period:O", alt.Tooltip("csi:Q", format=".1f"), "move:N"],
    )
    return charts.spec((band + line + points).properties(width=charts.WIDTH, height=charts.HEIGHT))


def csi_programme_section(ctx: ReportContext) -> Section:
    from patron.jobs.context import AnalysisContext
    from patron.jobs.csi_programme import csi_programme

    section = Section(
        "csi_programme",
        _("Satisfaction by unit, period after period"),
        f"patron csi programme rollup --period {PERIOD} --bootstrap {BOOTSTRAP} --seed {SEED} "
        f"--as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "Every unit's satisfaction index per period with its 95% interval (a bootstrap "
            "within each unit and period), rolled up the organisation weighted as the "
            "programme's settings say. A move counts as a change only when its interval "
            "excludes zero."
        ),
    )
    reader = ctx.analysis.reader
    if not reader.has("survey_responses"):
        raise Missing(_("no survey answers in the workspace"))
    if not reader.has("units") or "unit_pk" not in reader.table("survey_responses").columns:
        raise Missing(_("the workspace has no units: add them with `patron units add`"))
    analysis = AnalysisContext(ctx.analysis.reader, ctx.as_of)
    result = csi_programme(analysis, period=PERIOD, bootstrap=BOOTSTRAP, seed=SEED)
    figures = section.figures = result.figures
    rollup = result.tables["rollup"]
    changes = result.tables["changes"]
    last = figures["last_period"]
    section.facts = [
        (_("answers"), count(figures["answers"])),
        (_("units measured"), count(figures["units_measured"])),
        (_("periods"), count(figures["periods"])),
        (_("statistically significant changes"), count(figures["significant_changes"])),
    ]
    if "top_csi" in figures:
        section.facts.insert(
            0,
            (
                _("{unit} satisfaction index {period}").format(
                    unit=figures["top_unit"], period=last
                ),
                f"{_value(figures['top_csi'])} ({_interval(figures['top_csi_lower'], figures['top_csi_upper'])})",
            ),
        )
    league = rollup[(rollup["period"] == last) & (rollup["level"] == "measured")]
    league = league.sort_values("csi", ascending=False, na_position="last")
    section.tables.append(
        (
            _("League table of units, {period}").format(period=last),
            html_table(
                pd.DataFrame(
                    {
                        _("unit"): league["unit"],
                        _("answers"): league["answers"].map(count),
                        _("satisfaction index"): league["csi"].map(_value),
                        _("95% interval"): [
                            _interval(lo, hi)
                            for lo, hi in zip(league["csi_lower"], league["csi_upper"], strict=True)
                        ],
                    }
                )
            ),
        )
    )
    if rollup["csi"].notna().any():
        section.charts.append(
            Chart(_("Satisfaction index by unit and period"), trend_chart(rollup, changes))
        )
    tree = rollup[rollup["period"] == last]
    section.tables.append(
        (
            _("Roll-up tree, {period} (weights: {weight})").format(
                period=last, weight=_(result.extra["weight_by"])
            ),
            html_table(
                pd.DataFrame(
                    {
                        _("unit"): [
                            "· " * int(d) + str(u)
                            for d, u in zip(tree["depth"], tree["unit"], strict=True)
                        ],
                        _("weight"): tree["weight"].map(lambda w: num(w)),
                        _("share of parent"): [
                            "" if d == 0 or pd.isna(s) else f"{100 * s:.1f}%"
                            for d, s in zip(tree["depth"], tree["share"], strict=True)
                        ],
                        _("satisfaction index"): tree["csi"].map(_value),
                        _("95% interval"): [
                            _interval(lo, hi)
                            for lo, hi in zip(tree["csi_lower"], tree["csi_upper"], strict=True)
                        ],
                    }
                )
            ),
        )
    )
    moves = changes[changes["significant"] & (changes["metric"] == "csi")]
    section.notes = [
        _("{unit}, {period}: {verdict} of {diff} points (95% interval {lo} to {hi}).").format(
            unit=r.unit,
            period=r.period,
            verdict=r.verdict_text,
            diff=f"{r.difference:+.1f}",
            lo=f"{r.lower:+.1f}",
            hi=f"{r.upper:+.1f}",
        )
        for r in moves.itertuples()
    ] or [_("No unit's satisfaction index changed significantly from one period to the next.")]
    short = int((rollup["status"] != "ok").sum())
    if short:
        section.notes.append(
            _("{n} unit-periods have too few answers for a figure ({minimum} needed).").format(
                n=short, minimum=result.extra["min_answers"]
            )
        )
    return section
