"""How many purchases a customer will make when they may leave at any moment: the Pareto/NBD model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy import optimize
from scipy.special import digamma, gammaln

from patron.analyze.clv.base import PurchaseModel
from patron.analyze.clv.pareto_nbd_hessian import share_far, total_hessian
from patron.analyze.clv.pareto_nbd_tail import log_tail_rows, log_tail_sorted, runs_of
from patron.core.i18n import N_

__all__ = ["ParetoNBDModel"]


def _mix(
    s: float, first: np.ndarray, f_tx: np.ndarray, f_T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log(e^first + e^second), the weight of the second part, and the factors of the
    gradients of F(t_x) and F(T) in it (second = log s + log(F(t_x) - F(T)))."""
    gap = f_T - f_tx  # <= 0; 0 when t_x = T
    left = gap < -1e-300
    spread = f_tx - first
    if left.all() and float(spread.max()) < 700.0:
        # No customer with t_x = T (continuous times) and no overflow: the odds of
        # "left" against "alive" as one exponential, log1p for the total.
        one_minus_q = -np.expm1(gap)
        odds = np.exp(spread, out=spread)
        odds *= one_minus_q
        odds *= s
        total = np.log1p(odds)
        total += first
        w2 = odds / (1.0 + odds)
        a_tx = w2 / one_minus_q
        return total, w2, a_tx, a_tx * (one_minus_q - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        one_minus_q = -np.expm1(np.where(left, gap, -1.0))
        second = np.where(left, np.log(s) + f_tx + np.log(one_minus_q), -np.inf)
        total = np.logaddexp(first, second)
        w2 = np.where(left, np.exp(second - total), 0.0)
        a_tx = np.where(left, w2 / one_minus_q, 0.0)
        a_T = a_tx * (one_minus_q - 1.0)  # -w2 q / (1 - q)
    return total, w2, a_tx, a_T


class ParetoNBDModel(PurchaseModel):
    r"""The Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}
        \left[ \frac{1}{(\alpha+T)^{r+x}(\beta+T)^s}
        + s \int_{t_x}^{T} \frac{d\tau}{(\alpha+\tau)^{r+x}(\beta+\tau)^{s+1}} \right]

    While active, a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is
    exponential with rate μ ~ Gamma(s, β). The integral is Fader & Hardie's difference
    of Gauss hypergeometric terms, evaluated by an Euler-transformed series shared by
    all customers with the same x (:mod:`patron.analyze.clv.pareto_nbd_tail`; finite
    for any x, t_x = T, T = 0), with an analytic gradient.

    With ``covariates=[...]`` (Fader & Hardie 2007), each customer's scales are
    ``alpha_i = alpha exp(-g_alpha' x_i)`` (a positive effect raises the purchase rate,
    whose mean is r / alpha_i) and ``beta_i = beta exp(-g_beta' x_i)`` (a positive
    effect raises the drop-out rate, mean s / beta_i), the signs PyMC-Marketing's
    ``ParetoNBDModel`` uses; numeric covariates are centred, categories one-hot
    (:class:`~patron.analyze.clv.covariates.CovariateDesign`). The summary then has
    rows ``alpha: <term>`` and ``beta: <term>``, and the predictions use each
    customer's own scales.

    Data: as :class:`~patron.analyze.clv.bg_nbd.BetaGeoModel` (``frequency``,
    ``recency``, ``T``, and the covariate columns).

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, s, beta`` (and the covariate effects).

    References
    ----------
    .. [1] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting your
       customers: who are they and what will they do next?", Management Science 33(1).
    .. [2] Fader, P. S. & Hardie, B. G. S. (2005), "A note on deriving the Pareto/NBD
       model and related expressions", http://www.brucehardie.com/notes/009/.
    .. [3] Fader, P. S. & Hardie, B. G. S. (2007), "Incorporating time-invariant
       covariates into the Pareto/NBD and BG/NBD models",
       http://www.brucehardie.com/notes/019/.
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _default_initial: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _title: ClassVar[str] = N_("Pareto/NBD model")
    _supports_covariates: ClassVar[bool] = True

    def _names(self, d: dict[str, Any]) -> list[str]:
        if "X" not in d:
            return list(self._param_names)
        terms = self.design_.terms
        return [*self._param_names, *(f"alpha: {t}" for t in terms), *(f"beta: {t}" for t in terms)]

    def _positive_mask(self, d: dict[str, Any]) -> np.ndarray:
        mask = np.zeros(len(self._names(d)), dtype=bool)
        mask[:4] = True
        return mask

    def _params_from(self, params: np.ndarray, matrix: np.ndarray) -> tuple[Any, ...]:
        p = np.asarray(params, dtype=float)
        k = matrix.shape[1]
        g_alpha, g_beta = p[4 : 4 + k], p[4 + k : 4 + 2 * k]
        return (p[0], p[1] * np.exp(-(matrix @ g_alpha)), p[2], p[3] * np.exp(-(matrix @ g_beta)))

    def _derive(self, d: dict[str, Any]) -> dict[str, Any]:
        # Rows sorted by x: the tail's series coefficients depend on x only, so each run
        # of equal x is one matrix product (pareto_nbd_tail.log_tail_sorted).
        order = np.argsort(d["x"], kind="stable")
        if np.any(order[1:] < order[:-1]):
            for key in (*d.get("base_keys", self._base_keys), "weight"):
                d[key] = d[key][order]
        d = super()._derive(d)
        x = d["x"]
        d["w_by_x"] = np.bincount(d["ix"], weights=d["weight"], minlength=len(d["ux"]))
        d["runs"] = runs_of(x)
        n_zero = int(np.searchsorted(x, 0.0, side="right"))
        d["n_zero"] = n_zero
        d["rep_runs"] = [(v, lo - n_zero, hi - n_zero) for v, lo, hi in d["runs"] if v > 0]
        return d

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        w = d["weight"]
        mean_T = float(d["T"] @ w / w.sum())
        mean_x = float(d["x"] @ w / w.sum())
        scale = max(mean_T / (mean_x + 1.0), 1e-3)
        start = np.zeros(len(self._names(d)))
        start[:4] = [1.0, scale, 1.0, max(mean_T, 1e-3)]
        return start

    def _warm_newton(
        self, d: dict[str, Any], objective: Any, start: np.ndarray, step: float = 1e-6
    ) -> Any:
        """The optimum for many patterns: samples of growing size, then Newton steps on
        all patterns with the exact Hessian.

        L-BFGS-B fits a sample of 10,000 customers; Newton steps with the exact Hessian
        (:mod:`~patron.analyze.clv.pareto_nbd_hessian`) take that near the optimum of a
        sample of 100,000, whose distance to the full optimum is small enough for
        Newton's quadratic convergence to reach it in three passes over all the data
        (on a million customers the gradient falls ~1e-3, 6e-5, 2e-8, then one step on
        the last pass's quadratic model). Returns the exact Hessian of the last pass for
        the standard errors, or None when a step fails (the caller then runs L-BFGS-B
        on all patterns). Covariate fits, and data where many tails need the slow
        general 2F1 routine, take the general path (finite-difference Hessians).
        """
        if "X" in d:
            return super()._warm_newton(d, objective, start, step)
        small = self._subsample(d, _FIRST_SAMPLE)
        first = self._lbfgs(self._objective(small), self._to_theta(start, self._positive_mask(d)))
        if not np.isfinite(first.fun):
            return None
        if share_far(np.exp(first.x), d) > _MOST_FAR:
            # many customers need the general 2F1 routine, five times per exact Hessian:
            # Hessians by differences of the gradient cost less
            return super()._warm_newton(d, objective, start, step)
        middle_d = self._subsample(d, _SECOND_SAMPLE, seed=1)
        middle = _newton(middle_d, first.x, 1e-3, float(self.penalizer))
        if middle is None:  # the general route on the sample, then Newton on all
            middle = self._lbfgs(self._objective(middle_d), first.x)
        return _newton(d, middle.x, 1e-6, float(self.penalizer))

    def _tails(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, ...]:
        """log F(t_x), log F(T), their gradients, log(alpha + T), log(beta + T) and their
        inverses (no covariates)."""
        r, alpha, s, beta = (float(v) for v in params[:4])
        x, n_zero = d["x"], d["n_zero"]
        f_T, g_T, log_a, log_b, inv_a, inv_b = log_tail_sorted(
            r, alpha, s, beta, d["T"], x, d["runs"]
        )
        n = len(x)
        f_tx = np.empty(n)
        g_tx = np.empty((4, n))
        if n_zero:
            # one-time buyers: t_x = 0 and x = 0, one value for all
            v0, g0 = log_tail_rows(r, s, np.zeros(1), np.zeros(1), alpha, beta)
            f_tx[:n_zero] = v0[0]
            g_tx[:, :n_zero] = g0
        if n > n_zero:
            f_tx[n_zero:], g_tx[:, n_zero:], *_logs = log_tail_sorted(
                r, alpha, s, beta, d["t_x"][n_zero:], x[n_zero:], d["rep_runs"]
            )
        return f_tx, f_T, g_tx, g_T, log_a, log_b, inv_a, inv_b

    def _total(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        if "X" in d:
            return self._total_covariates(params, d)
        r, alpha, s, beta = (float(v) for v in params)
        x, w = d["x"], d["weight"]
        ux, w_by_x = d["ux"], d["w_by_x"]
        f_tx, f_T, g_tx, g_T, log_a, log_b, inv_a, inv_b = self._tails(params, d)
        rx = r + x
        first = -rx * log_a - s * log_b
        total, w2, a_tx, a_T = _mix(s, first, f_tx, f_T)
        ll = float(w_by_x @ (gammaln(r + ux) - gammaln(r))) + float(w.sum()) * (
            r * np.log(alpha) + s * np.log(beta)
        )
        ll += float(w @ total)
        v = w * (1.0 - w2)
        grad = g_tx @ (w * a_tx) + g_T @ (w * a_T)
        grad[0] += float(w_by_x @ (digamma(r + ux) - digamma(r))) + float(w.sum()) * np.log(alpha)
        grad[0] -= float(v @ log_a)
        grad[1] += float(w.sum()) * r / alpha - float((v * rx) @ inv_a)
        grad[2] += float(w.sum()) * np.log(beta) - float(v @ log_b) + float(w @ w2) / s
        grad[3] += float(w.sum()) * s / beta - s * float(v @ inv_b)
        return ll, grad

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row log-likelihood and gradient in (r, alpha_i, s, beta_i)."""
        r, s = float(params[0]), float(params[2])
        alpha, beta = self._row_scales(params, d)
        x, t_x, T = d["x"], d["t_x"], d["T"]
        if "runs" in d:  # rows sorted by x (a fit): the series is shared per x
            f_tx, g_tx, *_logs = log_tail_sorted(r, alpha, s, beta, t_x, x, d["runs"])
            f_T, g_T, log_a, log_b, _ia, _ib = log_tail_sorted(r, alpha, s, beta, T, x, d["runs"])
        else:
            f_tx, g_tx = log_tail_rows(r, s, x, t_x, alpha, beta)
            f_T, g_T = log_tail_rows(r, s, x, T, alpha, beta)
            log_a, log_b = np.log(alpha + T), np.log(beta + T)
        rx = r + x
        total, w2, a_tx, a_T = _mix(s, -rx * log_a - s * log_b, f_tx, f_T)
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + total
        grad = g_tx * a_tx + g_T * a_T
        v = 1.0 - w2
        grad[0] += digamma(r + x) - digamma(r) + np.log(alpha) - v * log_a
        grad[1] += r / alpha - v * rx / (alpha + T)
        grad[2] += np.log(beta) - v * log_b + w2 / s
        grad[3] += s / beta - v * s / (beta + T)
        return ll, grad

    def _row_scales(self, params: np.ndarray, d: dict[str, Any]) -> tuple[Any, Any]:
        if "X" not in d:
            return float(params[1]), float(params[3])
        _r, alpha, _s, beta = self._params_from(params, d["X"])
        return alpha, beta

    def _total_covariates(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        """Weighted log-likelihood and gradient in (r, alpha, s, beta, effects)."""
        X, w = d["X"], d["weight"]
        alpha, beta = self._row_scales(params, d)
        ll, grad = self._loglik(params, d)
        # d ll / d log alpha_i and d log beta_i, weighted
        d_log_alpha = w * grad[1] * alpha
        d_log_beta = w * grad[3] * beta
        out = np.concatenate(
            [
                [
                    float(w @ grad[0]),
                    float(d_log_alpha.sum()) / float(params[1]),
                    float(w @ grad[2]),
                    float(d_log_beta.sum()) / float(params[3]),
                ],
                -(X.T @ d_log_alpha),
                -(X.T @ d_log_beta),
            ]
        )
        return float(w @ ll), out

    # -- predictions -----------------------------------------------------------------

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, s, beta = self._param_values() if params is None else params
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        f_tx, _g = log_tail_rows(float(r), float(s), x, t_x, alpha, beta)
        f_T, _g = log_tail_rows(float(r), float(s), x, T, alpha, beta)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        total, w2, _a, _b = _mix(float(s), first, f_tx, f_T)
        return np.exp(first - total)

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        r, alpha, s, beta = self._param_values() if params is None else params
        return (r + x) / (alpha + T) * (beta + T) * _lifetime_share(s, np.log1p(t / (beta + T)))

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._param_values()
        return r / alpha * beta * _lifetime_share(s, np.log1p(t / beta))


#: Sample sizes of the warm start of a large fit (see ParetoNBDModel._warm_newton).
_FIRST_SAMPLE = 10_000
_SECOND_SAMPLE = 100_000
#: Above this share of tail evaluations needing the general 2F1 routine (z > 0.7), a
#: large fit takes the general path (finite-difference Hessians) instead.
_MOST_FAR = 0.01


def _newton(d: dict[str, Any], theta: np.ndarray, stop: float, penalizer: float) -> Any:
    """Newton steps with the exact Hessian (in log-parameters, on the mean negative
    penalised log-likelihood) from ``theta`` until the largest gradient is below
    ``stop``, then one last Newton step on that evaluation's quadratic model; None
    when the Hessian is not positive definite or no step descends.

    With the gradient g below ``stop`` the last step lands within about 10 g^2 of the
    optimum (quadratic convergence: 1e-6 gives ~1e-11), and the quadratic model's value
    and gradient there are exact to the third order of a step of ~1e-5, so that pass
    over the data is saved.
    """
    total_weight = float(np.sum(d["weight"]))

    def evaluate(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        p = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad, hess = total_hessian(p, d)
        value = -ll / total_weight + penalizer * float(p @ p)
        gradient = -(grad * p) / total_weight + 2.0 * penalizer * p * p
        hessian = -(hess * np.outer(p, p) + np.diag(grad * p)) / total_weight
        return value, gradient, hessian + np.diag(4.0 * penalizer * p * p)

    def newton_step(gradient: np.ndarray, hessian: np.ndarray, exact: bool) -> np.ndarray | None:
        try:
            lower = np.linalg.cholesky(hessian)  # fails unless in a minimum's bowl
        except np.linalg.LinAlgError:
            if exact:
                return None
            # outside the bowl (the likelihood is flat along beta): the Hessian's
            # eigenvalues made positive give a descent direction for the line search
            values, vectors = np.linalg.eigh(hessian)
            values = np.maximum(np.abs(values), 1e-6 * max(float(np.abs(values).max()), 1e-12))
            return -vectors @ ((vectors.T @ gradient) / values)
        return -np.linalg.solve(lower.T, np.linalg.solve(lower, gradient))

    value, gradient, hessian = evaluate(theta)
    steps = 0
    while np.isfinite(value) and np.max(np.abs(gradient)) >= stop:
        steps += 1
        delta = newton_step(gradient, hessian, exact=False)
        if delta is None or steps > 20:
            return None
        for shrink in (1.0, 0.25, 0.0625, 0.015625, 0.004):
            candidate = theta + shrink * delta
            new = evaluate(candidate)
            if new[0] <= value + 1e-13 * abs(value):
                break
        else:
            return None
        theta, (value, gradient, hessian) = candidate, new
    delta = newton_step(gradient, hessian, exact=True) if np.isfinite(value) else None
    if delta is None or not np.max(np.abs(delta)) < 1.0:
        return None
    # the quadratic model at the last evaluation: value and gradient after its step
    return optimize.OptimizeResult(
        x=theta + delta,
        fun=value + 0.5 * float(gradient @ delta),
        jac=gradient + hessian @ delta,
        nit=steps,
        hessian=hessian,
        polished=True,
    )


def _lifetime_share(s: float, log_ratio: np.ndarray) -> np.ndarray:
    """[1 - exp(-(s-1) L)] / (s - 1), continuous at s = 1 (where it is L)."""
    if abs(s - 1.0) < 1e-10:
        return log_ratio
    return -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
