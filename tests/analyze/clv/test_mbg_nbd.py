"""MBG/NBD: the CDNOW fit as lifetimes gives it, recovery, P(alive) < 1 without repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import ModifiedBetaGeoModel
from patron.analyze.clv.simulate import simulate_mbg_nbd


def test_cdnow_fit(cdnow_summary: pd.DataFrame) -> None:
    model = ModifiedBetaGeoModel().fit(cdnow_summary)
    np.testing.assert_allclose(model.params_.round(3), [0.525, 6.183, 0.891, 1.614], atol=1e-9)
    assert round(model.log_likelihood_, 1) == -9582.1
    alive = model.probability_alive(cdnow_summary)
    assert alive.loc[3] < 1.0  # may have left right after the first purchase
    # lifetimes 0.11.3 at these parameters: sum of P(alive) 1057.638, of E[Y(39)] 1576.736.
    assert alive.sum() == pytest.approx(1057.638, abs=0.01)
    assert model.expected_purchases(cdnow_summary, 39.0).sum() == pytest.approx(1576.736, abs=0.01)
    assert np.isfinite(model.expected_purchases(cdnow_summary, 39.0)).all()
    assert 0 < model.expected_purchases_new_customer(39.0) < 2


def test_parameter_recovery() -> None:
    truth = np.array([0.525, 6.183, 0.891, 1.614])
    T = np.random.default_rng(5).integers(1, 78 * 7, 100_000) / 7
    data = simulate_mbg_nbd(*truth, T, 100_000, seed=13, time_step=1 / 7)
    model = ModifiedBetaGeoModel().fit(data)
    assert np.all(np.abs(model.params_ - truth) < 3 * model.standard_errors_)
