r"""How certain the PLS estimates are: a vectorised, seeded bootstrap with BCa intervals.

Each resample is a vector of counts (how often each respondent is drawn); one matrix
product turns a batch of count vectors into a stack of correlation matrices, and the
PLS algorithm runs on the whole stack at once (:mod:`patron.analyze.csi.engine`).
Batches run on a thread pool (NumPy releases the GIL), so both cores work. Resamples
in which the algorithm does not converge or an item is constant are counted as
degenerate and left out - never a crash.

Intervals: percentile, and bias-corrected and accelerated (BCa) with

.. math::

    \hat z_0 = \Phi^{-1}\bigl(\#\{\theta^*_b < \hat\theta\}/B\bigr),\quad
    \hat a = \frac{\sum_i (\bar\theta_{(\cdot)} - \theta_{(i)})^3}
                  {6\,\bigl(\sum_i (\bar\theta_{(\cdot)} - \theta_{(i)})^2\bigr)^{3/2}},\quad
    \alpha_{1,2} = \Phi\Bigl(\hat z_0 + \frac{\hat z_0 + z_{\alpha}}{1 - \hat a(\hat z_0 + z_{\alpha})}\Bigr)

(the jackknife for :math:`\hat a` deletes one respondent, or one of at most 500
groups for large samples). t = estimate / SE, p two-sided from Student's t with B-1 df.

References
----------
.. [1] Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from patron.analyze.csi import engine
from patron.analyze.csi.plsc import correct
from patron.core.i18n import _, ngettext
from patron.exceptions import InputError, StatisticalWarning

if TYPE_CHECKING:
    from patron.analyze.csi.pls import PLSPathModel

MAX_JACKKNIFE_GROUPS = 500


def resample_indices(
    n: int, n_resamples: int, seed: int | None, batch_size: int
) -> Iterator[np.ndarray]:
    """The resamples, batch by batch: arrays (batch, n) of row numbers.

    Batch k draws from its own child of ``SeedSequence(seed)``, so the resamples depend
    only on the seed and the batch size - not on how many threads run them.
    """
    sizes = [batch_size] * (n_resamples // batch_size)
    if n_resamples % batch_size:
        sizes.append(n_resamples % batch_size)
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    for size, child in zip(sizes, children, strict=True):
        yield np.random.default_rng(child).integers(0, n, size=(size, n))


def counts_from_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """(B, n) draw counts from (B, n) row numbers."""
    b = indices.shape[0]
    flat = (indices + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


class _Statistics:
    """Turns stacks of moment matrices into named statistics for one fitted model."""

    def __init__(self, model: PLSPathModel) -> None:
        self.model = model
        layout = model._layout
        self.layout = layout
        names = layout.constructs
        pos = {name: j for j, name in enumerate(names)}
        self.path_pairs = [(pos[a], pos[b]) for a, b in model.spec_.paths]
        total = model.total_effects_.to_numpy()
        self.effect_pairs = [
            (i, j) for i in range(len(names)) for j in range(len(names)) if total[i, j] != 0
        ]
        self.endogenous = layout.endogenous
        self.names: dict[str, list[str]] = {
            "paths": [f"{a} -> {b}" for a, b in model.spec_.paths],
            "total_effects": [f"{names[i]} -> {names[j]}" for i, j in self.effect_pairs],
            "r2": [names[j] for j in self.endogenous],
            "weights": list(layout.items),
            "loadings": list(layout.items),
            "index": list(names),
        }
        centred = model._x - model._means
        self.centred = centred
        self.products = engine.CrossProducts.of(centred)
        self.modes = model._modes

    def compute(self, counts: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        model = self.model
        means, moments, sd = engine.covariance_from_counts(
            self.products, counts, standardize=model.standardized
        )
        est = engine.estimate(
            moments, self.layout, scheme=model.scheme, tol=model.tol, max_iter=int(model.max_iter)
        )
        ok = est.converged & np.isfinite(sd).all(axis=1) & (sd > 0).all(axis=1)
        std_weights = est.weights if model.standardized else est.weights * sd
        paths, r2, loadings = est.paths, est.r2, est.loadings
        if model.consistent:
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = moments if model.standardized else moments / sd[:, :, None] / sd[:, None, :]
            std_est = engine.Estimates(
                std_weights,
                est.construct_cov,
                est.loadings,
                est.cross_loadings,
                est.paths,
                est.r2,
                est.converged,
                est.iterations,
            )
            fixed = correct(corr, std_est, self.layout, self.modes)
            paths, r2, loadings = fixed.paths, fixed.r2, fixed.loadings
            ok &= np.isfinite(paths).all(axis=(1, 2))
        total = engine.total_effects(paths)
        index = engine.index_from_moments(
            std_weights, sd, means + model._means, self.layout, model.scale_
        )
        out = {
            "paths": np.stack([paths[:, i, j] for i, j in self.path_pairs], axis=1),
            "total_effects": np.stack([total[:, i, j] for i, j in self.effect_pairs], axis=1)
            if self.effect_pairs
            else np.zeros((len(counts), 0)),
            "r2": r2[:, self.endogenous],
            "weights": std_weights,
            "loadings": loadings,
            "index": index,
        }
        return out, ok

    def original(self) -> dict[str, np.ndarray]:
        n = self.centred.shape[0]
        values, _ok = self.compute(np.ones((1, n)))
        return {k: v[0] for k, v in values.items()}


@dataclass
class BootstrapResult:
    """Bootstrap draws of every statistic, with SEs and intervals on demand."""

    n_resamples: int
    n_degenerate: int
    seed: int | None
    elapsed_s: float
    names: dict[str, list[str]]
    estimates: dict[str, np.ndarray]
    draws: dict[str, np.ndarray]  # each (n_valid, k)
    jackknife: dict[str, np.ndarray] = field(default_factory=dict)
    confidence: float = 0.95

    @property
    def n_valid(self) -> int:
        return self.n_resamples - self.n_degenerate

    def standard_errors(self, statistic: str = "paths") -> pd.Series:
        return pd.Series(self.draws[statistic].std(axis=0, ddof=1), index=self.names[statistic])

    def table(
        self,
        statistic: str = "paths",
        *,
        method: str = "percentile",
        confidence: float | None = None,
    ) -> pd.DataFrame:
        """estimate, mean, se, t, p, lower, upper for each parameter of ``statistic``.

        ``method`` is "percentile" or "bca" for the interval columns.
        """
        if statistic not in self.draws:
            raise InputError(
                _("unknown statistic '{name}': use {names}").format(
                    name=statistic, names=", ".join(self.draws)
                )
            )
        level = confidence or self.confidence
        draws = self.draws[statistic]
        est = self.estimates[statistic]
        b = draws.shape[0]
        se = draws.std(axis=0, ddof=1) if b > 1 else np.full(est.shape, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = est / se
        p = 2 * stats.t.sf(np.abs(t), df=max(b - 1, 1))
        alpha = (1 - level) / 2
        if method == "bca":
            lower, upper = self._bca(statistic, alpha)
        elif method == "percentile":
            lower = np.quantile(draws, alpha, axis=0) if b else np.full(est.shape, np.nan)
            upper = np.quantile(draws, 1 - alpha, axis=0) if b else np.full(est.shape, np.nan)
        else:
            raise InputError(
                _("interval method must be percentile or bca, not '{value}'").format(value=method)
            )
        return pd.DataFrame(
            {
                "estimate": est,
                "mean": draws.mean(axis=0) if b else np.nan,
                "se": se,
                "t": t,
                "p": p,
                "lower": lower,
                "upper": upper,
            },
            index=pd.Index(self.names[statistic], name=statistic),
        )

    def _bca(self, statistic: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        draws = self.draws[statistic]
        est = self.estimates[statistic]
        b = draws.shape[0]
        if b < 2 or statistic not in self.jackknife:
            nan = np.full(est.shape, np.nan)
            return nan, nan
        below = (draws < est).sum(axis=0) + 0.5 * (draws == est).sum(axis=0)
        z0 = stats.norm.ppf(np.clip(below / b, 1 / (2 * b), 1 - 1 / (2 * b)))
        jack = self.jackknife[statistic]
        d = jack.mean(axis=0) - jack
        with np.errstate(invalid="ignore", divide="ignore"):
            accel = (d**3).sum(axis=0) / (6 * ((d**2).sum(axis=0)) ** 1.5)
        accel = np.nan_to_num(accel)
        bounds = []
        for z_alpha in (stats.norm.ppf(alpha), stats.norm.ppf(1 - alpha)):
            adj = stats.norm.cdf(z0 + (z0 + z_alpha) / (1 - accel * (z0 + z_alpha)))
            bounds.append(
                np.array([np.quantile(draws[:, k], adj[k]) for k in range(draws.shape[1])])
            )
        return bounds[0], bounds[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_resamples": self.n_resamples,
            "n_degenerate": self.n_degenerate,
            "seed": self.seed,
            "elapsed_s": self.elapsed_s,
            "paths": self.table("paths").reset_index().to_dict(orient="records"),
            "r2": self.table("r2").reset_index().to_dict(orient="records"),
            "index": self.table("index").reset_index().to_dict(orient="records"),
        }


def bootstrap(
    model: PLSPathModel,
    *,
    n_resamples: int = 5000,
    seed: int | None = None,
    n_jobs: int = 2,
    batch_size: int | None = None,
    confidence: float = 0.95,
    bca: bool = True,
    progress: Callable[[int], None] | None = None,
) -> BootstrapResult:
    """Resample respondents ``n_resamples`` times and re-estimate the fitted ``model``.

    Parameters
    ----------
    model : PLSPathModel
        A fitted model (its data, scheme, mode and PLSc choice are reused).
    n_resamples : int, default=5000
    seed : int or None
        Same seed, same draws (independent of ``n_jobs``).
    n_jobs : int, default=2
        Threads running batches in parallel.
    batch_size : int or None
        Resamples per batch (default: up to 256, fewer for large samples).
    confidence : float, default=0.95
    bca : bool, default=True
        Also run the jackknife needed for BCa intervals.
    progress : callable or None
        Called with the number of resamples just finished (for a progress bar).
    """
    model.check_is_fitted()
    if int(n_resamples) < 2:
        raise InputError(
            _("the bootstrap needs at least 2 resamples, not {n}").format(n=n_resamples)
        )
    start = time.perf_counter()
    statistics = _Statistics(model)
    n, p = statistics.centred.shape
    if batch_size is None:
        # ~250 resamples keep a batch in cache for mobi-sized models; fewer for big samples.
        batch_size = int(np.clip(500_000 // (p * p + n), 32, 256))
    batches = list(resample_indices(n, int(n_resamples), seed, batch_size))

    def run(indices: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        result = statistics.compute(counts_from_indices(indices, n))
        if progress is not None:
            progress(len(indices))
        return result

    # The matrices are small: BLAS's own threads only add overhead, so each batch runs
    # single-threaded BLAS and the parallelism comes from running batches side by side.
    with threadpool_limits(limits=1, user_api="blas"):
        if n_jobs and n_jobs > 1 and len(batches) > 1:
            with ThreadPoolExecutor(max_workers=int(n_jobs)) as pool:
                results = list(pool.map(run, batches))
        else:
            results = [run(batch) for batch in batches]
    ok = np.concatenate([r[1] for r in results])
    draws = {key: np.concatenate([r[0][key] for r in results])[ok] for key in results[0][0]}
    jackknife: dict[str, np.ndarray] = {}
    if bca:
        groups = min(n, MAX_JACKKNIFE_GROUPS)
        member = np.arange(n) % groups
        counts = np.ones((groups, n))
        counts[member, np.arange(n)] = 0.0
        values, jack_ok = statistics.compute(counts)
        jackknife = {k: v[jack_ok] for k, v in values.items()}
    n_degenerate = int((~ok).sum())
    if n_degenerate:
        warnings.warn(
            ngettext(
                "{n} bootstrap resample was degenerate (no convergence or a constant item) and was left out",
                "{n} bootstrap resamples were degenerate (no convergence or a constant item) and were left out",
                n_degenerate,
            ).format(n=n_degenerate),
            StatisticalWarning,
            stacklevel=2,
        )
    return BootstrapResult(
        n_resamples=int(n_resamples),
        n_degenerate=n_degenerate,
        seed=seed,
        elapsed_s=time.perf_counter() - start,
        names=statistics.names,
        estimates=statistics.original(),
        draws=draws,
        jackknife=jackknife,
        confidence=confidence,
    )
