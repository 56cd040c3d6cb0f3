"""Charts are Vega-Lite specs with translated titles and the data they show."""

from __future__ import annotations

import pandas as pd
import pytest

from patron.analyze.clv import BetaGeoModel
from patron.analyze.clv.plotting import (
    plot_frequency_recency_matrix,
    plot_holdout_by_frequency,
    plot_probability_alive_matrix,
    plot_tracking,
)
from patron.core.i18n import language
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def model(cdnow_summary: pd.DataFrame) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow_summary)


def test_matrices(model: BetaGeoModel) -> None:
    spec = plot_probability_alive_matrix(model, max_frequency=10).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {row["frequency"] for row in values} == set(range(11))
    assert all(0 <= row["p_alive"] <= 1 for row in values)
    assert spec["title"].startswith("Probability of being active")
    spec = plot_frequency_recency_matrix(model, t=39).to_dict()
    assert spec["mark"]["type"] == "rect"
    with pytest.raises(InputError, match="the matrix needs max_frequency >= 0"):
        plot_frequency_recency_matrix(model, max_recency=100.0, T=39.0)
    with language("zh_CN"):
        assert (
            plot_probability_alive_matrix(model).to_dict()["title"].startswith("处于活跃状态的概率")
        )


def test_tracking_and_holdout_charts() -> None:
    tracking = pd.DataFrame(
        {
            "period": [1, 2, 3],
            "actual": [1.0, 2, 3],
            "predicted": [1.5, 2, 2.5],
            "calibration": [True, True, False],
        }
    )
    tracking["actual_cumulative"] = tracking["actual"].cumsum()
    tracking["predicted_cumulative"] = tracking["predicted"].cumsum()
    spec = plot_tracking(tracking).to_dict()
    assert "layer" in spec  # the line chart and the calibration-end rule
    spec = plot_tracking(tracking, cumulative=False).to_dict()
    assert spec["layer"][0]["title"] == "Repeat purchases per period"
    comparison = pd.DataFrame(
        {"frequency": ["0", "1+"], "actual": [0.2, 1.0], "predicted": [0.25, 0.9]}
    )
    assert plot_holdout_by_frequency(comparison).to_dict()["mark"]["type"] == "bar"
