"""BG/NBD: the published CDNOW estimates, recovery from simulated data, stable predictions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import BetaGeoModel, ModifiedBetaGeoModel
from patron.analyze.clv.simulate import simulate_bg_nbd


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow_summary)


def test_reproduces_fader_hardie_lee_2005(fitted: BetaGeoModel) -> None:
    np.testing.assert_allclose(fitted.params_.round(3), [0.243, 4.414, 0.793, 2.426], atol=1e-9)
    assert round(fitted.log_likelihood_, 1) == -9582.4
    # Standard errors as lifetimes reports them for the same data.
    np.testing.assert_allclose(fitted.standard_errors_, [0.0126, 0.3782, 0.1857, 0.7053], atol=1e-4)
    assert fitted.n_customers_ == 2357 and fitted.n_patterns_ == 1016


def test_predictions(fitted: BetaGeoModel, cdnow_summary: pd.DataFrame) -> None:
    alive = fitted.probability_alive(cdnow_summary)
    assert alive.index.name == "customer_id" and alive.loc[3] == 1.0
    assert alive.loc[1] == pytest.approx(0.7266, abs=1e-4)
    expected = fitted.expected_purchases(cdnow_summary, 39.0)
    assert expected.sum() == pytest.approx(1653.4233, abs=1e-3)
    # E[X(t)] for a new customer (FHL 2005 Figure 2 rises to ~1.2 at week 39).
    assert fitted.expected_purchases_new_customer(39.0) == pytest.approx(1.19502, abs=1e-5)
    assert np.allclose(fitted.predict(cdnow_summary, 39.0), expected)


def test_extreme_histories_stay_finite(fitted: BetaGeoModel) -> None:
    extreme = pd.DataFrame(
        {
            "frequency": [0, 0, 1, 1e5, 5e6, 3, 0],
            "recency": [0, 0, 0, 50.0, 78.0, 10.0, 0],
            "T": [0, 78, 0, 50.0, 78.0, 10.0, 1e6],
        }
    )
    for values in (
        fitted.probability_alive(extreme),
        fitted.expected_purchases(extreme, 52.0),
        fitted.expected_purchases(extreme, 0.0),
    ):
        assert np.all(np.isfinite(values))
    ll, grad = fitted._loglik(fitted.params_.to_numpy(), fitted._prepare(extreme))
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))


def test_parameter_recovery() -> None:
    truth = np.array([0.243, 4.414, 0.793, 2.426])
    T = np.random.default_rng(5).integers(1, 78 * 7, 100_000) / 7
    data = simulate_bg_nbd(*truth, T, 100_000, seed=11, time_step=1 / 7)
    model = BetaGeoModel().fit(data)
    assert np.all(np.abs(model.params_ - truth) < 3 * model.standard_errors_)


@pytest.mark.parametrize("model_class", [BetaGeoModel, ModifiedBetaGeoModel])
def test_predictions_finite_over_a_parameter_grid(model_class: type) -> None:
    """SciPy's hyp2f1 gives NaN for thousands of purchases and long horizons: not here."""
    x = np.array([0, 0, 1, 3, 50, 1e4, 1e6])
    T = np.array([0, 100, 5, 40, 78, 78, 78.0])
    t_x = np.minimum(T, [0, 0, 1, 30, 70, 78, 78.0])
    for params in itertools.product([0.05, 5], [0.1, 400], [0.1, 1.0, 30], [0.1, 50]):
        model = model_class()
        model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
        for t in (0.0, 52.0, 1e4, 1e7):
            value = model._expected_if_alive(t, x, T) * model._p_alive(x, t_x, T)
            assert np.all(np.isfinite(value)) and np.all(value >= -1e-9), (params, t)
        assert np.all(np.isfinite(model._expected_new(np.array([0.0, 52.0, 1e7]))))
