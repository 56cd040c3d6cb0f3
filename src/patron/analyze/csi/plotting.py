"""How CSI results look as charts: Altair (Vega-Lite) specs, no network needed.

``plot_ipma`` draws the importance–performance map, ``plot_paths`` the path
coefficients with their bootstrap intervals, ``plot_group_indices`` the index per
group. Each returns an :class:`altair.Chart`; ``chart.to_dict()`` is the Vega-Lite
spec; ``save_chart(chart, "x.html")`` writes a self-contained page (no network).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

if TYPE_CHECKING:
    from patron.analyze.csi.index import GroupComparison
    from patron.analyze.csi.ipma import IPMAResult
    from patron.analyze.csi.pls import PLSPathModel


def plot_ipma(
    result: IPMAResult, *, level: str = "constructs", names: Mapping[str, str] | None = None
) -> alt.LayerChart:
    """Importance (x) against performance (y), with the means as cross-hairs; ``names``
    gives the words to show for construct (or item) codes."""
    names = names or {}
    frame = (result.constructs if level == "constructs" else result.items).reset_index()
    label = frame.columns[0]
    frame[label] = [names.get(str(code), str(code)) for code in frame[label]]
    target = names.get(result.target, result.target)
    base = alt.Chart(frame)
    points = base.mark_circle(size=120).encode(
        x=alt.X(
            "importance:Q",
            title=_("Importance (total effect on {target})").format(target=target),
        ),
        y=alt.Y("performance:Q", title=_("Performance (0–100)"), scale=alt.Scale(zero=False)),
        tooltip=[label, "importance", "performance", "rank"],
    )
    text = base.mark_text(dx=8, align="left").encode(
        x="importance:Q", y="performance:Q", text=f"{label}:N"
    )
    rule_x = (
        alt.Chart(pd.DataFrame({"m": [frame["importance"].mean()]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="m:Q")
    )
    rule_y = (
        alt.Chart(pd.DataFrame({"m": [frame["performance"].mean()]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(y="m:Q")
    )
    return (points + text + rule_x + rule_y).properties(
        title=_("Importance–performance map: {target}").format(target=target),
        width=480,
        height=360,
    )


def plot_paths(model: PLSPathModel) -> alt.LayerChart:
    """Path coefficients, with bootstrap 95% intervals when the model was bootstrapped."""
    table = model.summary.reset_index()
    base = alt.Chart(table)
    bars = base.mark_point(filled=True, size=80).encode(
        y=alt.Y("path:N", sort=None, title=None), x=alt.X("coef:Q", title=_("Path coefficient"))
    )
    chart = bars
    if table["lower 95%"].notna().any():
        chart = base.mark_rule().encode(y="path:N", x="lower 95%:Q", x2="upper 95%:Q") + bars
    return chart.properties(title=_("Path coefficients"), width=420)


def plot_group_indices(comparison: GroupComparison) -> alt.Chart:
    """The target's index per group."""
    frame = comparison.groups.reset_index()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("group:N", title=_("Group")),
            y=alt.Y("index:Q", title=_("Index (0–100)"), scale=alt.Scale(domain=[0, 100])),
            tooltip=["group", "respondents", "index"],
        )
        .properties(title=_("Satisfaction index by group"), width=360)
    )


def save_chart(chart: alt.TopLevelMixin, path: str | Path) -> Path:
    """Write a chart as a Vega-Lite JSON spec (``.json``) or a self-contained page (``.html``).

    The page inlines the Vega scripts shipped with Patron's report package, so it opens
    without network access.
    """
    path = Path(path)
    spec = chart.to_json(indent=None)
    if path.suffix.lower() == ".json":
        path.write_text(spec, encoding="utf-8")
        return path
    static = Path(__file__).resolve().parents[2] / "report" / "static"
    names = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
    if not all((static / name).exists() for name in names):
        raise InputError(
            _("{path}: the Vega scripts are not installed; save the chart as .json").format(
                path=path
            )
        )
    scripts = "\n".join(
        f"<script>{(static / name).read_text(encoding='utf-8')}</script>" for name in names
    )
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(_('Importance–performance map'))}</title>{scripts}</head>"
        f'<body><div id="chart"></div><script>vegaEmbed("#chart", {spec}, '
        '{"actions": false});</script></body></html>\n'
    )
    path.write_text(page, encoding="utf-8")
    return path
