"""Gamma-Gamma: Fader & Hardie's CDNOW spend estimates, recovery, expected spend and CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import BetaGeoModel, GammaGammaModel
from patron.analyze.clv.simulate import simulate_gamma_gamma
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow_summary)


def test_reproduces_fader_hardie_2013(fitted: GammaGammaModel) -> None:
    np.testing.assert_allclose(fitted.params_.round(3), [6.249, 3.745, 15.448], atol=1e-9)
    assert fitted.n_customers_ == 946


def test_expected_spend_and_clv(fitted: GammaGammaModel, cdnow_summary: pd.DataFrame) -> None:
    spend = fitted.expected_spend(cdnow_summary)
    assert spend.loc[3] == pytest.approx(fitted.population_mean_spend())
    assert fitted.population_mean_spend() == pytest.approx(
        6.248802 * 15.447748 / 2.744588, rel=1e-5
    )
    bg = BetaGeoModel().fit(cdnow_summary)
    clv = fitted.customer_lifetime_value(bg, cdnow_summary, months=12, discount_rate=0.01)
    assert clv.sum() == pytest.approx(71509.9, abs=0.5)
    # Monthly sum by hand for customer 1.
    row = cdnow_summary.iloc[[0]]
    steps = [bg.expected_purchases(row, 4.345 * i).iloc[0] for i in range(13)]
    manual = sum(spend.iloc[0] * (steps[i] - steps[i - 1]) / 1.01**i for i in range(1, 13))
    assert clv.iloc[0] == pytest.approx(manual, rel=1e-10)
    assert fitted.customer_lifetime_value(bg, cdnow_summary, margin=0.5).iloc[0] == pytest.approx(
        clv.iloc[0] / 2
    )


def test_spend_validation_names_the_customer() -> None:
    data = pd.DataFrame(
        {"customer_id": ["a", "b"], "frequency": [2, 3], "monetary_value": [10.0, 0.0]}
    )
    with pytest.raises(InputError, match=r"^customer b: monetary value 0.0 is not positive"):
        GammaGammaModel().fit(data)
    with pytest.raises(InputError, match="no customer has a repeat purchase"):
        GammaGammaModel().fit(data.assign(frequency=0))


def test_parameter_recovery() -> None:
    truth = np.array([6.249, 3.745, 15.448])
    x = np.random.default_rng(3).poisson(3.0, 100_000)
    data = simulate_gamma_gamma(*truth, x, seed=14)
    model = GammaGammaModel().fit(data)
    assert np.all(np.abs(model.params_ - truth) < 3 * model.standard_errors_)
