"""How the customer analyses look: Altair charts (Vega-Lite specs) for the report and CLI.

Every function takes an executed, already aggregated pandas frame and returns an Altair
chart; ``save_chart`` writes it as a Vega-Lite JSON spec or as a page that inlines the
Vega scripts shipped with Patron (no network needed to open it).
"""

from __future__ import annotations

import html
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from patron.analyze.lifecycle import STAGES
from patron.analyze.segments import SEGMENTS
from patron.core.i18n import _
from patron.exceptions import InputError

WIDTH = 480
HEIGHT = 300


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Column types Vega understands: dates as ISO text, missing values as None."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _thin(curve: pd.DataFrame, points: int = 200) -> pd.DataFrame:
    """At most ``points`` evenly spaced rows of a long curve (first and last kept)."""
    if len(curve) <= points:
        return curve
    index = np.unique(np.linspace(0, len(curve) - 1, points).round().astype(int))
    return curve.iloc[index]


def pareto_chart(curves: dict[str, pd.DataFrame]) -> alt.Chart:
    """The 20/80 curve: cumulative share of value against share of customers.

    ``curves`` maps a measure name ("revenue", "gross margin") to the output of
    :func:`patron.analyze.segments.pareto_curve`.
    """
    parts = []
    for measure, curve in curves.items():
        thin = _thin(curve.sort_values("position"))[["customer_share", "value_share"]].copy()
        start = pd.DataFrame({"customer_share": [0.0], "value_share": [0.0]})
        thin = pd.concat([start, thin], ignore_index=True)
        thin["measure"] = measure
        parts.append(thin)
    data = pd.concat(parts, ignore_index=True)
    diagonal = pd.DataFrame({"customer_share": [0.0, 1.0], "value_share": [0.0, 1.0]})
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X(
                "customer_share:Q",
                title=_("Share of customers, most valuable first"),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "value_share:Q", title=_("Cumulative share of value"), axis=alt.Axis(format="%")
            ),
            color=alt.Color("measure:N", title=_("Measure")),
            tooltip=[
                "measure",
                alt.Tooltip("customer_share:Q", format=".1%"),
                alt.Tooltip("value_share:Q", format=".1%"),
            ],
        )
    )
    equal = (
        alt.Chart(diagonal)
        .mark_line(strokeDash=[4, 4], color="#999")
        .encode(x="customer_share:Q", y="value_share:Q")
    )
    rule = alt.Chart(pd.DataFrame({"x": [0.2]})).mark_rule(color="#bbb").encode(x="x:Q")
    return (lines + equal + rule).properties(
        title=_("Pareto curve (20/80)"), width=WIDTH, height=HEIGHT
    )


def purchases_chart(features: pd.DataFrame, cap: int = 10) -> alt.Chart:
    """Customers by number of purchase days (the last bar gathers ``cap`` and more)."""
    days = features["purchase_days"].clip(upper=cap)
    counts = (
        days.value_counts().sort_index().rename_axis("purchase_days").reset_index(name="customers")
    )
    counts["label"] = [f"{d}+" if d == cap else str(d) for d in counts["purchase_days"]]
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("label:O", title=_("Purchase days"), sort=counts["label"].tolist()),
            y=alt.Y("customers:Q", title=_("Customers")),
            tooltip=["label", "customers"],
        )
        .properties(title=_("Customers by number of purchase days"), width=WIDTH, height=HEIGHT)
    )


