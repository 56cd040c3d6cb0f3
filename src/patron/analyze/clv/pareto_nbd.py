"""How many purchases a customer will make when they may leave at any moment: the Pareto/NBD model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, expit, gammaln

from patron.analyze.clv._hyp2f1 import log_hyp2f1_ab1
from patron.analyze.clv.base import PurchaseModel, factorize_pairs
from patron.core.i18n import N_

__all__ = ["ParetoNBDModel"]


def _log_tail(params: np.ndarray, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""log F(t) and its gradient in (r, alpha, s, beta), where

    .. math:: F(t) = \int_t^\infty (\alpha+\tau)^{-(r+x)} (\beta+\tau)^{-(s+1)} d\tau
              = \frac{{}_2F_1(a, b; a+1; z)}{a \, (m + t)^a}

    with ``a = r+s+x`` and, as in Fader & Hardie's note, ``m = alpha``, ``b = s+1``,
    ``z = (alpha-beta)/(alpha+t)`` when alpha >= beta, else ``m = beta``, ``b = r+x``,
    ``z = (beta-alpha)/(beta+t)`` (so that 0 <= z < 1).
    """
    r, alpha, s, beta = (float(v) for v in params)
    a = r + s + x
    if alpha >= beta:
        m, b = alpha, s + 1.0 + 0.0 * x
        z = (alpha - beta) / (alpha + t)
    else:
        m, b = beta, r + x
        z = (beta - alpha) / (beta + t)
    log_h, h_a, h_b, h_z = log_hyp2f1_ab1(a, b, z)
    log_mt = np.log(m + t)
    value = log_h - a * log_mt - np.log(a)
    grad = np.empty((4, len(x)))
    common = -log_mt + h_a - 1.0 / a  # d/da of the value
    if alpha >= beta:
        grad[0] = common
        grad[2] = common + h_b
        grad[1] = -a / (alpha + t) + h_z * (beta + t) / (alpha + t) ** 2
        grad[3] = -h_z / (alpha + t)
    else:
        grad[0] = common + h_b
        grad[2] = common
        grad[1] = -h_z / (beta + t)
        grad[3] = -a / (beta + t) + h_z * (alpha + t) / (beta + t) ** 2
    return value, grad


class ParetoNBDModel(PurchaseModel):
    r"""The Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}
        \left[ \frac{1}{(\alpha+T)^{r+x}(\beta+T)^s}
        + s \int_{t_x}^{T} \frac{d\tau}{(\alpha+\tau)^{r+x}(\beta+\tau)^{s+1}} \right]

    While active, a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is
    exponential with rate μ ~ Gamma(s, β). The integral is Fader & Hardie's difference
    of Gauss hypergeometric terms, evaluated in log space by
    :mod:`patron.analyze.clv._hyp2f1` (finite for any x, t_x = T, T = 0), with an
    analytic gradient.

    Data: as :class:`~patron.analyze.clv.bg_nbd.BetaGeoModel` (``frequency``,
    ``recency``, ``T``).

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, s, beta``.

    References
    ----------
    .. [1] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting your
       customers: who are they and what will they do next?", Management Science 33(1).
    .. [2] Fader, P. S. & Hardie, B. G. S. (2005), "A note on deriving the Pareto/NBD
       model and related expressions", http://www.brucehardie.com/notes/009/.
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("Pareto/NBD model")

    def _derive(self, d: dict[str, Any]) -> dict[str, Any]:
        d = super()._derive(d)
        # F(t) depends on a customer only through (x, t): computed once per pair.
        ux, ut, codes = factorize_pairs(
            np.concatenate([d["x"], d["x"]]), np.concatenate([d["t_x"], d["T"]])
        )
        n = len(d["x"])
        d["pair_x"], d["pair_t"] = ux, ut
        d["code_tx"], d["code_T"] = codes[:n], codes[n:]
        return d

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        w = d["weight"]
        mean_T = float(d["T"] @ w / w.sum())
        mean_x = float(d["x"] @ w / w.sum())
        scale = max(mean_T / (mean_x + 1.0), 1e-3)
        return np.array([1.0, scale, 1.0, max(mean_T, 1e-3)])

    def _split(
        self, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, d: dict | None
    ) -> tuple[np.ndarray, ...]:
        """Log of the 'alive at T' and 'left in (t_x, T]' parts, with their gradients."""
        r, alpha, s, beta = (float(v) for v in params)
        if d is not None:
            log_f, grad_f = _log_tail(params, d["pair_x"], d["pair_t"])
            f_tx, g_tx = log_f[d["code_tx"]], grad_f[:, d["code_tx"]]
            f_T, g_T = log_f[d["code_T"]], grad_f[:, d["code_T"]]
        else:
            ux, ut, codes = factorize_pairs(np.concatenate([x, x]), np.concatenate([t_x, T]))
            log_f, grad_f = _log_tail(params, ux, ut)
            n = len(x)
            f_tx, g_tx = log_f[codes[:n]], grad_f[:, codes[:n]]
            f_T, g_T = log_f[codes[n:]], grad_f[:, codes[n:]]
        log_T_a = np.log(alpha + T)
        log_T_b = np.log(beta + T)
        first = -(r + x) * log_T_a - s * log_T_b
        gap = f_T - f_tx  # <= 0; 0 when t_x = T
        left = gap < -1e-300
        with np.errstate(divide="ignore", invalid="ignore"):
            log1m = np.where(left, np.log(-np.expm1(np.where(left, gap, -1.0))), -np.inf)
            second = np.log(s) + f_tx + log1m
            q = np.exp(gap)
            g_second = np.where(left, (g_tx - q * g_T) / np.where(left, -np.expm1(gap), 1.0), 0.0)
        g_second[2] += 1.0 / s
        g_first = np.vstack([-log_T_a, -(r + x) / (alpha + T), -log_T_b, -s / (beta + T)])
        return first, second, g_first, g_second

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, s, beta = (float(v) for v in params)
        x, ux, ix = d["x"], d["ux"], d["ix"]
        first, second, g_first, g_second = self._split(params, x, d["t_x"], d["T"], d)
        head = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        ll = head[ix] + np.logaddexp(first, second)
        w2 = expit(second - first)
        grad = (1.0 - w2) * g_first + w2 * g_second
        grad[0] += (digamma(r + ux) - digamma(r))[ix] + np.log(alpha)
        grad[1] += r / alpha
        grad[2] += np.log(beta)
        grad[3] += s / beta
        return ll, grad

    # -- predictions -----------------------------------------------------------------

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        values = np.asarray(self._param_values() if params is None else params, dtype=float)
        first, second, _g1, _g2 = self._split(values, x, t_x, T, None)
        return expit(first - second)

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, s, beta = self._param_values() if params is None else params
        return (r + x) / (alpha + T) * (beta + T) * _lifetime_share(s, np.log1p(t / (beta + T)))

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._param_values()
        return r / alpha * beta * _lifetime_share(s, np.log1p(t / beta))


def _lifetime_share(s: float, log_ratio: np.ndarray) -> np.ndarray:
    """[1 - exp(-(s-1) L)] / (s - 1), continuous at s = 1 (where it is L)."""
    if abs(s - 1.0) < 1e-10:
        return log_ratio
    return -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
