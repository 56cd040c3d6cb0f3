"""Intervals for expected purchases and CLV from the parameters' uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import BetaGeoModel, GammaGammaModel
from patron.analyze.clv.simulate import simulate_bg_nbd, simulate_gamma_gamma
from patron.analyze.clv.uncertainty import clv_interval, parameter_draws, purchases_interval
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, BetaGeoModel, GammaGammaModel]:
    n = 3000
    T = np.random.default_rng(1).uniform(10.0, 78.0, n)
    data = simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, T, n, seed=2)
    spend = simulate_gamma_gamma(6.25, 3.74, 15.44, data["frequency"].to_numpy(), seed=3)
    data["monetary_value"] = spend["monetary_value"]
    return data, BetaGeoModel().fit(data), GammaGammaModel().fit(data)


def test_draws_follow_the_parameter_covariance(fitted) -> None:
    _data, model, _spend = fitted
    draws = parameter_draws(model, n_draws=20_000, seed=4)
    logs = np.log(draws)
    params = model.params_.to_numpy()
    expected = model.variance_matrix_.to_numpy() / np.outer(params, params)
    # Monte Carlo error of a covariance from 20,000 draws, on the correlation scale:
    # 1 / sqrt(20,000) = 0.007; four times that is allowed.
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    assert np.max(np.abs(np.cov(logs.T) - expected) / scale) < 0.03
    np.testing.assert_allclose(logs.mean(axis=0), np.log(params), atol=0.05)
    again = parameter_draws(model, n_draws=50, seed=4)
    np.testing.assert_array_equal(again, parameter_draws(model, n_draws=50, seed=4))


def test_purchase_intervals_bracket_the_estimate(fitted) -> None:
    data, model, _spend = fitted
    table = purchases_interval(model, data.head(200), 10.0, n_draws=100, seed=1)
    assert list(table.columns) == ["estimate", "lower", "upper"]
    assert len(table) == 200
    np.testing.assert_allclose(table["estimate"], model.expected_purchases(data.head(200), 10.0))
    assert np.all(table["lower"] < table["estimate"]) and np.all(table["estimate"] < table["upper"])
    # Relative width near 2 * 1.96 * (relative SE of the rate): a few per cent here.
    width = ((table["upper"] - table["lower"]) / table["estimate"]).median()
    assert 0.01 < width < 0.5


def test_clv_intervals_and_bad_options(fitted) -> None:
    data, model, spend = fitted
    table = clv_interval(spend, model, data.head(100), n_draws=60, seed=2)
    np.testing.assert_allclose(
        table["estimate"], spend.customer_lifetime_value(model, data.head(100))
    )
    assert np.all(table["lower"] <= table["estimate"]) and np.all(
        table["estimate"] <= table["upper"]
    )
    with pytest.raises(InputError, match="level must be between 0 and 1"):
        purchases_interval(model, data.head(5), 10.0, level=95)
    with pytest.raises(InputError, match="n_draws must be"):
        purchases_interval(model, data.head(5), 10.0, n_draws=3)
