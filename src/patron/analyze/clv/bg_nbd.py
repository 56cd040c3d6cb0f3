"""How many purchases a customer will make, and whether they are still active: the BG/NBD model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from patron.analyze.clv.base import PurchaseModel, softplus_sigmoid
from patron.analyze.clv.bg_nbd_covariates import (
    covariate_names,
    covariate_total,
    derive_covariates,
    split_params,
)
from patron.core.i18n import N_

__all__ = ["BetaGeoModel"]


def hyp2f1_stable(A: Any, B: Any, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """2F1(A, B; C; z) for 0 <= z < 1, falling back to the plain series where SciPy fails.

    ``scipy.special.hyp2f1`` returns NaN for very large ``C`` (customers with thousands of
    purchases) with ``z`` near 1 (long horizons); there the series terms
    ``(A)_n (B)_n / ((C)_n n!) z^n`` shrink fast because ``C`` dwarfs ``A`` and ``B``.
    """
    A, B, C, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (A, B, C, z)))
    out = np.asarray(hyp2f1(A, B, C, z), dtype=float).copy()
    bad = np.nonzero(~np.isfinite(out))[0] if out.ndim else np.array([], dtype=int)
    if out.ndim == 0 and not np.isfinite(out):
        return hyp2f1_stable(A.reshape(1), B.reshape(1), C.reshape(1), z.reshape(1))[0]
    if bad.size:
        cc, zz = C.ravel()[bad], z.ravel()[bad]
        aa, bb = A.ravel()[bad], B.ravel()[bad]
        term = np.ones_like(cc)
        total = np.ones_like(cc)
        active = np.arange(bad.size)
        n = 0
        while active.size and n < 1_000_000:
            term[active] *= (
                (aa[active] + n) * (bb[active] + n) / ((cc[active] + n) * (n + 1.0)) * zz[active]
            )
            total[active] += term[active]
            n += 1
            active = active[np.abs(term[active]) > 1e-17 * np.abs(total[active])]
        flat = out.ravel()
        flat[bad] = total
        out = flat.reshape(out.shape)
    return out


def _repeat_block(
    r: float,
    alpha: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    gap: np.ndarray,
    w: np.ndarray | None,
    log_ratio: np.ndarray,
    run_lengths: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted log-likelihood, (r, alpha) gradient and per-x sums of w3 for repeat buyers.

    Rows come sorted by x in runs of ``run_lengths`` rows (one run per distinct x), so
    that the per-x terms spread and gather by runs, not by random access.
    """
    s_T = T + alpha
    log_T = np.log(s_T)
    rx = x + r
    # log((alpha + T) / (alpha + t_x)), then the drop-out odds
    # log(a / (b + x - 1)) + (r + x) log((alpha + T) / (alpha + t_x))
    s_tx = t_x + alpha
    log_age_ratio = np.log(np.divide(s_T, s_tx, out=s_tx), out=s_tx)
    odds = log_age_ratio * rx
    odds += np.repeat(log_ratio, run_lengths)
    # softplus(odds) and sigmoid(odds) from one exponential; log(1 + e) instead of
    # log1p(e) costs at most 1e-16 per row. Odds above 700 (absurd corners) give
    # softplus(odds) = odds to double precision.
    big = float(odds.max()) > 700.0
    e = np.exp(np.minimum(odds, 700.0, out=odds if not big else None))
    denominator = e + 1.0
    softplus = np.log(denominator)
    if big:
        softplus = np.where(odds > 700.0, odds, softplus)
    w3 = np.divide(e, denominator, out=e)
    if w is None:
        ll = float(softplus.sum()) - float(rx @ log_T)
        g_r = float(w3 @ log_age_ratio) - float(log_T.sum())
        ww3 = w3
        wrx = rx
    else:
        ww3 = w3 * w
        wrx = rx * w
        ll = float(w @ softplus) - float(wrx @ log_T)
        g_r = float(ww3 @ log_age_ratio) - float(w @ log_T)
    inv_T = np.reciprocal(s_T, out=s_T)
    # 1/(alpha+T) - 1/(alpha+t_x) = (t_x - T) / ((alpha+T)(alpha+t_x))
    diff = gap * inv_T
    diff /= t_x + alpha
    # (the r / alpha term is counted with the x-only terms)
    g_alpha = float((ww3 * rx) @ diff) - float(wrx @ inv_T)
    starts = np.concatenate([[0], np.cumsum(run_lengths)[:-1]])
    w3_by_x = np.add.reduceat(ww3, starts)
    return ll, np.array([g_r, g_alpha]), w3_by_x


def _nudge_one(a: Any) -> Any:
    # (a + b - 1) / (a - 1) has a removable singularity at a = 1; a step of 1e-7 moves
    # the predictions by far less than their standard error.
    if np.ndim(a):
        return np.where(np.abs(a - 1.0) < 1e-7, a + 1e-7, a)
    return a + 1e-7 if abs(a - 1.0) < 1e-7 else a


