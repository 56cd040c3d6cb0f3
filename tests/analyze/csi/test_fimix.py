"""FIMIX-PLS: one segment is OLS by maximum likelihood; two planted segments are found
(paths recovered, the criteria prefer two segments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import PLSPathModel
from patron.analyze.csi.fimix import FIMIXPLS, criteria, select_segments
from patron.exceptions import InputError

SPEC = {
    "constructs": {"A": ["a0", "a1", "a2"], "B": ["b0", "b1", "b2"], "C": ["c0", "c1", "c2"]},
    "paths": ["A -> C", "B -> C"],
}


def simulate(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Two equal segments: C = .8 A - .1 B + ζ in one, -.3 A + .7 B + ζ in the other."""
    rng = np.random.default_rng(seed)
    first = rng.random(n) < 0.5
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    c = np.where(first, 0.8 * a - 0.1 * b, -0.3 * a + 0.7 * b) + 0.4 * rng.standard_normal(n)
    columns = {}
    for name, factor in (("a", a), ("b", b), ("c", c)):
        factor = (factor - factor.mean()) / factor.std()
        for i in range(3):
            columns[f"{name}{i}"] = 0.9 * factor + np.sqrt(1 - 0.81) * rng.standard_normal(n)
    return pd.DataFrame(columns), first


def test_one_segment_is_maximum_likelihood_ols(mobi):
    fimix = FIMIXPLS(spec="ecsi", n_segments=1, n_starts=1, seed=0).fit(mobi)
    model = fimix.model_
    scores = model.scores_
    loglik, n_paths = 0.0, 0
    for target in model.r2_.index:
        sources = [a for a, b in model.spec_.paths if b == target]
        x, y = scores[sources].to_numpy(), scores[target].to_numpy()
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        var = np.mean((y - x @ beta) ** 2)
        loglik += -len(y) / 2 * (np.log(2 * np.pi * var) + 1)
        n_paths += len(sources)
        for source, value in zip(sources, beta, strict=True):
            assert fimix.paths_.loc[f"{source} -> {target}", "segment 1"] == pytest.approx(value)
    assert fimix.criteria_["log-likelihood"] == pytest.approx(loglik, rel=1e-9)
    n_params = n_paths + 6
    assert fimix.n_params_ == n_params
    assert fimix.criteria_["BIC"] == pytest.approx(-2 * loglik + np.log(250) * n_params)
    assert fimix.criteria_["CAIC"] == pytest.approx(-2 * loglik + (np.log(250) + 1) * n_params)


def test_criteria_formulas():
    tau = np.array([[0.5, 0.5], [1.0, 0.0]])
    out = criteria(-100.0, 5, 2, tau)
    assert out["AIC3"] == 215.0
    assert out["HQ"] == pytest.approx(200 + 10 * np.log(np.log(2)))
    assert out["MDL5"] == pytest.approx(200 + 25 * np.log(2))
    assert out["EN"] == pytest.approx(1 - np.log(2) / (2 * np.log(2)))


def test_planted_segments_are_recovered():
    data, first = simulate(600, seed=11)
    selection = select_segments(data, spec=SPEC, max_segments=3, seed=1, n_starts=5, tol=1e-6)
    best = selection.best()
    assert best["BIC"] == 2 and best["CAIC"] == 2 and best["AIC3"] >= 2
    two = selection.fits[2]
    paths = two.paths_
    found = {tuple(np.round(paths[c].to_numpy(), 1)) for c in paths.columns}
    truth = PLSPathModel(spec=SPEC).fit(data[first]).path_coefficients_["C"]
    other = PLSPathModel(spec=SPEC).fit(data[~first]).path_coefficients_["C"]
    for segment in paths.columns:
        estimate = paths[segment].to_numpy()
        closest = min(
            (truth[["A", "B"]].to_numpy(), other[["A", "B"]].to_numpy()),
            key=lambda t: np.abs(t - estimate).sum(),
        )
        np.testing.assert_allclose(estimate, closest, atol=0.1)
    assert len(found) == 2
    labels = two.labels_.to_numpy()
    agreement = max(np.mean((labels == 1) == first), np.mean((labels == 1) != first))
    assert agreement > 0.75  # chance is 0.5; the segments overlap where A and B are small
    assert two.shares_.sum() == pytest.approx(1.0)
    assert list(selection.summary.columns)[0] == "log-likelihood"
    assert selection.chart().to_dict()["mark"]["type"] == "line"
    assert "segments" in selection._printer().to_text()


def test_too_many_segments(mobi):
    with pytest.raises(InputError, match="too few"):
        FIMIXPLS(spec="ecsi", n_segments=9).fit(mobi.head(60))
