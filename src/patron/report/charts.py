"""Vega-Lite specs (via Altair) for the report's figures; every input is already aggregated."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from patron.core.i18n import _

WIDTH = 430
HEIGHT = 260


def _records(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain column types Vega understands (no categoricals, no numpy NaN in text)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart as a Vega-Lite dict (data inlined)."""
    return chart.to_dict()


def bar(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    sort: list[str] | str | None = None,
    horizontal: bool = False,
    color: str = "#4c78a8",
    y_format: str | None = None,
    tooltip: list[str] | None = None,
) -> dict[str, Any]:
    data = _records(frame)
    value_axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    if horizontal:
        encoding = {
            "y": alt.Y(f"{x}:N", title=x_title, sort=sort if sort is not None else "-x"),
            "x": alt.X(f"{y}:Q", title=y_title, axis=value_axis),
        }
    else:
        encoding = {
            "x": alt.X(f"{x}:N", title=x_title, sort=sort, axis=alt.Axis(labelAngle=-30)),
            "y": alt.Y(f"{y}:Q", title=y_title, axis=value_axis),
        }
    chart = (
        alt.Chart(data)
        .mark_bar(color=color)
        .encode(**encoding, tooltip=tooltip or [x, y])
        .properties(width=WIDTH, height=HEIGHT)
    )
    return spec(chart)


def rate_with_interval(
    frame: pd.DataFrame,
    *,
    x: str,
    rate: str,
    low: str,
    high: str,
    x_title: str,
    y_title: str,
    sort: list[str] | None = None,
    line: bool = False,
) -> dict[str, Any]:
    """A share per group with its 95 % interval (bars or a line with error bars)."""
    data = _records(frame)
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=sort, axis=alt.Axis(labelAngle=0)),
    )
    marks = (
        base.mark_line(point=True, color="#4c78a8")
        if line
        else base.mark_bar(color="#4c78a8", opacity=0.85)
    ).encode(
        y=alt.Y(
            f"{rate}:Q", title=y_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=[x, alt.Tooltip(f"{rate}:Q", format=".1%")],
    )
    errors = base.mark_rule(color="#222", strokeWidth=2).encode(
        y=alt.Y(f"{low}:Q", title=y_title), y2=f"{high}:Q"
    )
    return spec((marks + errors).properties(width=WIDTH, height=HEIGHT))


def curve(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    diagonal: bool = False,
    percent: bool = True,
) -> dict[str, Any]:
    data = _records(frame)
    fmt = "%" if percent else ""
    chart = (
        alt.Chart(data)
        .mark_line(color="#4c78a8")
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=fmt)),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)),
        )
    )
    if diagonal:
        ref = pd.DataFrame({x: [0.0, 1.0], y: [0.0, 1.0]})
        chart = chart + alt.Chart(ref).mark_line(color="#999", strokeDash=[4, 4]).encode(
            x=f"{x}:Q", y=f"{y}:Q"
        )
    return spec(chart.properties(width=WIDTH, height=HEIGHT))


def band(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    x_title: str,
    y_title: str,
) -> dict[str, Any]:
    """A line with its interval as a shaded band (a quantity along a numeric axis)."""
    data = _records(frame)
    base = alt.Chart(data).encode(x=alt.X(f"{x}:Q", title=x_title))
    area = base.mark_area(opacity=0.25, color="#4c78a8").encode(
        y=alt.Y(f"{low}:Q", title=y_title), y2=f"{high}:Q"
    )
    line = base.mark_line(point=True, color="#4c78a8").encode(
        y=alt.Y(f"{y}:Q", title=y_title),
        tooltip=[x, alt.Tooltip(f"{y}:Q", format=",.2f")],
    )
    return spec((area + line).properties(width=WIDTH, height=HEIGHT))


def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    x_title: str,
    y_title: str,
    value_title: str,
    percent: bool = True,
    x_sort: list[str] | None = None,
    y_sort: list[str] | None = None,
    x_type: str = "O",
    y_type: str = "O",
) -> dict[str, Any]:
    data = _records(frame)
    fmt = ".0%" if percent else ",.0f"
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, sort=x_sort),
        y=alt.Y(f"{y}:{y_type}", title=y_title, sort=y_sort),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="blues")),
        tooltip=[x, y, alt.Tooltip(f"{value}:Q", format=fmt)],
    )
    # The value written in each cell (a colour alone cannot be read off); white on the
    # dark cells, so it stays legible.
    values = pd.to_numeric(frame[value], errors="coerce") if len(frame) else pd.Series([])
    middle = float((values.min() + values.max()) / 2) if len(values.dropna()) else 0.0
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(
            f"datum['{value}'] > {middle!r}", alt.value("white"), alt.value("black")
        ),
    )
    return spec((rect + text).properties(width=WIDTH, height=HEIGHT))


def histogram(
    values: np.ndarray, *, bins: int = 30, x_title: str, y_title: str, log_x: bool = False
) -> dict[str, Any]:
    """Counts per bin computed here, so the page carries ``bins`` rows, not the data."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if log_x:
        values = values[values > 0]
    if len(values) == 0:
        frame = pd.DataFrame({"start": [], "end": [], "customers": []})
    else:
        edges = (
            np.geomspace(values.min(), values.max(), bins + 1)
            if log_x and values.min() > 0 and values.max() > values.min()
            else np.histogram_bin_edges(values, bins=bins)
        )
        counts, edges = np.histogram(values, bins=edges)
        frame = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "customers": counts})
    chart = (
        alt.Chart(frame)
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X(
                "start:Q",
                bin="binned",
                title=x_title,
                scale=alt.Scale(type="log") if log_x else alt.Scale(zero=False),
            ),
            x2="end:Q",
            y=alt.Y("customers:Q", title=y_title),
            tooltip=[
                alt.Tooltip("start:Q", format=",.2f"),
                alt.Tooltip("end:Q", format=",.2f"),
                "customers:Q",
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return spec(chart)


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    x_title: str,
    y_title: str,
    x_type: str = "T",
    percent: bool = False,
) -> dict[str, Any]:
    data = _records(frame)
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:{x_type}", title=x_title),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format="%" if percent else "")),
            color=alt.Color(f"{series}:N", title=_("measure")),
            tooltip=[x, series, alt.Tooltip(f"{y}:Q", format=".3f")],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return spec(chart)


def calibration(frame: pd.DataFrame, *, x_title: str, y_title: str) -> dict[str, Any]:
    data = _records(frame)
    points = (
        alt.Chart(data)
        .mark_line(point=True, color="#4c78a8")
        .encode(
            x=alt.X(
                "predicted:Q",
                title=x_title,
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y(
                "observed:Q",
                title=y_title,
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("predicted:Q", format=".1%"),
                alt.Tooltip("observed:Q", format=".1%"),
                "customers:Q",
            ],
        )
    )
    ref = (
        alt.Chart(pd.DataFrame({"predicted": [0.0, 1.0], "observed": [0.0, 1.0]}))
        .mark_line(color="#999", strokeDash=[4, 4])
        .encode(x="predicted:Q", y="observed:Q")
    )
    return spec((ref + points).properties(width=WIDTH, height=HEIGHT))
