"""sBG: Fader & Hardie's (2007) retention estimates for both cohorts, curves, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import ShiftedBetaGeoModel, survivors_to_periods
from patron.analyze.clv.simulate import simulate_sbg
from patron.exceptions import InputError


@pytest.mark.parametrize(
    ("cohort", "alpha", "beta", "ll"),
    [("highend", 0.668, 3.806, -1611.2), ("regular", 0.704, 1.182, -1680.3)],
)
def test_reproduces_fader_hardie_2007(survivors: pd.DataFrame, cohort, alpha, beta, ll) -> None:
    counts = survivors.loc[survivors["cohort"] == cohort, "survivors"].to_numpy()
    model = ShiftedBetaGeoModel().fit(survivors_to_periods(counts))
    assert tuple(model.params_.round(3)) == (alpha, beta)
    assert round(model.log_likelihood_, 1) == ll
    curve = model.retention_curve(12, cohort_size=1000)
    assert curve["survivors"].iloc[0] == 1000
    np.testing.assert_allclose(curve["survivors"].iloc[1:8], counts[1:], rtol=0.05)
    assert np.all(np.diff(curve["retention_rate"].iloc[1:]) > 0)  # retention rises
    assert model.churn_probability(1) == pytest.approx(alpha / (alpha + beta), rel=1e-3)
    assert model.discounted_expected_residual_lifetime(0.1) > 0


def test_survivor_validation() -> None:
    with pytest.raises(InputError, match="survivors rise from 800.0 to 900.0 in period 2"):
        survivors_to_periods([1000, 800, 900])
    with pytest.raises(InputError, match="survivor counts need the cohort size"):
        survivors_to_periods([1000])
    with pytest.raises(InputError, match=r"customer 0: period 0.0 is not a whole number ≥ 1"):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"period": [0, 1], "churned": [True, False]}))


def test_parameter_recovery() -> None:
    model = ShiftedBetaGeoModel().fit(simulate_sbg(0.704, 1.182, 7, 100_000, seed=15))
    assert np.all(np.abs(model.params_ - [0.704, 1.182]) < 3 * model.standard_errors_)