def rfm_grid_chart(scores: pd.DataFrame) -> alt.Chart:
    """Customers in the R × FM grid, coloured by the named segment of each cell."""
    grid = (
        scores.groupby(["r_score", "fm_score", "rfm_segment"], as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    grid["segment"] = [_(SEGMENTS.get(s, s)) for s in grid["rfm_segment"]]
    base = alt.Chart(grid).encode(
        x=alt.X("fm_score:O", title=_("Frequency and monetary score")),
        y=alt.Y("r_score:O", title=_("Recency score"), sort="descending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("segment:N", title=_("Segment")),
        tooltip=["segment", "r_score", "fm_score", "customers"],
    )
    labels = base.mark_text(color="black").encode(text="customers:Q")
    return (cells + labels).properties(title=_("RFM grid"), width=360, height=300)


def funnel_chart(counts: pd.DataFrame) -> alt.Chart:
    """Customers per lifecycle stage, in funnel order."""
    data = counts.copy()
    order = [_(label) for label in STAGES.values()]
    data["stage_name"] = [_(STAGES.get(s, s)) for s in data["stage"]]
    return (
        alt.Chart(_plain(data))
        .mark_bar()
        .encode(
            y=alt.Y("stage_name:N", title=_("Lifecycle stage"), sort=order),
            x=alt.X("customers:Q", title=_("Customers")),
            tooltip=["stage_name", "customers"],
        )
        .properties(title=_("Lifecycle funnel"), width=WIDTH, height=220)
    )


def transition_heatmap(matrix: pd.DataFrame) -> alt.Chart:
    """Customers moving from each stage (rows) to each stage (columns) between two dates."""
    data = matrix.copy()
    order = [_(label) for label in STAGES.values()]
    data["from"] = [_(STAGES.get(s, s)) for s in data["from_stage"]]
    data["to"] = [_(STAGES.get(s, s)) for s in data["to_stage"]]
    totals = data.groupby("from")["customers"].transform("sum")
    data["share"] = data["customers"] / totals
    base = alt.Chart(data).encode(
        x=alt.X("to:N", title=_("Stage at the end"), sort=order),
        y=alt.Y("from:N", title=_("Stage at the start"), sort=order),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("share:Q", title=_("Share of row"), scale=alt.Scale(scheme="blues")),
        tooltip=["from", "to", "customers", alt.Tooltip("share:Q", format=".1%")],
    )
    text = base.mark_text().encode(text="customers:Q")
    return (cells + text).properties(title=_("Lifecycle transitions"), width=360, height=300)


def cohort_heatmap(cohorts: pd.DataFrame) -> alt.Chart:
    """Share of each acquisition cohort buying in each period since its first purchase."""
    data = _plain(cohorts)
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title=_("Periods since first purchase")),
        y=alt.Y("cohort:O", title=_("Cohort")),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("retention:Q", title=_("Active share"), scale=alt.Scale(scheme="greens")),
        tooltip=[
            "cohort",
            "period",
            "cohort_size",
            "active",
            alt.Tooltip("retention:Q", format=".1%"),
        ],
    )
    return cells.properties(title=_("Cohort retention"), width=WIDTH, height=HEIGHT)


def scorecard_chart(card: pd.DataFrame) -> alt.Chart:
    """The loyalty measures over time: rates (retention, repeat share) and counts."""
    data = _plain(card)
    rates = data.melt(
        id_vars=["period_start"],
        value_vars=[c for c in ("retention", "repeat_share") if c in data.columns],
        var_name="measure",
        value_name="value",
    )
    names = {"retention": _("retention"), "repeat_share": _("repeat share")}
    rates["measure"] = rates["measure"].map(names)
    left = (
        alt.Chart(rates)
        .mark_line(point=True)
        .encode(
            x=alt.X("period_start:T", title=_("Period")),
            y=alt.Y("value:Q", title=_("Share"), axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title=_("Measure")),
            tooltip=["period_start", "measure", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(title=_("Retention and repeat purchases"), width=360, height=240)
    )
    counts = data.melt(
        id_vars=["period_start"],
        value_vars=["active", "new_customers"],
        var_name="measure",
        value_name="customers",
    )
    counts["measure"] = counts["measure"].map(
        {"active": _("active customers"), "new_customers": _("new customers")}
    )
    right = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("period_start:T", title=_("Period")),
            y=alt.Y("customers:Q", title=_("Customers")),
            color=alt.Color("measure:N", title=_("Measure")),
            xOffset="measure:N",
            tooltip=["period_start", "measure", "customers"],
        )
        .properties(title=_("Active and new customers"), width=360, height=240)
    )
    return alt.hconcat(left, right).properties(title=_("Loyalty scorecard"))


def save_chart(chart: alt.TopLevelMixin, path: str | Path) -> Path:
    """Write ``chart`` as a Vega-Lite spec (``.json``) or an offline page (``.html``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = chart.to_json(indent=None)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(spec, encoding="utf-8")
        return path
    if suffix not in (".html", ".htm"):
        raise InputError(_("{path}: charts are saved as .html or .json").format(path=path))
    static = Path(__file__).resolve().parents[1] / "report" / "static"
    names = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
    missing = [name for name in names if not (static / name).exists()]
    if missing:
        raise InputError(
            _("{path}: the Vega scripts are not installed; save the chart as .json").format(
                path=path
            )
        )
    scripts = "\n".join(
        f"<script>{(static / name).read_text(encoding='utf-8')}</script>" for name in names
    )
    title = chart.to_dict().get("title", "Patron")
    title = title.get("text", "Patron") if isinstance(title, dict) else str(title)
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{scripts}</head>"
        f'<body><div id="chart"></div><script>vegaEmbed("#chart", {spec}, '
        '{"actions": false});</script></body></html>\n'
    )
    path.write_text(page, encoding="utf-8")
    return path
