"""The vectorised bootstrap equals a slow, obvious loop, and never crashes on bad resamples."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import ModelSpec, PLSPathModel, bootstrap
from patron.analyze.csi.bootstrap import resample_indices
from patron.exceptions import InputError, StatisticalWarning

SMALL = ModelSpec.build(
    {
        "quality": ["PERQ1", "PERQ2", "PERQ3"],
        "value": ["PERV1", "PERV2"],
        "satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    },
    [("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction")],
)


def test_standard_errors_match_a_slow_reference(mobi):
    data = mobi.iloc[:80].reset_index(drop=True)
    model = PLSPathModel(spec=SMALL).fit(data)
    result = bootstrap(model, n_resamples=60, seed=42, batch_size=25, bca=False)
    # Slow and obvious: refit the model on every resampled table, one by one.
    paths, r2 = [], []
    for batch in resample_indices(len(data), 60, 42, 25):
        for rows in batch:
            fit = PLSPathModel(spec=SMALL).fit(data.iloc[rows].reset_index(drop=True))
            paths.append(fit.paths_["coef"].to_numpy())
            r2.append(fit.r2_.to_numpy())
    paths, r2 = np.array(paths), np.array(r2)
    assert result.n_degenerate == 0
    # Equal up to the convergence tolerance (1e-7 on the weights).
    assert result.draws["paths"] == pytest.approx(paths, abs=1e-7)
    assert result.standard_errors("paths").to_numpy() == pytest.approx(
        paths.std(axis=0, ddof=1), abs=1e-8
    )
    assert result.standard_errors("r2").to_numpy() == pytest.approx(
        r2.std(axis=0, ddof=1), abs=1e-8
    )
    table = result.table("paths")
    assert table["lower"].to_numpy() == pytest.approx(np.quantile(paths, 0.025, axis=0), abs=1e-7)
    assert table["t"].to_numpy() == pytest.approx(
        model.paths_["coef"].to_numpy() / paths.std(axis=0, ddof=1), rel=1e-6
    )


def test_seeded_and_independent_of_threads(mobi):
    model = PLSPathModel(spec="ecsi").fit(mobi)
    one = bootstrap(model, n_resamples=300, seed=7, n_jobs=1, batch_size=100)
    two = bootstrap(model, n_resamples=300, seed=7, n_jobs=2, batch_size=100)
    other = bootstrap(model, n_resamples=300, seed=8, n_jobs=2, batch_size=100)
    assert np.array_equal(one.draws["paths"], two.draws["paths"])
    assert not np.array_equal(one.draws["paths"], other.draws["paths"])
    assert one.estimates["paths"] == pytest.approx(model.paths_["coef"].to_numpy(), abs=1e-10)


def test_bca_interval_is_sane(mobi):
    model = PLSPathModel(spec="ecsi").fit(mobi)
    result = model.bootstrap(500, seed=3)
    bca = result.table("paths", method="bca")
    pct = result.table("paths")
    assert (bca["lower"] < bca["estimate"]).all() and (bca["estimate"] < bca["upper"]).all()
    # BCa shifts the percentile interval a little, never wildly.
    assert np.abs(bca["lower"] - pct["lower"]).max() < 0.05
    summary = model.summary
    assert summary["se"].notna().all() and (summary["p"] <= 1).all()
    with pytest.raises(InputError, match="interval method must be percentile or bca"):
        result.table("paths", method="normal")


def test_degenerate_resamples_are_counted_not_fatal():
    rng = np.random.default_rng(0)
    n = 30
    q = rng.standard_normal(n)
    data = pd.DataFrame(
        {
            "a1": q + rng.standard_normal(n) * 0.5,
            "a2": q + rng.standard_normal(n) * 0.5,
            "b1": q + rng.standard_normal(n),
            "b2": np.r_[np.zeros(n - 1), 5.0],  # one non-zero answer
        }
    )
    spec = ModelSpec.build({"A": ["a1", "a2"], "B": ["b1", "b2"]}, [("A", "B")])
    model = PLSPathModel(spec=spec).fit(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bootstrap(model, n_resamples=200, seed=1)
    # P(the one row is never drawn) = (29/30)^30 ≈ 36%: those resamples have a constant b2.
    assert 40 < result.n_degenerate < 110
    assert result.n_valid == 200 - result.n_degenerate
    assert np.isfinite(result.draws["paths"]).all()
    assert any(issubclass(w.category, StatisticalWarning) for w in caught)


@pytest.mark.parametrize(
    "options",
    [{"consistent": True}, {"scheme": "centroid"}, {"standardized": False}, {"mode_b": True}],
)
def test_batched_variants_match_refits(mobi, options):
    options = dict(options)
    spec = SMALL
    if options.pop("mode_b", False):
        spec = ModelSpec.build(
            {c.name: c.items for c in SMALL.constructs},
            SMALL.paths,
            modes={"quality": "B"},
        )
    data = mobi.iloc[:90].reset_index(drop=True)
    model = PLSPathModel(spec=spec, **options).fit(data)
    result = bootstrap(model, n_resamples=12, seed=5, batch_size=6, bca=False)
    assert result.estimates["paths"] == pytest.approx(model.paths_["coef"].to_numpy(), abs=1e-8)
    refits = []
    for batch in resample_indices(len(data), 12, 5, 6):
        for rows in batch:
            fit = PLSPathModel(spec=spec, **options).fit(data.iloc[rows].reset_index(drop=True))
            refits.append(fit.paths_["coef"].to_numpy())
    assert result.draws["paths"] == pytest.approx(np.array(refits), abs=1e-6)


def test_large_sample_path_gives_the_same_moments(mobi, monkeypatch):
    from patron.analyze.csi import engine

    centred = mobi.to_numpy(float) - mobi.to_numpy(float).mean(axis=0)
    counts = np.random.default_rng(0).integers(0, 3, size=(4, len(mobi))).astype(float)
    table = engine.covariance_from_counts(centred, counts, standardize=True)
    monkeypatch.setattr(engine, "MAX_OUTER_CELLS", 0)
    assert engine.CrossProducts.of(centred).table is None
    loop = engine.covariance_from_counts(centred, counts, standardize=True)
    for a, b in zip(table, loop, strict=True):
        assert a == pytest.approx(b, abs=1e-12)
    # And both equal NumPy's weighted covariance.
    weights = counts[1]
    expected = np.cov(centred, rowvar=False, fweights=weights.astype(int))
    sd = np.sqrt(np.diag(expected))
    assert table[1][1] == pytest.approx(expected / np.outer(sd, sd), abs=1e-12)