class BetaGeoModel(PurchaseModel):
    r"""The beta-geometric/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    .. math::

        L(r, \alpha, a, b \mid x, t_x, T) =
        \frac{B(a, b + x)}{B(a, b)} \frac{\Gamma(r + x)\alpha^r}{\Gamma(r)(\alpha + T)^{r + x}}
        + \delta_{x>0} \frac{B(a + 1, b + x - 1)}{B(a, b)}
        \frac{\Gamma(r + x)\alpha^r}{\Gamma(r)(\alpha + t_x)^{r + x}}

    While active, a customer buys at Poisson rate :math:`\lambda \sim
    \text{Gamma}(r, \alpha)`; after each purchase they drop out with probability
    :math:`p \sim \text{Beta}(a, b)`. ``r / alpha`` is the mean purchase rate per time
    unit; ``a / (a + b)`` the mean drop-out probability.

    Data: one row per customer with ``frequency`` (x, repeat purchases), ``recency``
    (t_x, time of the last purchase since the first) and ``T`` (time since the first
    purchase), optionally ``weight`` and ``customer_id``. Rows are compressed to distinct
    (x, t_x, T) patterns before fitting.

    Parameters
    ----------
    penalizer : float, default=0.0
    tol : float, default=1e-10
    max_iter : int, default=1000
    initial_params : dict, default=None

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, a, b``.
    standard_errors_, variance_matrix_, log_likelihood_, AIC_, n_customers_,
    n_patterns_, converged_, n_iter_
        See :class:`~patron.analyze.clv.base.BTYDModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from patron.analyze.clv import BetaGeoModel, rename_fader_hardie
    >>> data = rename_fader_hardie(pd.read_csv(path))  # doctest: +SKIP
    >>> BetaGeoModel().fit(data).params_.round(3).tolist()  # doctest: +SKIP
    [0.243, 4.414, 0.793, 2.426]

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "Counting your customers
       the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2).
    .. [2] Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model".
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("BG/NBD model")

    _supports_covariates: ClassVar[bool] = True

    def _names(self, d: dict[str, Any]) -> list[str]:
        if "X" not in d:
            return list(self._param_names)
        return covariate_names(self.design_.terms)

    def _positive_mask(self, d: dict[str, Any]) -> np.ndarray:
        mask = np.zeros(len(self._names(d)), dtype=bool)
        mask[:4] = True
        return mask

    def _params_from(self, params: np.ndarray, matrix: np.ndarray) -> tuple[Any, ...]:
        r, alpha0, a0, b0, g_alpha, g_a, g_b = split_params(params, matrix.shape[1])
        return (
            r,
            alpha0 * np.exp(-(matrix @ g_alpha)),
            a0 * np.exp(matrix @ g_a),
            b0 * np.exp(matrix @ g_b),
        )

    def _derive(self, d: dict[str, Any]) -> dict[str, Any]:
        d = super()._derive(d)
        d["w_by_x"] = np.bincount(d["ix"], weights=d["weight"], minlength=len(d["ux"]))
        if "X" in d:
            return derive_covariates(d)
        d["repeat"] = d["x"] > 0
        d["x_minus_1"] = np.where(d["repeat"], d["x"] - 1.0, 1.0)
        # The fast likelihood (_total) reads one-time buyers (whose terms need only T)
        # apart from repeat buyers, and the x-only terms summed by distinct x.
        zero, repeat = ~d["repeat"], d["repeat"]
        d["zero_T"], d["zero_w"] = d["T"][zero], d["weight"][zero]
        rows = np.nonzero(repeat)[0]
        codes, values = pd.factorize(d["x"][rows], sort=True)
        # Stable sort of small integer codes is a radix sort: linear time.
        small = np.uint16 if len(values) < 65_536 else np.int64
        rows = rows[np.argsort(codes.astype(small), kind="stable")]
        rep_ux = np.asarray(values, dtype=float)
        run_lengths = np.bincount(codes, minlength=len(values))
        d["rep_ux"], d["rep_runs"] = rep_ux, run_lengths
        d["rep_x"], d["rep_t_x"], d["rep_T"] = d["x"][rows], d["t_x"][rows], d["T"][rows]
        d["rep_gap"] = d["rep_t_x"] - d["rep_T"]
        d["rep_w"] = d["weight"][rows]
        d["unit_weights"] = bool(np.all(d["weight"] == 1.0))
        return d

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        # Start the rate at the observed one: r = 1, alpha = mean(T) / mean(x + 1).
        w = d["weight"]
        mean_T = float(d["T"] @ w / w.sum())
        mean_x = float(d["x"] @ w / w.sum())
        start = np.zeros(len(self._names(d)))
        start[:4] = [1.0, max(mean_T / (mean_x + 1.0), 1e-3), 1.0, 1.0]
        return start

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, a, b = (float(v) for v in params)
        ux, ix = d["ux"], d["ix"]
        x, t_x, T = d["x"], d["t_x"], d["T"]
        # Terms that depend on x only: computed once per distinct x.
        a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b)
        d_r1 = digamma(r + ux) - digamma(r) + np.log(alpha)
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + ux)
        d_a1 = psi_ab - psi_abx
        d_b1 = digamma(b + ux) - psi_abx - digamma(b) + psi_ab
        log_T = np.log(alpha + T)
        log_tx = np.log(alpha + t_x)
        repeat = d["repeat"]
        bx1 = b + d["x_minus_1"]  # b + x - 1 for repeat buyers (b + 1 elsewhere: unused)
        rx = r + x
        # Log-odds of "dropped out right after the last purchase" vs "still active".
        odds = np.log(a) - np.log(bx1) + rx * (log_T - log_tx)
        odds[~repeat] = -np.inf
        softplus, w3 = softplus_sigmoid(odds)
        ll = a1[ix] - rx * log_T + softplus
        inv_T = 1.0 / (alpha + T)
        grad = np.empty((4, len(x)))
        grad[0] = d_r1[ix] - log_T + w3 * (log_T - log_tx)
        grad[1] = r / alpha - rx * inv_T + w3 * rx * (inv_T - 1.0 / (alpha + t_x))
        grad[2] = d_a1[ix] + w3 / a
        grad[3] = d_b1[ix] - w3 / bx1
        return ll, grad

    def _total(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        # The weighted sums of _loglik without per-row arrays of x-only terms: those are
        # summed once per distinct x; one-time buyers need one log each; repeat buyers
        # are sorted by x so that per-x terms spread and gather by runs.
        if "X" in d:
            return covariate_total(params, d)
        r, alpha, a, b = (float(v) for v in params)
        ux, w_by_x = d["ux"], d["w_by_x"]
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + ux)
        ll = float(
            w_by_x
            @ (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b))
        )
        g = np.array(
            [
                float(w_by_x @ (digamma(r + ux) - digamma(r) + np.log(alpha))),
                r / alpha * float(w_by_x.sum()),
                float(w_by_x @ (psi_ab - psi_abx)),
                float(w_by_x @ (digamma(b + ux) - psi_abx - digamma(b) + psi_ab)),
            ]
        )
        zero_T, zero_w = d["zero_T"], d["zero_w"]
        if len(zero_T):
            s0 = zero_T + alpha
            sum_log = float(zero_w @ np.log(s0))
            ll -= r * sum_log
            g[0] -= sum_log
            g[1] -= r * float(zero_w @ np.reciprocal(s0, out=s0))
        rep_ux = d["rep_ux"]
        if len(rep_ux):
            log_ratio = np.log(a) - np.log(b + rep_ux - 1.0)
            inv_b = 1.0 / (b + rep_ux - 1.0)
            unit = d["unit_weights"]
            ll_p, g_p, sum_w3_by_x = _repeat_block(
                r,
                alpha,
                d["rep_x"],
                d["rep_t_x"],
                d["rep_T"],
                d["rep_gap"],
                None if unit else d["rep_w"],
                log_ratio,
                d["rep_runs"],
            )
            ll += ll_p
            g[:2] += g_p
            g[2] += float(sum_w3_by_x.sum()) / a
            g[3] -= float(sum_w3_by_x @ inv_b)
        return ll, g

    # -- predictions -----------------------------------------------------------------

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, a, b = self._param_values() if params is None else params
        repeat = x > 0
        bx1 = np.where(repeat, b + x - 1.0, 1.0)
        odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(repeat, expit(-odds), 1.0)

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, a, b = self._param_values() if params is None else params
        a = _nudge_one(a)
        r, alpha, a, b, x, T = np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (r, alpha, a, b, x, T))
        )
        out = np.empty(x.shape)
        # Huge a and b (no heterogeneity in drop-out: the fit runs off to a, b -> inf
        # with a / (a + b) fixed) overflow the series, and there p = a / (a + b) is the
        # same for everyone: with lambda ~ Gamma(r + x, alpha + T) after the history,
        # E[Y(t)] = (1 - ((alpha + T) / (alpha + T + p t))^(r + x)) / p (relative error
        # ~1 / (a + b) against the general formula: below 1e-5 above a + b = 1e4).
        limit = a + b > 1e4
        if np.any(limit):
            p = a[limit] / (a[limit] + b[limit])
            out[limit] = -np.expm1(-(r + x)[limit] * np.log1p(p * t / (alpha + T)[limit])) / p
        rest = ~limit
        if np.any(rest):
            a, b, r, x = a[rest], b[rest], r[rest], x[rest]
            z = t / (alpha[rest] + T[rest] + t)
            # Euler's transformation of 2F1(r+x, b+x; a+b+x-1; z) times (1-z)^(r+x): the
            # transformed series has a growing third parameter, so large x stays finite.
            tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(
                a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
            )
            out[rest] = (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail)
        return out

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._param_values()
        a = _nudge_one(a)
        z = t / (alpha + t)
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(
            a + b - 1.0 - r, a - 1.0, a + b - 1.0, z
        )
        return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)
