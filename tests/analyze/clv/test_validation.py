"""Holdout comparison, weekly tracking and error metrics on the CDNOW sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from patron.analyze.clv import BetaGeoModel, calibration_and_holdout
from patron.analyze.clv.data import read_transactions
from patron.analyze.clv.validation import (
    error_metrics,
    holdout_by_frequency,
    holdout_predictions,
    tracking,
)
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def cdnow(cdnow_raw_path: Path):
    raw = read_transactions(
        cdnow_raw_path, customer_col="2", date_col="3", amount_col="5", date_format="%Y%m%d"
    )
    split = calibration_and_holdout(raw, calibration_end="1997-09-30", holdout_end="1998-06-30")
    return raw, split, BetaGeoModel().fit(split)


def test_holdout_by_frequency(cdnow) -> None:
    _raw, split, model = cdnow
    table = holdout_by_frequency(model, split)
    assert list(table["frequency"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357
    assert table["customers"].iloc[0] == 1411
    assert (table["customers"] * table["actual"]).sum() == pytest.approx(1882)
    assert table["actual"].iloc[0] == pytest.approx(334 / 1411)


def test_error_metrics(cdnow) -> None:
    _raw, split, model = cdnow
    per = holdout_predictions(model, split)
    metrics = error_metrics(per["actual"], per["predicted"])
    assert metrics["actual_total"] == 1882
    assert metrics["predicted_total"] == pytest.approx(1653.41, abs=0.01)
    assert metrics["total_error_pct"] == pytest.approx(-12.146, abs=1e-3)
    assert error_metrics([1, 2], [1, 2])["rmse"] == 0
    with pytest.raises(InputError, match="same, non-zero length"):
        error_metrics([1], [1, 2])


def test_tracking(cdnow) -> None:
    raw, _split, model = cdnow
    weekly = tracking(model, raw, calibration_end="1997-09-30", periods=78)
    assert len(weekly) == 78 and weekly["calibration"].sum() == 39
    # All repeat purchases (distinct days after the first) of the 78 weeks.
    days = raw.assign(d=raw["ordered_at"].dt.normalize()).drop_duplicates(["customer_id", "d"])
    repeats = len(days) - days["customer_id"].nunique()
    assert weekly["actual_cumulative"].iloc[-1] == repeats
    assert np.all(np.diff(weekly["predicted_cumulative"]) >= 0)
    # The model tracks the calibration period within a few percent.
    end = weekly[weekly["calibration"]].iloc[-1]
    assert end["predicted_cumulative"] == pytest.approx(end["actual_cumulative"], rel=0.05)
