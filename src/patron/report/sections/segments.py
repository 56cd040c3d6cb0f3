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


def _features(ctx: ReportContext):
    if "features" not in ctx.shared:
        from patron.analyze.features import customer_features

        complaints = ctx.table("complaints") if ctx.has("complaints") else None
        interactions = ctx.table("interactions") if ctx.has("interactions") else None
        expr = customer_features(
            ctx.table("orders"), complaints=complaints, interactions=interactions, as_of=ctx.as_of
        )
        # Computed once and kept in the engine: segments, the Pareto curve and its summary
        # all read it.
        # (An Arrow memtable: creating a table through Ibis fails on some DuckDB versions.)
        import ibis

        from patron.analyze.engine import to_pyarrow

        ctx.shared["features"] = ibis.memtable(to_pyarrow(expr, ctx.con))
    return ctx.shared["features"]


def _has(ctx: ReportContext, name: str) -> bool:
    if name == "responses":
        return ctx.history.has_surveys
    frame = getattr(ctx.history, name, None)
    return frame is not None and not frame.empty


def segments_section(ctx: ReportContext) -> Section:
    section = Section(
        "segments",
        _("Segments and the 20/80 curve"),
        f"patron analyze segments --as-of {ctx.as_of} {ctx.ws_arg}\n"
        f"patron analyze pareto --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "RFM segments from recency, frequency and spend; the Pareto curve shows how much "
            "of the revenue the best customers bring."
        ),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.segments import pareto_curve, pareto_summary, rfm

    features = ctx.features()
    scores = to_pandas(rfm(features))
    ctx.shared["rfm"] = scores.set_index("customer_id")["rfm_segment"]
    counts = (
        scores.groupby("rfm_segment")
        .agg(customers=("customer_id", "size"), revenue=("monetary", "sum"))
        .reset_index()
        .sort_values("revenue", ascending=False)
    )
    section.charts.append(
        Chart(
            _("Revenue by RFM segment"),
            charts.bar(
                counts,
                x="rfm_segment",
                y="revenue",
                x_title=_("segment"),
                y_title=_("revenue"),
                horizontal=True,
                tooltip=["rfm_segment", "customers", "revenue"],
            ),
        )
    )
    summary = to_pandas(pareto_summary(features, top_shares=(0.2,))).iloc[0]
    curve = to_pandas(pareto_curve(features))
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
    top_share = next(v for k, v in summary.items() if str(k).startswith("top_"))
    section.facts = [
        (_("customers"), count(summary["customers"])),
        (_("revenue"), ctx.money(summary["total"])),
        (_("share of revenue from the top 20 %"), pct(top_share)),
        (_("Gini coefficient"), format_number(float(summary["gini"]), decimals=3)),
    ]
    ctx.shared["pareto_top20"] = float(top_share)
    section.tables.append(
        (
            _("Segments"),
            html_table(
                counts.rename(
                    columns={
                        "rfm_segment": _("segment"),
                        "customers": _("customers"),
                        "revenue": _("revenue"),
                    }
                ),
                {_("revenue"): ctx.money},
            ),
        )
    )
    return section
