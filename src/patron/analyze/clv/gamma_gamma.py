"""How much a customer spends per purchase, and what they are worth: the Gamma-Gamma spend model and CLV."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from patron.analyze.clv.base import BTYDModel, PurchaseModel, factorize_pairs
from patron.core.i18n import N_, _
from patron.exceptions import InputError

__all__ = ["GammaGammaModel", "PERIODS_PER_MONTH"]

#: Time units per month in the CLV sum (the convention of ``lifetimes``: 4.345 weeks).
PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0}


class GammaGammaModel(BTYDModel):
    r"""The Gamma-Gamma model of average spend per purchase (Fader & Hardie 2013).

    .. math::

        f(\bar z \mid x; p, q, \gamma) =
        \frac{\Gamma(px + q)}{\Gamma(px)\Gamma(q)}
        \frac{\gamma^q \, \bar z^{px - 1} x^{px}}{(\gamma + x \bar z)^{px + q}}

    Each purchase's spend is Gamma(p, ν); ν varies over customers as Gamma(q, γ). The
    population mean spend is :math:`p\gamma / (q - 1)`. Spend is assumed independent of
    the purchase process.

    Data: ``frequency`` (x, repeat purchases) and ``monetary_value`` (z̄, mean spend per
    repeat purchase); rows with x = 0 carry no spend information and are left out of the
    fit.

    Attributes
    ----------
    params_ : pandas.Series
        ``p, q, gamma``.

    References
    ----------
    .. [1] Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary
       value", http://www.brucehardie.com/notes/025/.
    .. [2] Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer
       base analysis", Journal of Marketing Research 42(4).
    """

    _param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("Gamma-Gamma spend model")

    def _prepare(self, data: Any) -> dict[str, Any]:
        from patron.analyze.clv.data import _fail, validate_columns

        frame = validate_columns(data, ["frequency", "monetary_value"])
        x = pd.to_numeric(frame["frequency"], errors="coerce").to_numpy(dtype=float)
        m = pd.to_numeric(frame["monetary_value"], errors="coerce").to_numpy(dtype=float)
        _fail(frame, ~np.isfinite(x), _("frequency is missing or not a number ({value})"), value=x)
        _fail(frame, x < 0, _("frequency {value} is negative"), value=x)
        _fail(frame, x != np.round(x), _("frequency {value} is not a whole number"), value=x)
        repeat = x > 0
        _fail(
            frame,
            repeat & ~(m > 0),
            _("monetary value {value} is not positive for a repeat buyer"),
            value=m,
        )
        weight = (
            pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
            if "weight" in frame
            else np.ones(len(frame))
        )
        if not repeat.any():
            raise InputError(_("no customer has a repeat purchase: the spend model needs some"))
        design = self._design(frame)
        matrix = design.transform(frame)[repeat] if design is not None else None
        x, m, weight = x[repeat], m[repeat], weight[repeat]
        ux, ix = np.unique(x, return_inverse=True)
        log_m, log_x = np.log(m), np.log(x)
        extra = {} if matrix is None else {"X": matrix}
        return extra | {
            "x": x,
            "m": m,
            "weight": weight,
            "ux": ux,
            "ix": ix,
            "log_m": log_m,
            "log_x": log_x,
            "xm": x * m,
            # Sums that do not depend on the parameters, for the fast total below.
            "w_by_x": np.bincount(ix, weights=weight, minlength=len(ux)),
            "wx": weight * x,
            "sum_w": float(weight.sum()),
            "sum_w_log_m": float(weight @ log_m),
            "sum_wx_log_mx": float((weight * x) @ (log_m + log_x)),
        }

    _supports_covariates: ClassVar[bool] = True

    def _names(self, d: dict[str, Any]) -> list[str]:
        if "X" not in d:
            return list(self._param_names)
        return ["p", "q", "gamma"] + [f"gamma: {t}" for t in self.design_.terms]

    def _positive_mask(self, d: dict[str, Any]) -> np.ndarray:
        mask = np.zeros(len(self._names(d)), dtype=bool)
        mask[:3] = True
        return mask

    def _params_from(self, params: np.ndarray, matrix: np.ndarray) -> tuple[Any, ...]:
        p, q, g0 = (float(v) for v in params[:3])
        return p, q, g0 * np.exp(matrix @ params[3:])

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        # Method of moments on the mean spends gives a start near the answer.
        w = d["weight"]
        mean = float(d["m"] @ w / w.sum())
        start = np.zeros(len(self._names(d)))
        start[:3] = [2.0, 3.0, max(mean, 1e-3)]
        return start

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        p, q, g = (float(v) for v in params)
        ux, ix, x = d["ux"], d["ix"], d["x"]
        px = p * ux
        per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
        psi_pxq = digamma(px + q)
        d_p_x = psi_pxq - digamma(px)
        d_q_x = psi_pxq - digamma(q) + np.log(g)
        log_gxm = np.log(g + d["xm"])
        pxr = p * x
        ll = per_x[ix] + (pxr - 1.0) * d["log_m"] + pxr * d["log_x"] - (pxr + q) * log_gxm
        grad = np.empty((3, len(x)))
        grad[0] = x * (d_p_x[ix] + d["log_m"] + d["log_x"] - log_gxm)
        grad[1] = d_q_x[ix] - log_gxm
        grad[2] = q / g - (pxr + q) / (g + d["xm"])
        return ll, grad

    def _total(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        # The weighted sums of _loglik with everything parameter-free summed once: per
        # customer only log(gamma + x zbar) and its reciprocal remain.
        if "X" in d:
            return self._total_covariates(params, d)
        p, q, g = (float(v) for v in params)
        ux, w_by_x, w, wx = d["ux"], d["w_by_x"], d["weight"], d["wx"]
        px = p * ux
        per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
        psi_pxq = digamma(px + q)
        shifted = g + d["xm"]
        log_s = np.log(shifted)
        inv_s = 1.0 / shifted
        sum_w_log, sum_wx_log = float(w @ log_s), float(wx @ log_s)
        sum_w_inv, sum_wx_inv = float(w @ inv_s), float(wx @ inv_s)
        ll = (
            float(w_by_x @ per_x)
            + p * d["sum_wx_log_mx"]
            - d["sum_w_log_m"]
            - p * sum_wx_log
            - q * sum_w_log
        )
        grad = np.array(
            [
                float(w_by_x @ (ux * (psi_pxq - digamma(px)))) + d["sum_wx_log_mx"] - sum_wx_log,
                float(w_by_x @ (psi_pxq - digamma(q) + np.log(g))) - sum_w_log,
                q * d["sum_w"] / g - p * sum_wx_inv - q * sum_w_inv,
            ]
        )
        return ll, grad

    def _total_covariates(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        """With covariates the scale is gamma_i = gamma0 exp(effects' x_i) (Fader & Hardie's
        spend model with a customer-level scale: a positive effect raises mean spend)."""
        p, q, g0 = (float(v) for v in params[:3])
        X = d["X"]
        ux, w_by_x, w, wx = d["ux"], d["w_by_x"], d["weight"], d["wx"]
        g = g0 * np.exp(X @ params[3:])
        px = p * ux
        per_x = gammaln(px + q) - gammaln(px) - gammaln(q)
        psi_pxq = digamma(px + q)
        shifted = g + d["xm"]
        log_s = np.log(shifted)
        log_g = np.log(g)
        sum_wx_log = float(wx @ log_s)
        ll = (
            float(w_by_x @ per_x)
            + q * float(w @ log_g)
            + p * d["sum_wx_log_mx"]
            - d["sum_w_log_m"]
            - p * sum_wx_log
            - q * float(w @ log_s)
        )
        d_log_g = w * (q - (p * d["x"] + q) * g / shifted)  # d ll / d log gamma_i
        grad = np.concatenate(
            [
                [
                    float(w_by_x @ (ux * (psi_pxq - digamma(px))))
                    + d["sum_wx_log_mx"]
                    - sum_wx_log,
                    float(w_by_x @ (psi_pxq - digamma(q))) + float(w @ (log_g - log_s)),
                    float(d_log_g.sum()) / g0,
                ],
                X.T @ d_log_g,
            ]
        )
        return ll, grad

    # -- predictions -----------------------------------------------------------------

    def population_mean_spend(self) -> float:
        """Mean spend per purchase over all customers: :math:`p\\gamma/(q-1)` (∞ if q ≤ 1)."""
        p, q, g = self._param_values()
        return p * g / (q - 1.0) if q > 1.0 else float("inf")

    def _spend(self, x: np.ndarray, m: np.ndarray, params: Any = None) -> np.ndarray:
        p, q, g = self._param_values() if params is None else params
        m = np.where(x > 0, m, 0.0)
        return p * (g + x * m) / (p * x + q - 1.0)

    def expected_spend(self, data: Any) -> pd.Series:
        """Expected mean spend per future purchase, given each customer's history.

        .. math:: E[Z \\mid \\bar z, x] = \\frac{p(\\gamma + x \\bar z)}{px + q - 1}

        a weighted mean of the population mean and the customer's own mean spend
        (customers without repeat purchases get the population mean).
        """
        from patron.analyze.clv.data import customer_ids, validate_columns

        self.check_is_fitted()
        frame = validate_columns(data, ["frequency", "monetary_value"])
        x = frame["frequency"].to_numpy(dtype=float)
        m = frame["monetary_value"].to_numpy(dtype=float)
        spend = self._spend(x, m, self._customer_params(frame))
        return pd.Series(spend, index=customer_ids(frame), name="expected_spend")

    def customer_lifetime_value(
        self,
        transaction_model: PurchaseModel,
        data: Any,
        *,
        months: int = 12,
        discount_rate: float = 0.01,
        margin: float = 1.0,
        time_unit: str = "W",
    ) -> pd.Series:
        """Discounted value of each customer's purchases over the next ``months`` months.

        .. math::

            \\text{CLV} = m \\, E[Z] \\sum_{i=1}^{M}
            \\frac{E[Y(i f) \\mid x, t_x, T] - E[Y((i-1) f) \\mid x, t_x, T]}{(1 + d)^i}

        with margin :math:`m`, monthly discount rate :math:`d` and :math:`f` time units
        per month (4.345 weeks, 30 days). This is the monthly sum of ``lifetimes``
        (``customer_lifetime_value``), not Fader–Hardie's continuous DERT: it works with
        every purchase model and a finite horizon.

        Parameters
        ----------
        transaction_model : fitted purchase model (BG/NBD, MBG/NBD, Pareto/NBD)
        data : DataFrame
            ``frequency, recency, T, monetary_value`` per customer.
        months : int, default=12
        discount_rate : float, default=0.01
            Per month.
        margin : float, default=1.0
            Share of spend that is profit.
        time_unit : {"W", "D", "M"}, default="W"
            The unit of ``recency`` and ``T`` the purchase model was fitted in.
        """
        from patron.analyze.clv.data import customer_ids, validate_summary

        self.check_is_fitted()
        transaction_model.check_is_fitted()
        factor = periods_per_month(time_unit)
        checked = validate_summary(data, monetary=True, discrete=transaction_model._discrete)
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        value = clv_values(
            self,
            transaction_model,
            checked["frequency"],
            checked["recency"],
            checked["T"],
            checked["monetary_value"],
            spend_params=self._customer_params(frame),
            purchase_params=transaction_model._customer_params(frame),
            months=months,
            factor=factor,
            discount_rate=discount_rate,
            margin=margin,
        )
        return pd.Series(value, index=customer_ids(frame), name="clv")


def periods_per_month(time_unit: str) -> float:
    """Time units per month for ``time_unit`` ("W", "D", "M"), or a clear error."""
    try:
        return PERIODS_PER_MONTH[time_unit.upper()]
    except (KeyError, AttributeError):
        raise InputError(
            _("unknown time unit {unit!r}: use one of {choices}").format(
                unit=time_unit, choices=", ".join(PERIODS_PER_MONTH)
            )
        ) from None


def clv_values(
    spend_model: GammaGammaModel,
    purchase_model: PurchaseModel,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    m: np.ndarray,
    *,
    spend_params: Any,
    purchase_params: Any,
    months: int,
    factor: float,
    discount_rate: float,
    margin: float,
) -> np.ndarray:
    """Each customer's CLV for given parameters (None: the fitted ones, no covariates)."""
    spend = spend_model._spend(x, m, spend_params)
    discounted = _discounted_purchases(
        purchase_model, x, T, purchase_params, months, factor, discount_rate
    )
    alive = purchase_model._p_alive(x, t_x, T, purchase_params)
    return margin * spend * alive * discounted


def _discounted_purchases(
    model: PurchaseModel,
    x: np.ndarray,
    T: np.ndarray,
    params: Any,
    months: int,
    factor: float,
    discount_rate: float,
) -> np.ndarray:
    """Sum over months of discounted expected purchases of a customer still alive.

    Without covariates it depends on a customer only through (x, T): computed once per
    distinct pair; with covariates once per customer.
    """
    if params is None or all(np.ndim(v) == 0 for v in params):
        ux, uT, codes = factorize_pairs(x, T)
    else:
        ux, uT, codes = x, T, None
    previous = np.zeros(len(ux))
    discounted = np.zeros(len(ux))
    for i in range(1, int(months) + 1):
        current = model._expected_if_alive(i * factor, ux, uT, params)
        discounted += (current - previous) / (1.0 + discount_rate) ** i
        previous = current
    return discounted if codes is None else discounted[codes]
