"""The report's segments section: RFM segments and the 20/80 curve."""

from __future__ import annotations

import pandas as pd

from patron.core.i18n import _, format_number
from patron.report import charts
from patron.report.section import (
    Chart,
    ReportContext,
    Section,
    count,
    html_table,
    pct,
)

# ---------------------------------------------------------------------------------------
# Segments and the 20/80 curve
# ---------------------------------------------------------------------------------------


def segments_section(ctx: ReportContext) -> Section:
    from patron.jobs import customers as jobs

    args = ctx.analysis.cli_args()
    section = Section(
        "segments",
        _("Segments and the 20/80 curve"),
        f"patron analyze segments {args}\npatron analyze pareto {args}",
        intro=_(
            "RFM segments from recency, frequency and spend; the Pareto curve shows how much "
            "of the revenue the best customers bring."
        ),
    )
    segments = jobs.segments(ctx.analysis)
    pareto = jobs.pareto(ctx.analysis)
    section.figures = {"segments": segments.figures, "pareto": pareto.figures}
    ctx.shared["rfm"] = segments.frame.set_index("customer_id")["rfm_segment"]
    counts = (
        segments.tables["segments"][["segment", "customers", "revenue"]]
        .sort_values("revenue", ascending=False)
        .reset_index(drop=True)
    )
    section.charts.append(
        Chart(
            _("Revenue by RFM segment"),
            charts.bar(
                counts,
                x="segment",
                y="revenue",
                x_title=_("segment"),
                y_title=_("revenue"),
                horizontal=True,
                tooltip=["segment", "customers", "revenue"],
            ),
        )
    )
    curve = jobs.pareto_curves(ctx.analysis)["revenue"]
    # 200 points draw the curve as well as a million do.
    step = max(1, len(curve) // 200)
    points = pd.concat([curve.iloc[::step], curve.iloc[[-1]]])[["customer_share", "value_share"]]
    points = pd.concat([pd.DataFrame({"customer_share": [0.0], "value_share": [0.0]}), points])
    section.charts.append(
        Chart(
            _("Share of revenue against share of customers (Pareto)"),
            charts.curve(
                points,
                x="customer_share",
                y="value_share",
                x_title=_("share of customers (best first)"),
                y_title=_("share of revenue"),
                diagonal=True,
            ),
        )
    )
    f = pareto.figures
    section.facts = [
        (_("customers"), count(f["customers"])),
        (_("revenue"), ctx.money(f["revenue_total"])),
        (_("share of revenue from the top 20 %"), pct(f["revenue_top_20pct_share"])),
        (_("Gini coefficient"), format_number(f["revenue_gini"], decimals=3)),
        (_("customers losing money"), count(f["money_losers"])),
    ]
    ctx.shared["pareto_top20"] = f["revenue_top_20pct_share"]
    section.tables.append(
        (
            _("Segments"),
            html_table(
                counts.rename(
                    columns={
                        "segment": _("segment"),
                        "customers": _("customers"),
                        "revenue": _("revenue"),
                    }
                ),
                {_("revenue"): ctx.money},
            ),
        )
    )
    return section
