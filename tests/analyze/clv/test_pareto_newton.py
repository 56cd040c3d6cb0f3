"""Pareto/NBD's exact Hessian, and the large-data fit (samples, then Newton on all) that uses it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import ParetoNBDModel, base, pareto_nbd, pareto_nbd_hessian
from patron.analyze.clv.simulate import simulate_pareto_nbd

TRUTH = (0.553, 10.578, 0.606, 11.672)


def _prepared(data: pd.DataFrame) -> tuple[ParetoNBDModel, dict]:
    model = ParetoNBDModel()
    model.design_ = None
    return model, model._prepare(data)


def _numeric_hessian(model: ParetoNBDModel, params: np.ndarray, d: dict) -> np.ndarray:
    """Central differences of the (independently coded) analytic gradient."""
    out = np.empty((4, 4))
    for j in range(4):
        step = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        out[:, j] = (model._total(up, d)[1] - model._total(down, d)[1]) / (2.0 * step)
    return (out + out.T) / 2.0


@pytest.mark.parametrize("daily", [False, True])
def test_hessian_matches_differences_of_the_gradient(monkeypatch, daily: bool) -> None:
    # small blocks, so that runs of equal x are split between blocks
    monkeypatch.setattr(pareto_nbd_hessian, "_ROWS", 1_000)
    T = np.random.default_rng(3).uniform(0.5, 78.0, 6_000)
    if daily:  # many customers with t_x = T: the general branch of the mix
        T = np.ceil(T * 7.0) / 7.0
    data = simulate_pareto_nbd(*TRUTH, T, 6_000, seed=4, time_step=1 / 7 if daily else None)
    model, d = _prepared(data)
    # near the optimum (series only: exact to ~1e-9), then alpha << beta and alpha >> beta,
    # where rows with t below ~10 have z > 0.7 and take the 2F1 routine's Hessian by
    # forward differences (~1e-5)
    for params, rtol in (
        ([0.55, 10.5, 0.6, 11.2], 1e-7),
        ([0.5, 3.0, 1.5, 30.0], 1e-4),
        ([0.6, 40.0, 0.7, 0.5], 1e-4),
    ):
        p = np.array(params)
        ll, grad, hess = pareto_nbd_hessian.total_hessian(p, d)
        ll_ref, grad_ref = model._total(p, d)
        assert ll == pytest.approx(ll_ref, rel=1e-13)
        far = pareto_nbd_hessian.share_far(p, d)
        assert (far > 0.05) == (rtol > 1e-7)
        np.testing.assert_allclose(grad, grad_ref, rtol=1e-10, atol=1e-8)
        numeric = _numeric_hessian(model, p, d)
        np.testing.assert_allclose(hess, numeric, rtol=rtol, atol=rtol * np.abs(numeric).max())


def test_large_fit_path_equals_the_plain_optimum(monkeypatch) -> None:
    """The samples-then-Newton path (taken above 200,000 patterns; here forced on 30,000
    with smaller samples) finds the optimum L-BFGS-B with the Newton polish finds, and
    its standard errors are those of the exact Hessian at that optimum."""
    T = np.random.default_rng(8).uniform(1.0, 78.0, 30_000)
    data = simulate_pareto_nbd(*TRUTH, T, 30_000, seed=10)
    plain = ParetoNBDModel().fit(data)
    calls: list[int] = []
    newton = pareto_nbd._newton

    def counted(d, theta, stop, penalizer):
        calls.append(len(d["x"]))
        return newton(d, theta, stop, penalizer)

    monkeypatch.setattr(base, "_WARM_START_PATTERNS", 10_000)
    monkeypatch.setattr(pareto_nbd, "_FIRST_SAMPLE", 2_000)
    monkeypatch.setattr(pareto_nbd, "_SECOND_SAMPLE", 8_000)
    monkeypatch.setattr(pareto_nbd, "_newton", counted)
    fast = ParetoNBDModel().fit(data)
    assert calls[-1] == 30_000  # the Newton path ran on all customers
    np.testing.assert_allclose(fast.params_, plain.params_, rtol=1e-6)
    assert fast.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    assert fast.converged_
    # standard errors: the exact observed information at the optimum
    p = fast.params_.to_numpy()
    model, d = _prepared(data)
    info = -_numeric_hessian(model, p, d)
    np.testing.assert_allclose(
        fast.standard_errors_, np.sqrt(np.diag(np.linalg.inv(info))), rtol=1e-5
    )
    # and the optimum is a stationary point of the independent gradient
    _ll, grad = model._total(p, d)
    assert np.max(np.abs(np.linalg.solve(info, grad)) / fast.standard_errors_) < 1e-4


def test_many_far_rows_take_the_general_path(monkeypatch) -> None:
    """When alpha dwarfs beta (many rows need the slow 2F1 routine), a large fit uses
    finite-difference Hessians, and still finds the plain optimum."""
    T = np.random.default_rng(2).uniform(0.2, 20.0, 3_000)
    data = simulate_pareto_nbd(0.4, 60.0, 0.8, 1.5, T, 3_000, seed=6)
    plain = ParetoNBDModel().fit(data)
    monkeypatch.setattr(base, "_WARM_START_PATTERNS", 2_000)
    monkeypatch.setattr(base, "_SAMPLE_SIZE", 1_000)
    monkeypatch.setattr(pareto_nbd, "_FIRST_SAMPLE", 1_000)
    monkeypatch.setattr(pareto_nbd, "_newton", None)  # must not be reached
    fast = ParetoNBDModel().fit(data)
    np.testing.assert_allclose(fast.params_, plain.params_, rtol=1e-6)


def test_large_fit_path_with_weights_and_penalizer(monkeypatch) -> None:
    T = np.random.default_rng(8).uniform(1.0, 78.0, 20_000)
    data = simulate_pareto_nbd(*TRUTH, T, 20_000, seed=10)
    data["weight"] = np.random.default_rng(1).integers(1, 4, 20_000).astype(float)
    plain = ParetoNBDModel(penalizer=0.01).fit(data)
    calls: list[int] = []
    newton = pareto_nbd._newton

    def counted(d, theta, stop, penalizer):
        calls.append(len(d["x"]))
        return newton(d, theta, stop, penalizer)

    monkeypatch.setattr(base, "_WARM_START_PATTERNS", 10_000)
    monkeypatch.setattr(pareto_nbd, "_FIRST_SAMPLE", 2_000)
    monkeypatch.setattr(pareto_nbd, "_SECOND_SAMPLE", 8_000)
    monkeypatch.setattr(pareto_nbd, "_newton", counted)
    fast = ParetoNBDModel(penalizer=0.01).fit(data)
    assert calls[-1] == 20_000 and fast.n_customers_ == int(data["weight"].sum())
    np.testing.assert_allclose(fast.params_, plain.params_, rtol=1e-7)
    np.testing.assert_allclose(fast.standard_errors_, plain.standard_errors_, rtol=1e-4)
    assert fast.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
