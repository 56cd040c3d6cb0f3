"""Covariates in BG/NBD and Gamma-Gamma: planted effects recovered, design, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from patron.analyze.clv import BetaGeoModel, GammaGammaModel
from patron.analyze.clv.covariates import CovariateDesign, parse_covariates
from patron.analyze.clv.simulate import (
    simulate_bg_nbd_covariates,
    simulate_gamma_gamma_covariates,
)
from patron.exceptions import InputError

BG_TRUTH = {
    "r": 0.24,
    "alpha": 4.4,
    "a": 0.8,
    "b": 2.4,
    "alpha: satisfaction": 0.1,
    "alpha: channel: phone (vs store)": -0.3,
    "alpha: channel: web (vs store)": 0.2,
    "a: satisfaction": -0.1,
    "a: channel: phone (vs store)": 0.2,
    "b: satisfaction": 0.05,
    "b: channel: web (vs store)": -0.2,
}
GG_TRUTH = {
    "p": 6.25,
    "q": 3.74,
    "gamma": 15.4,
    "gamma: satisfaction": 0.05,
    "gamma: channel: phone (vs store)": 0.2,
    "gamma: channel: web (vs store)": -0.1,
}


def _covariates(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            # centred 1-10 score: the baseline is an average customer
            "satisfaction": rng.integers(1, 11, n) - 5.5,
            "channel": rng.choice(["store", "web", "phone"], n, p=[0.5, 0.3, 0.2]),
        }
    )


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    n = 100_000
    covariates = _covariates(n, 5)
    T = np.random.default_rng(6).uniform(20.0, 78.0, n)
    data = simulate_bg_nbd_covariates(BG_TRUTH, covariates, T, seed=7)
    spend = simulate_gamma_gamma_covariates(
        GG_TRUTH, covariates, data["frequency"].to_numpy(), seed=8
    )
    data["monetary_value"] = spend["monetary_value"]
    return data


def _within_two_se(model, truth: dict[str, float]) -> pd.DataFrame:
    """Covariate effects within 2 SE of their planted values (one in ten may fall
    between 2 and 3 SE, as 5 % do by chance: one seed is tested, not chosen), and all
    parameters jointly consistent with the truth (Wald statistic below the 99 %
    chi-square point). The baseline shapes are strongly correlated (p and gamma at
    -0.97), so they are judged jointly rather than one by one.
    """
    summary = model.summary
    planted = pd.Series({name: truth.get(name, 0.0) for name in summary.index})
    error = (summary["coef"] - planted).to_numpy()
    z = error / summary["se"].to_numpy()
    effects = np.array([":" in name for name in summary.index])
    assert np.all(np.abs(z[effects]) < 3.0), summary.assign(z=z)
    allowed = max(1, int(effects.sum()) // 10)
    assert int((np.abs(z[effects]) >= 2.0).sum()) <= allowed, summary.assign(z=z)
    wald = float(error @ np.linalg.solve(model.variance_matrix_.to_numpy(), error))
    assert wald < stats.chi2.ppf(0.99, len(error)), wald
    return summary


def test_bg_nbd_recovers_planted_effects(simulated: pd.DataFrame) -> None:
    model = BetaGeoModel(covariates="satisfaction, channel").fit(simulated)
    assert model.converged_
    summary = _within_two_se(model, BG_TRUTH)
    assert list(summary.index[:4]) == ["r", "alpha", "a", "b"]
    assert "alpha: channel: web (vs store)" in summary.index
    assert len(summary) == 4 + 3 * 3
    # Predictions use each customer's covariates: same history, other channel, other value.
    one = simulated.iloc[[0, 0]].copy()
    one["channel"] = ["store", "web"]
    one["customer_id"] = [1, 2]
    purchases = model.expected_purchases(one, 10.0)
    assert purchases.iloc[0] != pytest.approx(purchases.iloc[1], rel=1e-3)


def test_gamma_gamma_recovers_planted_effects(simulated: pd.DataFrame) -> None:
    model = GammaGammaModel(covariates=["satisfaction", "channel"]).fit(simulated)
    _within_two_se(model, GG_TRUTH)
    spend = model.expected_spend(simulated.head(50))
    assert np.all(np.isfinite(spend)) and np.all(spend > 0)


def test_without_covariates_nothing_changes(simulated: pd.DataFrame) -> None:
    plain = BetaGeoModel().fit(simulated.head(5000))
    assert list(plain.summary.index) == ["r", "alpha", "a", "b"]


def test_design_names_the_reference_level() -> None:
    frame = pd.DataFrame({"channel": ["web", "store", "store", "phone"], "score": [1, 2, 3, 4]})
    design = CovariateDesign(["channel", "score"]).fit(frame)
    assert design.reference == {"channel": "store"}
    assert design.terms == ["channel: phone (vs store)", "channel: web (vs store)", "score"]
    # numbers are centred on their mean (2.5 here)
    np.testing.assert_array_equal(
        design.transform(frame), [[0, 1, -1.5], [0, 0, -0.5], [0, 0, 0.5], [1, 0, 1.5]]
    )


def test_bad_covariates_are_named() -> None:
    frame = pd.DataFrame(
        {"customer_id": [7, 8], "frequency": [1, 0], "recency": [2.0, 0.0], "T": [5.0, 4.0]}
    )
    with pytest.raises(InputError, match="covariate column channel missing"):
        BetaGeoModel(covariates=["channel"]).fit(frame)
    with pytest.raises(InputError, match="customer 8: covariate score is missing"):
        BetaGeoModel(covariates=["score"]).fit(frame.assign(score=[1.0, None]))
    with pytest.raises(InputError, match="single value"):
        BetaGeoModel(covariates=["channel"]).fit(frame.assign(channel="web"))
    with pytest.raises(InputError, match="named twice"):
        parse_covariates("a, a")
    fitted = CovariateDesign(["channel"]).fit(pd.DataFrame({"channel": ["web", "store"]}))
    with pytest.raises(InputError, match="level 'phone' was not seen"):
        fitted.transform(pd.DataFrame({"channel": ["phone"]}))
