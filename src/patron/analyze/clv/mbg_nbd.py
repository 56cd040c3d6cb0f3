"""How many purchases a customer will make when they may also leave before buying again: MBG/NBD."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln

from patron.analyze.clv.base import PurchaseModel
from patron.analyze.clv.bg_nbd import _nudge_one, hyp2f1_stable
from patron.core.i18n import N_

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(PurchaseModel):
    r"""The modified beta-geometric/NBD model (Batislam, Denizel & Filiztekin 2007).

    .. math::

        L(r, \alpha, a, b \mid x, t_x, T) =
        \frac{B(a, b + x + 1)}{B(a, b)} \frac{\Gamma(r + x)\alpha^r}{\Gamma(r)(\alpha + T)^{r + x}}
        + \frac{B(a + 1, b + x)}{B(a, b)}
        \frac{\Gamma(r + x)\alpha^r}{\Gamma(r)(\alpha + t_x)^{r + x}}

    As BG/NBD, but a customer may also drop out right after the first purchase, so
    customers with no repeat purchase are not certain to be alive. Same data and
    parameters as :class:`~patron.analyze.clv.bg_nbd.BetaGeoModel`.

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, a, b``.

    References
    ----------
    .. [1] Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and
       comparison of models for customer base analysis", IJRM 24(3).
    .. [2] Wagner, U. & Hoppe, D. (2008), "Erratum on the MBG/NBD model", IJRM 25(3).
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("MBG/NBD model")

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        w = d["weight"]
        mean_T = float(d["T"] @ w / w.sum())
        mean_x = float(d["x"] @ w / w.sum())
        return np.array([1.0, max(mean_T / (mean_x + 1.0), 1e-3), 1.0, 1.0])

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, a, b = (float(v) for v in params)
        ux, ix = d["ux"], d["ix"]
        x, t_x, T = d["x"], d["t_x"], d["T"]
        a1 = (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + betaln(a, b + ux + 1.0)
            - betaln(a, b)
        )
        d_r1 = digamma(r + ux) - digamma(r) + np.log(alpha)
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + ux + 1.0)
        d_a1 = psi_ab - psi_abx
        d_b1 = digamma(b + ux + 1.0) - psi_abx - digamma(b) + psi_ab
        log_T = np.log(alpha + T)
        log_tx = np.log(alpha + t_x)
        odds = np.log(a) - np.log(b + x) + (r + x) * (log_T - log_tx)
        w = expit(odds)
        ll = a1[ix] - (r + x) * log_T + np.logaddexp(0.0, odds)
        grad = np.empty((4, len(x)))
        grad[0] = d_r1[ix] - log_T + w * (log_T - log_tx)
        grad[1] = (
            r / alpha
            - (r + x) / (alpha + T)
            + w * (r + x) * (1.0 / (alpha + T) - 1.0 / (alpha + t_x))
        )
        grad[2] = d_a1[ix] + w / a
        grad[3] = d_b1[ix] - w / (b + x)
        return ll, grad

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, a, b = self._param_values() if params is None else params
        odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return expit(-odds)

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, a, b = self._param_values() if params is None else params
        a = _nudge_one(a)
        z = t / (alpha + T + t)
        # Euler's transformation of 2F1(r+x, b+x+1; a+b+x; z) (1-z)^(r+x), stable in x.
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(a + b - r, a - 1.0, a + b + x, z)
        return (a + b + x) / (a - 1.0) * (1.0 - tail)

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._param_values()
        a = _nudge_one(a)
        z = t / (alpha + t)
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1_stable(a + b - r, a - 1.0, a + b, z)
        return b / (a - 1.0) * (1.0 - tail)
