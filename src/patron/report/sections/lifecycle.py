"""The report's lifecycle and cohort sections."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from patron.core.i18n import _, format_date
from patron.report import charts
from patron.report.section import (
    Chart,
    ReportContext,
    Section,
    count,
    pct,
)

# ---------------------------------------------------------------------------------------
# Lifecycle and cohorts
# ---------------------------------------------------------------------------------------


def lifecycle_section(ctx: ReportContext) -> Section:
    from patron.analyze.lifecycle import STAGES
    from patron.jobs import customers as jobs

    start = ctx.as_of - timedelta(days=365)
    section = Section(
        "lifecycle",
        _("Lifecycle funnel and transitions"),
        f"patron analyze lifecycle --from {start} {ctx.analysis.cli_args()}",
        intro=_(
            "Where customers stand today (new, repeat, loyal, at risk, lapsed, won back) and "
            "how they moved over the last year."
        ),
    )
    result = jobs.lifecycle(ctx.analysis, start=start.isoformat())
    section.figures = result.figures
    counts = result.tables["stages"].copy()
    order = [s for s in STAGES if s in set(counts["stage"])]
    counts["label"] = [_(STAGES.get(s, s)) for s in counts["stage"]]
    labels = [_(STAGES[s]) for s in order]
    section.charts.append(
        Chart(
            _("Customers by lifecycle stage"),
            charts.bar(
                counts,
                x="label",
                y="customers",
                x_title=_("stage"),
                y_title=_("customers"),
                sort=labels,
            ),
        )
    )
    moves = result.tables["transitions"].copy()
    moves["from_label"] = [_(STAGES.get(s, s)) for s in moves["from_stage"]]
    moves["to_label"] = [_(STAGES.get(s, s)) for s in moves["to_stage"]]
    section.charts.append(
        Chart(
            _("Moves between stages from {start} to {end}").format(
                start=format_date(start), end=format_date(ctx.as_of)
            ),
            charts.heatmap(
                moves,
                x="to_label",
                y="from_label",
                value="customers",
                x_title=_("stage now"),
                y_title=_("stage a year ago"),
                value_title=_("customers"),
                percent=False,
                x_sort=labels,
                y_sort=labels,
            ),
        )
    )
    total = result.figures["customers"]
    by = {s: result.figures[f"stage_{s}"] for s in order}
    section.facts = [(_(STAGES.get(s, s)), f"{count(by[s])} ({pct(by[s] / total)})") for s in order]
    ctx.shared["at_risk"] = int(by.get("at_risk", 0))
    return section


def cohort_section(ctx: ReportContext) -> Section:
    from patron.jobs import customers as jobs

    section = Section(
        "cohorts",
        _("Cohort retention"),
        f"patron analyze cohorts --period Q {ctx.analysis.cli_args()}",
        intro=_("Share of each quarter's new customers who bought again in each quarter since."),
    )
    result = jobs.cohorts(ctx.analysis, period="Q")
    section.figures = result.figures
    matrix = result.tables["retention"]
    # Cells of quarters not over yet would read low only because they are short.
    running = matrix[(matrix["period"] > 0) & ~matrix["complete"]]
    matrix = matrix[(matrix["period"] > 0) & matrix["complete"]]
    if len(running):
        section.notes.append(
            _("Quarters not over yet on {date} are left out of the picture.").format(
                date=format_date(ctx.as_of)
            )
        )
    # The latest 16 cohorts keep the picture readable and the file small.
    cohorts = sorted(matrix["cohort"].unique())[-16:]
    matrix = matrix[matrix["cohort"].isin(cohorts)].copy()
    matrix["cohort"] = pd.to_datetime(matrix["cohort"]).dt.strftime("%Y-%m")
    section.charts.append(
        Chart(
            _("Retention by acquisition quarter and quarters since"),
            charts.heatmap(
                matrix,
                x="period",
                y="cohort",
                value="retention",
                # Quarters in their order, not in the order the data happen to list them.
                x_sort=[int(p) for p in sorted(matrix["period"].unique())],
                x_title=_("quarters since first purchase"),
                y_title=_("cohort (first purchase)"),
                value_title=_("retention"),
            ),
        )
    )
    if result.figures.get("next_period_retention") is not None:
        section.facts = [
            (_("bought again in the next quarter"), pct(result.figures["next_period_retention"]))
        ]
    return section
