"""Pareto/NBD with covariates: planted effects recovered, an independent likelihood, the tail series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import gammaln

from patron.analyze.base import SUMMARY_COLUMNS
from patron.analyze.clv import ParetoNBDModel
from patron.analyze.clv.pareto_nbd_tail import log_tail_rows, log_tail_sorted, runs_of
from patron.analyze.clv.simulate import simulate_pareto_nbd_covariates

from .test_covariates import _covariates, _within_two_se

PARETO_TRUTH = {
    "r": 0.55,
    "alpha": 10.0,
    "s": 0.6,
    "beta": 12.0,
    "alpha: satisfaction": 0.1,
    "alpha: channel: phone (vs store)": -0.3,
    "alpha: channel: web (vs store)": 0.2,
    "beta: satisfaction": -0.15,
    "beta: channel: web (vs store)": 0.3,
}


def simulated(n: int) -> pd.DataFrame:
    covariates = _covariates(n, 5)
    T = np.random.default_rng(6).uniform(20.0, 78.0, n)
    return simulate_pareto_nbd_covariates(PARETO_TRUTH, covariates, T, seed=7)


@pytest.fixture(scope="module")
def fitted() -> tuple[ParetoNBDModel, pd.DataFrame]:
    data = simulated(100_000)
    return ParetoNBDModel(covariates="satisfaction, channel").fit(data), data


def test_recovers_planted_effects(fitted) -> None:
    model, data = fitted
    assert model.converged_
    summary = _within_two_se(model, PARETO_TRUTH)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert list(summary.index) == [
        "r",
        "alpha",
        "s",
        "beta",
        "alpha: satisfaction",
        "alpha: channel: phone (vs store)",
        "alpha: channel: web (vs store)",
        "beta: satisfaction",
        "beta: channel: phone (vs store)",
        "beta: channel: web (vs store)",
    ]
    # The effect on the purchase rate is measured to a few per cent of its size.
    assert summary.loc["alpha: satisfaction", "se"] < 0.005
    assert summary.loc["alpha: satisfaction", "coef"] == pytest.approx(0.1, abs=0.01)
    # Predictions use each customer's covariates: same history, other channel.
    one = data.iloc[[0, 0]].copy()
    one["channel"] = ["store", "web"]
    one["customer_id"] = [1, 2]
    purchases = model.expected_purchases(one, 10.0)
    alive = model.probability_alive(one)
    assert purchases.iloc[0] != pytest.approx(purchases.iloc[1], rel=1e-3)
    assert alive.iloc[0] != pytest.approx(alive.iloc[1], rel=1e-3)
    # A customer's prediction is the plain model's at their own alpha_i and beta_i.
    r, alpha, s, beta = model._customer_params(one)
    plain = ParetoNBDModel()
    plain.params_ = pd.Series([r, alpha[1], s, beta[1]], index=["r", "alpha", "s", "beta"])
    plain.n_customers_ = 1
    assert purchases.iloc[1] == pytest.approx(
        plain.expected_purchases(one.iloc[[1]], 10.0).iloc[0], rel=1e-12
    )


def _log_f_by_quadrature(r, s, x, t, alpha, beta) -> float:
    """log of int_t^inf (alpha+u)^-(r+x) (beta+u)^-(s+1) du by adaptive quadrature."""
    shift = -(r + x) * np.log(alpha + t) - (s + 1.0) * np.log(beta + t)

    def f(u: float) -> float:
        return np.exp(-(r + x) * np.log(alpha + u) - (s + 1.0) * np.log(beta + u) - shift)

    value, _err = integrate.quad(f, t, np.inf, epsabs=0.0, epsrel=1e-12, limit=400)
    return float(np.log(value) + shift)


def test_tail_series_matches_quadrature() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(40):
        rows.append(
            (
                float(rng.uniform(0.1, 3.0)),
                float(rng.uniform(0.1, 3.0)),
                float(rng.integers(0, 40)),
                float(rng.uniform(0.0, 80.0)),
                float(np.exp(rng.uniform(-3, 5))),
                float(np.exp(rng.uniform(-3, 5))),
            )
        )
    for r, s, x, t, alpha, beta in rows:
        mine, _grad = log_tail_rows(r, s, np.array([x]), np.array([t]), alpha, beta)
        assert mine[0] == pytest.approx(_log_f_by_quadrature(r, s, x, t, alpha, beta), rel=1e-9)


def test_sorted_tail_equals_row_by_row() -> None:
    rng = np.random.default_rng(4)
    x = np.sort(rng.integers(0, 12, 3000).astype(float))
    t = rng.uniform(0.0, 60.0, 3000)
    alpha = 8.0 * np.exp(rng.normal(0, 0.5, 3000))
    beta = 9.0 * np.exp(rng.normal(0, 0.5, 3000))
    for a, b in ((alpha, beta), (8.0, 9.0), (40.0, 0.5)):
        v1, g1, *_logs = log_tail_sorted(0.5, a, 0.7, b, t, x, runs_of(x))
        v2, g2 = log_tail_rows(0.5, 0.7, x, t, a, b)
        np.testing.assert_allclose(v1, v2, rtol=1e-13)
        np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-13)


def test_optimum_of_an_independent_likelihood() -> None:
    """Patron's estimate is the maximum of the likelihood computed by quadrature: one
    Newton step of that likelihood (its gradient by central differences, Patron's
    covariance) moves no parameter by more than 1e-4 of its standard error."""
    data = simulated(200)
    model = ParetoNBDModel(covariates=["satisfaction", "channel"]).fit(data)
    matrix = model.design_.transform(data)
    x, t_x, T = (data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))

    def loglik(params: np.ndarray) -> float:
        r, alpha, s, beta = model._params_from(params, matrix)
        total = 0.0
        for i in range(len(x)):
            alive = np.exp(-(r + x[i]) * np.log(alpha[i] + T[i]) - s * np.log(beta[i] + T[i]))
            left = 0.0
            if T[i] > t_x[i]:
                f_tx = _log_f_by_quadrature(r, s, x[i], t_x[i], alpha[i], beta[i])
                f_T = _log_f_by_quadrature(r, s, x[i], T[i], alpha[i], beta[i])
                left = s * (np.exp(f_tx) - np.exp(f_T))
            total += (
                gammaln(r + x[i])
                - gammaln(r)
                + r * np.log(alpha[i])
                + s * np.log(beta[i])
                + np.log(alive + left)
            )
        return total

    theta = model.params_.to_numpy()
    assert loglik(theta) == pytest.approx(model.log_likelihood_, abs=1e-7)
    grad = np.empty(len(theta))
    for j in range(len(theta)):
        step = 1e-5 * max(abs(theta[j]), 0.1)
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        grad[j] = (loglik(up) - loglik(down)) / (2 * step)
    newton = model.variance_matrix_.to_numpy() @ grad
    assert np.max(np.abs(newton) / model.standard_errors_.to_numpy()) < 1e-4, newton


def test_covariate_gradient_matches_finite_differences() -> None:
    data = simulated(3000)
    model = ParetoNBDModel(covariates=["satisfaction", "channel"])
    model.design_ = None
    d = model._prepare(data)
    params = np.array([0.6, 9.0, 0.8, 14.0, 0.05, -0.2, 0.1, -0.1, 0.05, 0.2])
    _ll, grad = model._total(params, d)
    for j in range(len(params)):
        step = 1e-6 * max(abs(params[j]), 0.1)
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        numeric = (model._total(up, d)[0] - model._total(down, d)[0]) / (2 * step)
        assert grad[j] == pytest.approx(numeric, rel=1e-5, abs=1e-4)
