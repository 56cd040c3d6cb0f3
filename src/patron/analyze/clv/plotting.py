"""What the models say, as charts: holdout tracking, holdout by frequency, frequency–recency and P(alive) matrices.

Every function returns an Altair chart (a Vega-Lite spec: render it with the vendored
JavaScript or save it as HTML/JSON; nothing is fetched from the network).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from patron.analyze.clv.base import PurchaseModel
from patron.analyze.clv.data import validate_columns
from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = [
    "plot_frequency_recency_matrix",
    "plot_holdout_by_frequency",
    "plot_probability_alive_matrix",
    "plot_tracking",
]


def plot_tracking(tracking: pd.DataFrame, *, cumulative: bool = True) -> alt.Chart:
    """Actual vs expected repeat purchases per period (from :func:`validation.tracking`)."""
    frame = validate_columns(tracking, ["period", "actual", "predicted"])
    actual, predicted = (
        ("actual_cumulative", "predicted_cumulative") if cumulative else ("actual", "predicted")
    )
    frame = validate_columns(frame, [actual, predicted])
    label_actual, label_model = _("actual"), _("model")
    long = pd.concat(
        [
            pd.DataFrame(
                {"period": frame["period"], "value": frame[actual], "series": label_actual}
            ),
            pd.DataFrame(
                {"period": frame["period"], "value": frame[predicted], "series": label_model}
            ),
        ]
    )
    title = _("Cumulative repeat purchases") if cumulative else _("Repeat purchases per period")
    chart = (
        alt.Chart(long, title=title)
        .mark_line()
        .encode(
            x=alt.X("period:Q", title=_("period")),
            y=alt.Y("value:Q", title=_("repeat purchases")),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", title=None),
        )
    )
    if "calibration" in frame and (~frame["calibration"]).any():
        edge = float(frame.loc[frame["calibration"], "period"].max())
        rule = (
            alt.Chart(pd.DataFrame({"period": [edge]}))
            .mark_rule(strokeDash=[2, 2])
            .encode(x="period:Q")
        )
        return chart + rule
    return chart


def plot_holdout_by_frequency(comparison: pd.DataFrame) -> alt.Chart:
    """Mean holdout purchases per calibration frequency, actual vs model (bars)."""
    frame = validate_columns(comparison, ["frequency", "actual", "predicted"])
    long = frame.melt(
        id_vars="frequency",
        value_vars=["actual", "predicted"],
        var_name="series",
        value_name="value",
    )
    long["series"] = long["series"].map({"actual": _("actual"), "predicted": _("model")})
    order = list(frame["frequency"])
    return (
        alt.Chart(long, title=_("Holdout purchases by calibration frequency"))
        .mark_bar()
        .encode(
            x=alt.X("frequency:N", sort=order, title=_("repeat purchases in calibration")),
            xOffset="series:N",
            y=alt.Y("value:Q", title=_("mean purchases in holdout")),
            color=alt.Color("series:N", title=None),
        )
    )


def _grid(
    model: PurchaseModel, max_frequency: int | None, max_recency: float | None, T: float | None
):
    model.check_is_fitted()
    d = getattr(model, "_d", None)
    if T is None:
        T = float(np.max(d["T"])) if d is not None else 1.0
    if max_frequency is None:
        max_frequency = int(np.max(d["x"])) if d is not None else 10
    if max_recency is None:
        max_recency = T
    if max_frequency < 0 or T <= 0 or max_recency <= 0 or max_recency > T:
        raise InputError(
            _(
                "the matrix needs max_frequency >= 0 and 0 < max_recency <= T (got {f}, {r}, {t})"
            ).format(f=max_frequency, r=max_recency, t=T)
        )
    x = np.arange(0, int(max_frequency) + 1, dtype=float)
    t_x = np.linspace(0.0, float(max_recency), 40)
    xx, tt = np.meshgrid(x, t_x, indexing="ij")
    grid = pd.DataFrame({"frequency": xx.ravel(), "recency": tt.ravel(), "T": float(T)})
    # A customer with no repeat purchase has recency 0: keep one cell for them.
    grid.loc[grid["frequency"] == 0, "recency"] = 0.0
    return grid.drop_duplicates().reset_index(drop=True), float(T)


def _heatmap(grid: pd.DataFrame, value: str, title: str, legend: str) -> alt.Chart:
    return (
        alt.Chart(grid, title=title)
        .mark_rect()
        .encode(
            x=alt.X("frequency:O", title=_("repeat purchases (frequency)")),
            y=alt.Y(
                "recency:Q", title=_("time of last purchase (recency)"), bin=alt.Bin(maxbins=40)
            ),
            color=alt.Color(f"{value}:Q", title=legend, scale=alt.Scale(scheme="viridis")),
            tooltip=[
                "frequency:Q",
                alt.Tooltip("recency:Q", format=".1f"),
                alt.Tooltip(f"{value}:Q", format=".3f"),
            ],
        )
    )


def plot_frequency_recency_matrix(
    model: PurchaseModel,
    *,
    t: float = 1.0,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,
) -> alt.Chart:
    """Expected purchases in the next ``t`` for every (frequency, recency) at age ``T``."""
    grid, T = _grid(model, max_frequency, max_recency, T)
    grid["expected"] = model.expected_purchases(grid, t).to_numpy()
    return _heatmap(
        grid,
        "expected",
        _("Expected purchases in the next {t:g} periods (age {T:g})").format(t=t, T=T),
        _("expected purchases"),
    )


def plot_probability_alive_matrix(
    model: PurchaseModel,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,
) -> alt.Chart:
    """P(alive) for every (frequency, recency) at age ``T``."""
    grid, T = _grid(model, max_frequency, max_recency, T)
    grid["p_alive"] = model.probability_alive(grid).to_numpy()
    return _heatmap(
        grid, "p_alive", _("Probability of being active (age {T:g})").format(T=T), _("P(alive)")
    )
