"""How many purchases a customer will make, and whether they are still active: the BG/NBD model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from patron.analyze.clv.base import PurchaseModel, softplus_sigmoid
from patron.core.i18n import N_

__all__ = ["BetaGeoModel"]


def hyp2f1_stable(A: float, B: float, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """2F1(A, B; C; z) for 0 <= z < 1, falling back to the plain series where SciPy fails.

    ``scipy.special.hyp2f1`` returns NaN for very large ``C`` (customers with thousands of
    purchases) with ``z`` near 1 (long horizons); there the series terms
    ``(A)_n (B)_n / ((C)_n n!) z^n`` shrink fast because ``C`` dwarfs ``A`` and ``B``.
    """
    C, z = np.broadcast_arrays(np.asarray(C, dtype=float), np.asarray(z, dtype=float))
    out = np.asarray(hyp2f1(A, B, C, z), dtype=float).copy()
    bad = np.nonzero(~np.isfinite(out))[0] if out.ndim else np.array([], dtype=int)
    if out.ndim == 0 and not np.isfinite(out):
        return hyp2f1_stable(A, B, C.reshape(1), z.reshape(1))[0]
    if bad.size:
        cc, zz = C.ravel()[bad], z.ravel()[bad]
        term = np.ones_like(cc)
        total = np.ones_like(cc)
        active = np.arange(bad.size)
        n = 0
        while active.size and n < 1_000_000:
            term[active] *= (A + n) * (B + n) / ((cc[active] + n) * (n + 1.0)) * zz[active]
            total[active] += term[active]
            n += 1
            active = active[np.abs(term[active]) > 1e-17 * np.abs(total[active])]
        flat = out.ravel()
        flat[bad] = total
        out = flat.reshape(out.shape)
    return out


def _nudge_one(a: float) -> float:
    # (a + b - 1) / (a - 1) has a removable singularity at a = 1; a step of 1e-7 moves
    # the predictions by far less than their standard error.
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

    def _prepare(self, data: Any) -> dict[str, Any]:
        d = super()._prepare(data)
        d["repeat"] = d["x"] > 0
        d["x_minus_1"] = np.where(d["repeat"], d["x"] - 1.0, 1.0)
        return d

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        # Start the rate at the observed one: r = 1, alpha = mean(T) / mean(x + 1).
        w = d["weight"]
        mean_T = float(d["T"] @ w / w.sum())
        mean_x = float(d["x"] @ w / w.sum())
        return np.array([1.0, max(mean_T / (mean_x + 1.0), 1e-3), 1.0, 1.0])

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

    # -- predictions -----------------------------------------------------------------

    def _p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._param_values()
        repeat = x > 0
        bx1 = np.where(repeat, b + x - 1.0, 1.0)
        odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(repeat, expit(-odds), 1.0)

    def _expected_if_alive(self, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._param_values()
        a = _nudge_one(a)
        z = t / (alpha + T + t)
        # Euler's transformation of 2F1(r+x, b+x; a+b+x-1; z) times (1-z)^(r+x): the
        # transformed series has a growing third parameter, so large x stays finite.
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
        )
        return (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail)

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._param_values()
        a = _nudge_one(a)
        z = t / (alpha + t)
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(
            a + b - 1.0 - r, a - 1.0, a + b - 1.0, z
        )
        return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)
