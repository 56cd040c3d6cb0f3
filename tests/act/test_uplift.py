"""Interval formulas against published values and their coverage on simulated campaigns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from patron.act.uplift import (
    UpliftEstimate,
    bootstrap_difference,
    newcombe_difference,
    welch_difference,
    wilson_interval,
)
from patron.exceptions import InputError, NotFittedError


def test_newcombe_matches_the_published_examples() -> None:
    # Newcombe (1998), Table II, method 10: 56/70 vs 48/80 → 0.0524 to 0.3339;
    # 9/10 vs 3/10 → 0.1705 to 0.8090.
    d, lo, hi = newcombe_difference(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)
    d, lo, hi = newcombe_difference(9, 10, 3, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.1705, 0.809)
    # Wilson interval of 81/263 (Newcombe 1998b example): 0.2553 to 0.3662.
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.gamma(2, 50, 300), rng.gamma(2, 40, 500)
    d, lo, hi, p = welch_difference(a, b)
    reference = stats.ttest_ind(a, b, equal_var=False)
    ci = reference.confidence_interval(0.95)
    assert p == pytest.approx(reference.pvalue, rel=1e-9)
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-9)
    _, blo, bhi, _ = bootstrap_difference(a, b, n_boot=4000)
    assert blo == pytest.approx(lo, abs=2.0) and bhi == pytest.approx(hi, abs=2.0)


def test_coverage_on_simulated_campaigns() -> None:
    """Over 400 simulated campaigns with a planted +5 point effect the 95% intervals
    cover the truth about 95% of the time; with no effect, about 5% claim one."""
    rng = np.random.default_rng(42)
    n_t, n_c, reps = 900, 300, 400
    covered = false_alarms = 0
    for _ in range(reps):
        x_t, x_c = rng.binomial(n_t, 0.25), rng.binomial(n_c, 0.20)
        _, lo, hi = newcombe_difference(x_t, n_t, x_c, n_c)
        covered += lo <= 0.05 <= hi
        y_t, y_c = rng.binomial(n_t, 0.20), rng.binomial(n_c, 0.20)
        _, lo, hi = newcombe_difference(y_t, n_t, y_c, n_c)
        false_alarms += not (lo <= 0 <= hi)
    assert 0.92 <= covered / reps <= 0.98
    assert false_alarms / reps <= 0.08


def test_estimator_contract_and_messages() -> None:
    estimate = UpliftEstimate(campaign="x")
    assert repr(estimate) == "<patron.UpliftEstimate>"
    with pytest.raises(NotFittedError, match="call fit"):
        _ = estimate.summary
    with pytest.raises(InputError, match="required column group missing"):
        estimate.fit(pd.DataFrame({"retained": [1]}))
    with pytest.raises(
        InputError, match="at least two treated and two control members; got 1 and 0"
    ):
        estimate.fit(pd.DataFrame({"group": ["treatment"], "retained": [1]}))
    frame = pd.DataFrame(
        {
            "group": ["treatment"] * 50 + ["control"] * 50,
            "retained": [1, 0] * 50,
            "spend": np.arange(100.0),
        }
    )
    assert estimate.fit(frame) is estimate
    assert list(estimate.summary.columns) == [
        "treated",
        "control",
        "difference",
        "lower",
        "upper",
        "p",
        "verdict",
    ]
    assert estimate.verdict("retained") == "no detectable effect"
    assert estimate.verdict("spend").startswith("treated -50.00 per member (95% CI")
    assert "treated" in estimate.printer().to_text()
