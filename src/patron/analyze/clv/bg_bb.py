"""Who will give or buy again when opportunities are discrete (yearly gifts, events): BG/BB."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, gammaln

from patron.analyze.clv.base import PurchaseModel
from patron.core.i18n import N_

__all__ = ["BetaGeoBetaBinomModel"]


class BetaGeoBetaBinomModel(PurchaseModel):
    r"""The beta-geometric/beta-Bernoulli model (Fader, Hardie & Shang 2010).

    .. math::

        L = \frac{B(\alpha + x, \beta + n - x)}{B(\alpha, \beta)}
            \frac{B(\gamma, \delta + n)}{B(\gamma, \delta)}
          + \sum_{i=0}^{n - t_x - 1}
            \frac{B(\alpha + x, \beta + t_x - x + i)}{B(\alpha, \beta)}
            \frac{B(\gamma + 1, \delta + t_x + i)}{B(\gamma, \delta)}

    At each of ``n`` discrete opportunities an active customer transacts with
    probability p ~ Beta(α, β) and, before the next one, drops out with probability
    θ ~ Beta(γ, δ).

    Data: ``frequency`` (x, transactions in the n repeat opportunities), ``recency``
    (t_x, the opportunity of the last one, 0 if none), ``T`` (n, opportunities) — all
    whole numbers — and usually ``weight`` (customers with this pattern).

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha, beta, gamma, delta``.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-base analysis in a
       discrete-time noncontractual setting", Marketing Science 29(6).
    """

    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("BG/BB model")
    _discrete: ClassVar[bool] = True

    def _terms(
        self, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, n: np.ndarray, grad: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Log-likelihood per row (and its gradient) from the log of each summed term."""
        al, be, ga, de = (float(v) for v in params)
        k = int(np.max(n - t_x)) if len(n) else 0
        # Row 0: alive through all n opportunities; row i+1: dropped out after t_x + i.
        i = np.arange(k)[:, None]
        valid = np.vstack([np.ones((1, len(x)), bool), i <= (n - t_x - 1)[None, :]])
        tt = t_x[None, :] + i
        logs = np.vstack(
            [
                (betaln(al + x, be + n - x) + betaln(ga, de + n))[None, :],
                betaln(al + x, be + tt - x) + betaln(ga + 1.0, de + tt),
            ]
        )
        logs = np.where(valid, logs, -np.inf)
        top = np.max(logs, axis=0)
        weights = np.exp(logs - top)
        total = weights.sum(axis=0)
        ll = top + np.log(total) - betaln(al, be) - betaln(ga, de)
        if not grad:
            return ll, None
        weights /= total
        g = np.empty((4, len(x)))
        psi_ax = digamma(al + x)
        g[0] = psi_ax - (
            weights[0] * digamma(al + be + n) + (weights[1:] * digamma(al + be + tt)).sum(0)
        )
        g[1] = weights[0] * (digamma(be + n - x) - digamma(al + be + n)) + (
            weights[1:] * (digamma(be + tt - x) - digamma(al + be + tt))
        ).sum(0)
        g[2] = weights[0] * (digamma(ga) - digamma(ga + de + n)) + (
            weights[1:] * (digamma(ga + 1.0) - digamma(ga + de + tt + 1.0))
        ).sum(0)
        g[3] = weights[0] * (digamma(de + n) - digamma(ga + de + n)) + (
            weights[1:] * (digamma(de + tt) - digamma(ga + de + tt + 1.0))
        ).sum(0)
        g[0] -= digamma(al) - digamma(al + be)
        g[1] -= digamma(be) - digamma(al + be)
        g[2] -= digamma(ga) - digamma(ga + de)
        g[3] -= digamma(de) - digamma(ga + de)
        return ll, g

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        ll, g = self._terms(params, d["x"], d["t_x"], d["T"], True)
        assert g is not None
        return ll, g

    # -- predictions (t counts opportunities) -----------------------------------------

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        al, be, ga, de = self._param_values() if params is None else params
        ll, _g = self._terms(np.array([al, be, ga, de]), x, t_x, T, False)
        log_alive = (
            betaln(al + x, be + T - x) - betaln(al, be) + betaln(ga, de + T + 1.0) - betaln(ga, de)
        )
        return np.exp(log_alive - ll)

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        al, be, ga, de = self._param_values() if params is None else params
        ga = ga + 1e-7 if abs(ga - 1.0) < 1e-7 else ga
        # Posterior mean of p given x in n, and the expected remaining opportunities
        # survived of someone alive at n + 1.
        log_p = betaln(al + x + 1.0, be + T - x) - betaln(al + x, be + T - x)
        log_alive_next = betaln(ga, de + T + 1.0) - betaln(ga, de)
        head = (
            np.log(de / (ga - 1.0) if ga > 1 else de / (1.0 - ga))
            + gammaln(ga + de)
            - gammaln(1.0 + de)
        )
        now = np.exp(gammaln(1.0 + de + T) - gammaln(ga + de + T))
        later = np.exp(gammaln(1.0 + de + T + t) - gammaln(ga + de + T + t))
        sign = 1.0 if ga > 1 else -1.0
        return sign * np.exp(log_p + head - log_alive_next) * (now - later)

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        al, be, ga, de = self._param_values()
        ga = ga + 1e-7 if abs(ga - 1.0) < 1e-7 else ga
        ratio = np.exp(
            gammaln(ga + de) + gammaln(1.0 + de + t) - gammaln(ga + de + t) - gammaln(1.0 + de)
        )
        return al / (al + be) * de / (ga - 1.0) * (1.0 - ratio)
