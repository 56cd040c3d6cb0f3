"""The stable log 2F1(a, b; a+1; z): against exact decimal series, gradients, extremes."""

from __future__ import annotations

import numpy as np
import pytest

from patron.analyze.clv._hyp2f1 import log_hyp2f1_ab1, log_hyp2f1_reference

GRID = [
    (a, b, z)
    for a in (0.3, 1.2, 5.5, 30.7, 300.2)
    for b in (0.2, 1.6, 12.5, 300.4)
    for z in (0.0, 1e-3, 0.1, 0.45, 0.55, 0.8, 0.95, 0.99)
]


def test_matches_exact_series() -> None:
    a, b, z = (np.array(v) for v in zip(*GRID, strict=True))
    value = log_hyp2f1_ab1(a, b, z)[0]
    exact = np.array([log_hyp2f1_reference(*args, digits=30) for args in GRID])
    # The quadrature piece is good to ~3e-9 for a >= 300, the series to 1e-15.
    np.testing.assert_allclose(value, exact, rtol=5e-9, atol=5e-9)


def test_derivatives_match_finite_differences() -> None:
    a = np.array([0.5, 3.0, 40.0, 2.0, 800.0])
    b = np.array([1.5, 0.7, 30.0, 5.0, 900.0])
    z = np.array([0.3, 0.9, 0.6, 0.0, 0.7])
    _v, d_a, d_b, d_z = log_hyp2f1_ab1(a, b, z)
    h = 1e-6
    np.testing.assert_allclose(
        d_a,
        (log_hyp2f1_ab1(a + h, b, z)[0] - log_hyp2f1_ab1(a - h, b, z)[0]) / (2 * h),
        rtol=1e-5,
        atol=1e-7,
    )
    np.testing.assert_allclose(
        d_b,
        (log_hyp2f1_ab1(a, b + h, z)[0] - log_hyp2f1_ab1(a, b - h, z)[0]) / (2 * h),
        rtol=1e-5,
        atol=1e-7,
    )
    zp = z + h
    zm = np.maximum(z - h, 0)
    np.testing.assert_allclose(
        d_z,
        (log_hyp2f1_ab1(a, b, zp)[0] - log_hyp2f1_ab1(a, b, zm)[0]) / (zp - zm),
        rtol=1e-4,
        atol=1e-7,
    )


@pytest.mark.parametrize(
    ("a", "b", "z"), [(1e6, 1e4, 0.999999), (2.0, 1e6, 0.5), (1e4, 1.5, 1 - 1e-15), (2e5, 2e5, 0.3)]
)
def test_extremes_are_finite(a: float, b: float, z: float) -> None:
    assert all(np.all(np.isfinite(v)) for v in log_hyp2f1_ab1([a], [b], [z]))
