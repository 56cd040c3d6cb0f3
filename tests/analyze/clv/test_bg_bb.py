"""BG/BB: Fader, Hardie & Shang's (2010) donation estimates, recovery, predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import BetaGeoBetaBinomModel
from patron.analyze.clv.simulate import simulate_bg_bb
from patron.exceptions import InputError


def test_reproduces_fader_hardie_shang_2010(donations: pd.DataFrame) -> None:
    model = BetaGeoBetaBinomModel().fit(donations)
    np.testing.assert_allclose(model.params_.round(3), [1.204, 0.750, 0.657, 2.783], atol=1e-9)
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.n_customers_ == 11104
    alive = model.probability_alive(donations)
    assert alive.iloc[-1] == pytest.approx(1 - 0.0, abs=0.2)  # 6 of 6: very likely alive
    expected = model.expected_purchases(donations, 5)
    assert np.all(np.isfinite(expected)) and expected.iloc[-1] > expected.iloc[0]
    # E[X(n)] for a new donor over the first 6 opportunities.
    mean_x = float((donations["frequency"] * donations["weight"]).sum() / 11104)
    assert model.expected_purchases_new_customer(6) == pytest.approx(mean_x, rel=0.02)


def test_discrete_validation() -> None:
    bad = pd.DataFrame({"frequency": [2, 3], "recency": [1, 3], "T": [6, 6]})
    with pytest.raises(InputError, match=r"^customer 0: frequency 2.0 is greater than recency 1.0"):
        BetaGeoBetaBinomModel().fit(bad)
    with pytest.raises(InputError, match=r"^customer 0: recency 1.5 is not a whole number"):
        BetaGeoBetaBinomModel().fit(bad.assign(recency=[1.5, 3.0]))


def test_parameter_recovery() -> None:
    truth = np.array([1.204, 0.750, 0.657, 2.783])
    model = BetaGeoBetaBinomModel().fit(simulate_bg_bb(*truth, 6, 100_000, seed=16))
    assert np.all(np.abs(model.params_ - truth) < 3 * model.standard_errors_)
