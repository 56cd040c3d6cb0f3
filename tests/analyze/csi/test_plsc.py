"""PLSc and Mode B recover a simulated population model whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import ModelSpec, PLSPathModel

from .conftest import simulate_reflective

SPEC = ModelSpec.build(
    {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"]},
    [("A", "B"), ("A", "C"), ("B", "C")],
)


@pytest.fixture(scope="module")
def reflective():
    return simulate_reflective(40_000, seed=11)


def test_plsc_recovers_paths_and_loadings(reflective):
    data, truth = reflective
    model = PLSPathModel(spec=SPEC, consistent=True).fit(data)
    for (a, b), value in truth["paths"].items():
        assert model.path_coefficients_.loc[a, b] == pytest.approx(value, abs=0.015), (a, b)
    for construct in "ABC":
        assert model.loadings_[construct].to_numpy() == pytest.approx(truth["loadings"], abs=0.015)
    # ρA equals the true reliability of the PLS composite: (Σw λ)² for unit-variance w'x.
    lam = truth["loadings"]
    rho_c_true = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert model.rho_a_["A"] == pytest.approx(rho_c_true, abs=0.03)
    # C's R²: var explained by A and B in the population = 1 - ψ = .37
    assert model.r2_["C"] == pytest.approx(0.37, abs=0.015)


def test_plain_pls_is_attenuated(reflective):
    data, truth = reflective
    model = PLSPathModel(spec=SPEC).fit(data)
    assert model.path_coefficients_.loc["A", "B"] < truth["paths"][("A", "B")] - 0.08


def _formative(n: int, seed: int):
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.4, 0.3], [0.4, 1.0, 0.2], [0.3, 0.2, 1.0]])
    x = rng.standard_normal((n, 3)) @ np.linalg.cholesky(cov).T
    w = np.array([0.6, 0.3, 0.4])
    w = w / np.sqrt(w @ cov @ w)  # composite with unit variance
    eta1 = x @ w
    eta2 = 0.6 * eta1 + 0.8 * rng.standard_normal(n)
    columns = {f"x{k + 1}": x[:, k] for k in range(3)}
    for k, lam in enumerate([0.85, 0.75, 0.7]):
        columns[f"y{k + 1}"] = lam * eta2 + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    return pd.DataFrame(columns), w


def test_mode_b_recovers_formative_weights():
    data, w = _formative(40_000, seed=5)
    spec = ModelSpec.build(
        {"F": ["x1", "x2", "x3"], "R": ["y1", "y2", "y3"]}, [("F", "R")], modes={"F": "B"}
    )
    model = PLSPathModel(spec=spec).fit(data)
    assert model.weights_["F"].to_numpy() == pytest.approx(w, abs=0.02)
    # Mode A on the same block gives different (correlation-proportional) weights.
    mode_a = PLSPathModel(
        spec=ModelSpec.build({"F": ["x1", "x2", "x3"], "R": ["y1", "y2", "y3"]}, [("F", "R")])
    ).fit(data)
    assert np.abs(mode_a.weights_["F"].to_numpy() - w).max() > 0.05
    # PLSc corrects the reflective side only; the Mode B composite keeps ρA = 1.
    consistent = PLSPathModel(spec=spec, consistent=True).fit(data)
    assert consistent.rho_a_["F"] == 1.0
    assert consistent.path_coefficients_.loc["F", "R"] == pytest.approx(0.6, abs=0.015)
    assert model.quality_.outer_vif["x1"] == pytest.approx(
        np.linalg.inv(np.corrcoef(data[["x1", "x2", "x3"]].to_numpy(), rowvar=False))[0, 0]
    )


def test_mode_b_on_mobi_matches_python_plspm(mobi):
    """Image and quality as Mode B blocks; golden values from Python plspm 0.5.7."""
    from patron.analyze.csi import preset

    ecsi = preset("ecsi")
    spec = ModelSpec.build(
        {c.name: c.items for c in ecsi.constructs}, ecsi.paths, modes={"image": "B", "quality": "B"}
    )
    model = PLSPathModel(spec=spec).fit(mobi)
    r2 = {
        "expectation": 0.25427,
        "quality": 0.30998,
        "value": 0.36239,
        "satisfaction": 0.69948,
        "complaints": 0.27889,
        "loyalty": 0.45930,
    }
    for name, value in r2.items():
        assert model.r2_[name] == pytest.approx(value, abs=1e-5), name
    weights = model.weights_.droplevel("construct")
    golden = {
        "IMAG1": 0.24183,
        "IMAG2": 0.28279,
        "IMAG3": 0.13579,
        "IMAG4": 0.37064,
        "IMAG5": 0.37967,
        "PERQ1": 0.34095,
        "PERQ2": 0.05861,
    }
    for item, value in golden.items():
        assert weights[item] == pytest.approx(value, abs=5e-5), item
