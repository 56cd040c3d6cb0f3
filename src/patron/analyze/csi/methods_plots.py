"""How the analyst's PLS methods look as charts: Altair (Vega-Lite) specs, no network.

``plot_prediction`` (PLSpredict errors per item), ``plot_simple_slopes`` (moderation),
``plot_ceiling`` (NCA scatter with its CE-FDH ceiling), ``plot_segments`` (FIMIX
criteria by number of segments). ``chart.to_dict()`` is the Vega-Lite spec;
:func:`patron.analyze.csi.plotting.save_chart` writes it as ``.json`` or ``.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from patron.core.i18n import _

if TYPE_CHECKING:
    from patron.analyze.csi.fimix import FIMIXSelection
    from patron.analyze.csi.moderation import ModerationModel
    from patron.analyze.csi.nca import NecessaryConditionAnalysis
    from patron.analyze.csi.predict import PLSPredict


def plot_prediction(result: PLSPredict) -> alt.Chart:
    """Out-of-sample RMSE of PLS and of the LM benchmark, per endogenous item."""
    table = result.summary.reset_index()
    frame = pd.concat(
        [
            pd.DataFrame({"item": table["item"], "model": "PLS", "RMSE": table["PLS RMSE"]}),
            pd.DataFrame({"item": table["item"], "model": "LM", "RMSE": table["LM RMSE"]}),
        ]
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("item:N", sort=None, title=_("Item")),
            xOffset="model:N",
            y=alt.Y("RMSE:Q", title=_("Out-of-sample RMSE")),
            color=alt.Color("model:N", title=_("Model")),
            tooltip=["item", "model", "RMSE"],
        )
        .properties(title=_("PLSpredict: prediction error per item"), width=520)
    )


def plot_simple_slopes(model: ModerationModel) -> alt.Chart:
    """The effect of the predictor on the outcome at the moderator's mean and ± 1 SD."""
    frame = model.simple_slopes_lines()
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("predictor:Q", title=_("{name} (standardised)").format(name=model.predictor)),
            y=alt.Y("outcome:Q", title=_("{name} (standardised)").format(name=model.outcome)),
            color=alt.Color("moderator level:N", sort=None, title=model.moderator),
            tooltip=["moderator level", "slope"],
        )
        .properties(title=_("Simple slopes"), width=420, height=300)
    )


def plot_ceiling(result: NecessaryConditionAnalysis, condition: str) -> alt.LayerChart:
    """Scatter of condition (x) and outcome (y) with the CE-FDH ceiling line."""
    points = alt.Chart(result.points(condition)).mark_circle(size=30, opacity=0.5)
    scatter = points.encode(
        x=alt.X("x:Q", title=condition, scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=result.outcome, scale=alt.Scale(zero=False)),
    )
    line = (
        alt.Chart(result.ceiling(condition))
        .mark_line(interpolate="step-after", color="firebrick")
        .encode(x="x:Q", y="y:Q")
    )
    return (scatter + line).properties(
        title=_("Necessary condition: {condition} for {outcome}").format(
            condition=condition, outcome=result.outcome
        ),
        width=360,
        height=300,
    )


def plot_segments(selection: FIMIXSelection) -> alt.Chart:
    """Information criteria by number of segments (lower is better; EN higher)."""
    frame = selection.summary.reset_index().melt(
        id_vars="segments", var_name="criterion", value_name="value"
    )
    frame = frame[frame["criterion"].isin(["AIC", "AIC3", "AIC4", "BIC", "CAIC", "HQ", "MDL5"])]
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("segments:O", title=_("Segments")),
            y=alt.Y("value:Q", title=_("Criterion"), scale=alt.Scale(zero=False)),
            color=alt.Color("criterion:N", title=_("Criterion")),
        )
        .properties(title=_("FIMIX-PLS: how many segments"), width=420)
    )
