"""NCA (CE-FDH): a hand-worked example, a rasterised ceiling zone, a known-truth
triangle (d → 0.5), the vectorised permutation effect sizes, and cIPMA on mobi."""

from __future__ import annotations

import numpy as np
import pytest

from patron.analyze.csi.nca import (
    NecessaryConditionAnalysis,
    _effect_sizes,
    bottleneck,
    ceiling_zone,
    peers,
)
from patron.exceptions import InputError

X = np.array([1.0, 2.0, 3.0, 4.0])
Y = np.array([1.0, 3.0, 2.0, 5.0])


def test_hand_worked_example():
    assert peers(X, Y).tolist() == [[1, 1], [2, 3], [4, 5]]
    zone, scope = ceiling_zone(X, Y)
    assert (zone, scope) == (8.0, 12.0)
    neck = bottleneck(X, Y, steps=10)
    assert np.isnan(neck[0.0])
    assert neck[10.0] == pytest.approx(100 / 3)
    assert neck[50.0] == pytest.approx(100 / 3)
    assert neck[60.0] == pytest.approx(100.0)


def test_ceiling_zone_equals_a_rasterised_area():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 10, 60), rng.uniform(0, 10, 60)
    y = np.minimum(y, x + 3)  # something to find in the upper-left corner
    zone, scope = ceiling_zone(x, y)
    gx, gy = np.meshgrid(
        np.linspace(x.min(), x.max(), 1501)[:-1] + (x.max() - x.min()) / 3000,
        np.linspace(y.min(), y.max(), 1501)[:-1] + (y.max() - y.min()) / 3000,
    )
    # A grid cell is in the ceiling zone when no respondent with x ≤ its x reaches its y.
    order = np.argsort(x)
    running = np.maximum.accumulate(y[order])
    k = np.searchsorted(x[order], gx, side="right") - 1
    ceiling = np.where(k >= 0, running[np.clip(k, 0, None)], -np.inf)
    raster = np.mean(gy > ceiling) * scope
    assert zone == pytest.approx(raster, rel=5e-3)


def test_known_truth_triangle():
    # Uniform points under y = x: the empty upper-left triangle is half the scope.
    rng = np.random.default_rng(0)
    u = rng.uniform(size=(20_000, 2))
    x, y = u.max(axis=1), u.min(axis=1)
    zone, scope = ceiling_zone(x, y)
    assert zone / scope == pytest.approx(0.5, abs=0.01)


def test_vectorised_effect_sizes_match():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 8, 80).astype(float)  # ties, as survey scores have
    ys = rng.normal(size=(5, 80))
    fast = _effect_sizes(x, ys)
    slow = [ceiling_zone(x, row)[0] / ceiling_zone(x, row)[1] for row in ys]
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_cipma_on_mobi(mobi):
    nca = NecessaryConditionAnalysis(spec="ecsi", n_permutations=200, seed=1).fit(mobi)
    summary = nca.summary
    assert list(summary.columns) == [
        "effect size d",
        "p",
        "ceiling zone",
        "scope",
        "importance",
        "performance",
    ]
    assert set(summary.index) == {"quality", "expectation", "image", "value"}
    x = nca.scores_["quality"].to_numpy()
    y = nca.scores_["satisfaction"].to_numpy()
    zone, scope = ceiling_zone(x, y)
    assert summary.loc["quality", "effect size d"] == pytest.approx(zone / scope)
    assert summary.loc["quality", "p"] < 0.01
    # The 0-100 scores average to the IPMA's performance (the construct index).
    assert nca.scores_["quality"].mean() == pytest.approx(summary.loc["quality", "performance"])
    assert nca.bottleneck_.shape == (11, 4)
    row = nca.cipma_.loc["quality"]
    assert row["share below"] == pytest.approx(np.mean(x < row["required score"]))
    assert nca.chart("quality").to_dict()["layer"][1]["mark"]["interpolate"] == "step-after"
    assert "necessary" in nca._printer().to_text()


def test_bad_input(mobi):
    with pytest.raises(InputError, match="target level"):
        NecessaryConditionAnalysis(target_level=120).fit(mobi)
    with pytest.raises(InputError, match="not a construct"):
        NecessaryConditionAnalysis(target="price", n_permutations=0).fit(mobi)
