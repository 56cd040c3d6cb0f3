"""How long subscribers stay: the shifted-beta-geometric model of contractual retention."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma

from patron.analyze.clv.base import BTYDModel
from patron.core.i18n import N_, _
from patron.exceptions import InputError

__all__ = ["ShiftedBetaGeoModel", "survivors_to_periods"]


def survivors_to_periods(survivors: Any) -> pd.DataFrame:
    """Turn survivor counts (period 0 = the cohort) into weighted churn records.

    Parameters
    ----------
    survivors : sequence of int
        Customers still active at the start (index 0) and at the end of each period.

    Returns
    -------
    pandas.DataFrame
        ``period, churned, weight``: ``weight`` customers left in ``period`` (churned)
        or were still active after the last period (not churned).
    """
    counts = np.asarray(survivors, dtype=float)
    if counts.ndim != 1 or len(counts) < 2:
        raise InputError(_("survivor counts need the cohort size and at least one period"))
    lost = counts[:-1] - counts[1:]
    if np.any(lost < 0):
        period = int(np.argmax(lost < 0)) + 1
        raise InputError(
            _("survivors rise from {before} to {after} in period {period}").format(
                before=counts[period - 1], after=counts[period], period=period
            )
        )
    periods = np.arange(1, len(counts))
    frame = pd.DataFrame(
        {
            "period": np.append(periods, periods[-1]),
            "churned": np.append(np.ones(len(periods), bool), False),
            "weight": np.append(lost, counts[-1]),
        }
    )
    return frame[frame["weight"] > 0].reset_index(drop=True)


class ShiftedBetaGeoModel(BTYDModel):
    r"""The shifted-beta-geometric (sBG) model of contract renewal (Fader & Hardie 2007).

    .. math::

        P(T = t) = \frac{B(\alpha + 1, \beta + t - 1)}{B(\alpha, \beta)}, \qquad
        S(t) = \frac{B(\alpha, \beta + t)}{B(\alpha, \beta)}

    Each customer churns at the end of a period with probability θ ~ Beta(α, β);
    retention rates rise over time as the customers most likely to leave are gone.

    Data: one row per customer (or group with ``weight``): ``period`` (whole number ≥ 1:
    the period in which the customer churned, or the number of periods observed if
    still active) and ``churned`` (bool). :func:`survivors_to_periods` builds this from
    survivor counts.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha, beta``.

    References
    ----------
    .. [1] Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention",
       Journal of Interactive Marketing 21(1).
    """

    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0)
    _title: ClassVar[str] = N_("sBG retention model")

    def _prepare(self, data: Any) -> dict[str, Any]:
        from patron.analyze.clv.data import _fail, compress, validate_columns

        frame = validate_columns(data, ["period", "churned"])
        if len(frame) == 0:
            raise InputError(_("the data hold no customers"))
        t = pd.to_numeric(frame["period"], errors="coerce").to_numpy(dtype=float)
        _fail(frame, ~np.isfinite(t), _("period is missing or not a number ({value})"), value=t)
        _fail(
            frame,
            (t < 1) | (t != np.round(t)),
            _("period {value} is not a whole number ≥ 1"),
            value=t,
        )
        churned = frame["churned"].astype(bool).to_numpy()
        weight = (
            pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
            if "weight" in frame
            else np.ones(len(frame))
        )
        _fail(frame, ~(weight > 0), _("weight {value} is not positive"), value=weight)
        return compress({"t": t, "churned": churned.astype(float)}, weight)

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        alpha, beta = (float(v) for v in params)
        t, churned = d["t"], d["churned"] > 0
        base = betaln(alpha, beta)
        psi_ab = digamma(alpha + beta)
        psi_abt = digamma(alpha + beta + t)
        ll = np.where(churned, betaln(alpha + 1.0, beta + t - 1.0), betaln(alpha, beta + t)) - base
        grad = np.empty((2, len(t)))
        grad[0] = np.where(churned, digamma(alpha + 1.0) - digamma(alpha), 0.0) + psi_ab - psi_abt
        grad[1] = (
            np.where(churned, digamma(beta + t - 1.0), digamma(beta + t))
            - psi_abt
            - digamma(beta)
            + psi_ab
        )
        return ll, grad

    # -- predictions -----------------------------------------------------------------

    def survival(self, periods: Any) -> np.ndarray:
        """Share of a cohort still active after each of ``periods`` (S(0) = 1)."""
        alpha, beta = self._param_values()
        t = np.asarray(periods, dtype=float)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def retention_rate(self, periods: Any) -> np.ndarray:
        """Share of the customers active in period t−1 who renew in period t (t ≥ 1)."""
        alpha, beta = self._param_values()
        t = np.asarray(periods, dtype=float)
        return (beta + t - 1.0) / (alpha + beta + t - 1.0)

    def churn_probability(self, periods: Any) -> np.ndarray:
        """P(T = t): share of a new cohort lost in period t (t ≥ 1)."""
        alpha, beta = self._param_values()
        t = np.asarray(periods, dtype=float)
        return np.exp(betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta))

    def retention_curve(self, periods: int, *, cohort_size: float = 1.0) -> pd.DataFrame:
        """Survival, retention rate and expected survivors for periods 0..``periods``."""
        self.check_is_fitted()
        t = np.arange(0, int(periods) + 1)
        survival = self.survival(t)
        retention = np.where(t >= 1, self.retention_rate(np.maximum(t, 1)), np.nan)
        return pd.DataFrame(
            {
                "period": t,
                "survival": survival,
                "retention_rate": retention,
                "survivors": cohort_size * survival,
            }
        )

    def discounted_expected_residual_lifetime(
        self, discount_rate: float, periods_survived: int = 0, *, horizon: int = 2000
    ) -> float:
        """Expected discounted number of future renewals of a customer active for ``n`` periods.

        .. math:: \\text{DERL}(d \\mid n) = \\sum_{t > n} \\frac{S(t)/S(n)}{(1+d)^{t-n}}

        (the series is summed to ``horizon`` periods; Fader & Hardie 2010 give the
        hypergeometric closed form).
        """
        self.check_is_fitted()
        n = int(periods_survived)
        t = np.arange(n + 1, n + 1 + int(horizon))
        ratio = self.survival(t) / self.survival(n)
        return float(np.sum(ratio / (1.0 + discount_rate) ** (t - n)))
