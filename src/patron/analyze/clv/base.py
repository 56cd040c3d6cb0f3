"""What every BTYD model shares: weighted maximum likelihood, standard errors, summary, printing.

A model declares its parameter names, how it turns a DataFrame into compressed arrays
(``_prepare``) and its per-row log-likelihood with the gradient (``_loglik``). This base
class maximises the weighted log-likelihood over log-parameters with L-BFGS-B and the
analytic gradient, polishes the optimum with Newton steps on a Hessian taken by central
differences of that gradient, and derives standard errors from the same Hessian.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy import optimize

from patron.analyze.base import SUMMARY_COLUMNS, PatronEstimator, summary_frame
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import ConvergenceError, ConvergenceWarning, InputError

__all__ = ["SUMMARY_COLUMNS", "BTYDModel", "PurchaseModel", "factorize_pairs", "softplus_sigmoid"]


#: Above this many patterns the fit starts from the optimum of a sample of this size.
_WARM_START_PATTERNS = 200_000
_SAMPLE_SIZE = 50_000


class BTYDModel(PatronEstimator):
    """Base class of the customer-base models: fit by weighted maximum likelihood.

    Keeps Patron's model contract (:class:`~patron.analyze.base.PatronEstimator`):
    ``summary`` is a property with the columns
    :data:`~patron.analyze.base.SUMMARY_COLUMNS` (one row per parameter),
    ``print_summary()``, ``_repr_html_``, ``check_is_fitted()`` raising
    :class:`~patron.exceptions.NotFittedError`, and scikit-learn's
    ``get_params``/``set_params``/``clone``.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the parameters added to the mean negative log-likelihood (as
        ``penalizer_coef`` in ``lifetimes``); 0 gives the maximum-likelihood estimate.
    tol : float, default=1e-8
        Tolerance of L-BFGS-B on the projected gradient of the mean log-likelihood (Newton
        steps then polish the optimum to ~1e-12).
    max_iter : int, default=1000
        Iterations of L-BFGS-B.
    initial_params : dict or None, default=None
        Starting values by parameter name (default: the model's own).

    Attributes
    ----------
    params_ : pandas.Series
        Maximum-likelihood estimates by parameter name.
    variance_matrix_ : pandas.DataFrame
        Inverse of the observed information (negative Hessian of the log-likelihood).
    standard_errors_ : pandas.Series
    log_likelihood_ : float
        Weighted log-likelihood at the estimates.
    AIC_ : float
    n_customers_ : int
        Customers (total weight) the model was fitted on.
    n_patterns_ : int
        Distinct sufficient-statistic patterns after compression.
    converged_ : bool
    n_iter_ : int
    """

    _fitted_attr: ClassVar[str] = "params_"
    _param_names: ClassVar[tuple[str, ...]] = ()
    _default_initial: ClassVar[tuple[float, ...]] = ()
    _title: ClassVar[str] = "model"
    #: Columns of the prepared data a sample is drawn from (empty: no sampled warm start).
    _base_keys: ClassVar[tuple[str, ...]] = ()
    #: Whether the model takes time-invariant covariates (``covariates=[...]``).
    _supports_covariates: ClassVar[bool] = False

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        tol: float = 1e-8,
        max_iter: int = 1000,
        initial_params: dict[str, float] | None = None,
        covariates: Sequence[str] | str | None = None,
    ) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter
        self.initial_params = initial_params
        self.covariates = covariates

    # -- what a model provides -------------------------------------------------------

    def _prepare(self, data: Any) -> dict[str, Any]:  # pragma: no cover - abstract
        """Validate and compress ``data`` to arrays with a ``weight`` array."""
        raise NotImplementedError

    def _loglik(self, params: np.ndarray, d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row log-likelihood and its gradient (shape ``(k, n)``) in natural parameters."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _initial(self, d: dict[str, Any]) -> np.ndarray:
        return np.array(self._default_initial, dtype=float)

    def _design(self, data: Any) -> Any:
        """The covariate design: learnt at the first call of a fit, reused for predictions."""
        from patron.analyze.clv.covariates import CovariateDesign, parse_covariates

        columns = parse_covariates(self.covariates)
        if not columns:
            return None
        design = getattr(self, "design_", None)
        if design is None or design.columns != columns:
            design = CovariateDesign(columns).fit(_frame_of(data))
            self.design_ = design
        return design

    def _names(self, d: dict[str, Any]) -> list[str]:
        """Parameter names of this fit (covariate models add one per effect)."""
        return list(self._param_names)

    def _positive_mask(self, d: dict[str, Any]) -> np.ndarray:
        """Which parameters are positive (estimated on the log scale); the others are
        covariate effects, estimated as they are."""
        return np.ones(len(self._names(d)), dtype=bool)

    def _to_params(self, theta: np.ndarray, positive: np.ndarray, scale: Any = 1.0) -> np.ndarray:
        return np.where(positive, np.exp(np.where(positive, theta, 0.0)), theta / scale)

    def _to_theta(self, params: np.ndarray, positive: np.ndarray, scale: Any = 1.0) -> np.ndarray:
        return np.where(positive, np.log(np.where(positive, params, 1.0)), params * scale)

    def _effect_scale(self, d: dict[str, Any]) -> np.ndarray:
        """Covariate effects are optimised per standard deviation of their covariate
        (a first purchase in dollars would otherwise make one step in its effect huge);
        1 for the positive parameters."""
        positive = self._positive_mask(d)
        scale = np.ones(len(positive))
        if "X" in d and (~positive).any():
            w = d["weight"] / d["weight"].sum()
            mean = w @ d["X"]
            sd = np.sqrt(np.maximum(w @ (d["X"] - mean) ** 2, 0.0))
            sd = np.where(sd > 0, sd, 1.0)
            scale[~positive] = np.tile(sd, int((~positive).sum()) // len(sd))
        return scale

    # -- fitting ---------------------------------------------------------------------

    def _total(self, params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
        ll, grad = self._loglik(params, d)
        w = d["weight"]
        return float(ll @ w), grad @ w

    def fit(self, data: Any) -> Self:
        """Estimate the parameters by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer (or per pattern, with a ``weight`` column) holding the
            columns the model needs; see the model's docstring.

        Returns
        -------
        self
            With ``params_``, ``summary`` and the prediction methods ready.
        """
        from threadpoolctl import threadpool_limits

        self._check_params()
        self.design_ = None  # the covariate design is learnt on this data
        d = self._prepare(data)
        # The likelihood is elementwise work plus a few dot products; multi-threaded BLAS
        # only adds spinning threads (3x the CPU time on a busy machine), so use one.
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit_prepared(d)
        return self

    def _check_params(self) -> None:
        """Check the hyperparameters (in ``fit``, never in ``__init__``)."""
        name = type(self).__name__
        if not (isinstance(self.penalizer, int | float) and self.penalizer >= 0):
            raise InputError(
                _("{model}: penalizer must be a number >= 0, got {value!r}").format(
                    model=name, value=self.penalizer
                )
            )
        if not (isinstance(self.tol, int | float) and self.tol > 0):
            raise InputError(
                _("{model}: tol must be a number > 0, got {value!r}").format(
                    model=name, value=self.tol
                )
            )
        if not (isinstance(self.max_iter, int) and self.max_iter >= 1):
            raise InputError(
                _("{model}: max_iter must be a whole number >= 1, got {value!r}").format(
                    model=name, value=self.max_iter
                )
            )
        if self.covariates and not self._supports_covariates:
            raise InputError(
                _(
                    "{model} does not take covariates (BG/NBD, Pareto/NBD and Gamma-Gamma do)"
                ).format(model=name)
            )
        if self.initial_params is not None:
            given = dict(self.initial_params)
            if set(given) != set(self._param_names) or not all(
                isinstance(v, int | float) and v > 0 for v in given.values()
            ):
                raise InputError(
                    _(
                        "{model}: initial_params needs positive values for {names}, got {value!r}"
                    ).format(model=name, names=", ".join(self._param_names), value=given)
                )

    def _objective(self, d: dict[str, Any]) -> Any:
        """Mean negative (penalised) log-likelihood and gradient in log-parameters."""
        total_weight = float(np.sum(d["weight"]))
        penalizer = float(self.penalizer)
        positive = self._positive_mask(d)
        scale = self._scale

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            p = self._to_params(theta, positive, scale)
            chain = np.where(positive, p, 1.0 / scale)
            with np.errstate(all="ignore"):
                ll, grad = self._total(p, d)
            value = -ll / total_weight + penalizer * float(p @ p)
            gradient = -(grad * chain) / total_weight + 2.0 * penalizer * p * chain
            if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
                return np.inf, np.zeros_like(theta)
            return value, gradient

        return objective

    def _lbfgs(self, objective: Any, theta0: np.ndarray) -> Any:
        try:
            return optimize.minimize(
                objective,
                theta0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-30.0, 30.0)] * len(theta0),
                options={"maxiter": int(self.max_iter), "ftol": 1e-13, "gtol": float(self.tol)},
            )
        except (ValueError, FloatingPointError) as exc:
            raise ConvergenceError(
                _(
                    "{model}: fitting failed ({reason}). Check for extreme values in the "
                    "data, or pass initial_params closer to the answer."
                ).format(model=type(self).__name__, reason=exc),
                exc,
            ) from exc

    def _subsample(self, d: dict[str, Any], size: int, seed: int = 0) -> dict[str, Any]:
        """``size`` customers drawn (with replacement, by weight) from the patterns."""
        rng = np.random.default_rng(seed)
        w = d["weight"]
        cumulative = np.cumsum(w)
        rows = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
        rows, counts = np.unique(np.minimum(rows, len(w) - 1), return_counts=True)
        sub = {k: d[k][rows] for k in d.get("base_keys", self._base_keys)}
        sub["weight"] = counts.astype(float)
        if "base_keys" in d:
            sub["base_keys"] = d["base_keys"]
        return self._derive(sub)

    def _warm_newton(
        self, d: dict[str, Any], objective: Any, start: np.ndarray, step: float = 1e-6
    ) -> Any:
        """The optimum for many patterns: fit a sample, then Newton steps on all patterns.

        A Newton step with the sample's Hessian lands near the full optimum; there the
        full Hessian (forward differences of the gradient) speeds the next steps and is
        returned (``hessian``) for the standard errors. None when a step fails (the
        caller then runs L-BFGS-B on all patterns).
        """
        sub = self._subsample(d, _SAMPLE_SIZE)
        positive = self._positive_mask(d)
        sub_result = self._lbfgs(self._objective(sub), self._to_theta(start, positive, self._scale))
        if not np.isfinite(sub_result.fun):
            return None
        theta = sub_result.x
        hessian = self._hessian_log(theta, sub, float(np.sum(sub["weight"])), float(self.penalizer))
        value, gradient = objective(theta)
        if not np.isfinite(value):
            return None
        full = None
        steps = 0
        while np.max(np.abs(gradient)) >= 1e-9:
            steps += 1
            if steps > 11:
                return None
            try:
                delta = -np.linalg.solve(hessian, gradient)
            except np.linalg.LinAlgError:
                return None
            shrink = 1.0
            while shrink > 1e-3:
                candidate = theta + shrink * delta
                new_value, new_gradient = objective(candidate)
                if new_value <= value + 1e-13 * abs(value):
                    break
                shrink /= 4.0
            else:
                return None
            theta, value, gradient = candidate, new_value, new_gradient
            if full is None and np.max(np.abs(gradient)) >= 1e-9:
                full = self._hessian_log(
                    theta, d, float(np.sum(d["weight"])), float(self.penalizer), gradient, step
                )
                hessian = full
        return optimize.OptimizeResult(x=theta, fun=value, jac=gradient, nit=steps, hessian=full)

    def _fit_prepared(self, d: dict[str, Any]) -> None:
        names = self._names(d)
        positive = self._positive_mask(d)
        self._scale = self._effect_scale(d)
        total_weight = float(np.sum(d["weight"]))
        if self.initial_params:
            start = self._initial(d)
            for n in self._param_names:
                start[names.index(n)] = float(self.initial_params[n])
        else:
            start = self._initial(d)
        penalizer = float(self.penalizer)
        objective = self._objective(d)
        result = None
        if d.get("base_keys", self._base_keys) and len(d["weight"]) > _WARM_START_PATTERNS:
            result = self._warm_newton(d, objective, start)
        if result is None:
            result = self._lbfgs(objective, self._to_theta(start, positive, self._scale))
        theta = result.x
        if not np.isfinite(result.fun):
            raise ConvergenceError(
                _(
                    "{model}: the log-likelihood is not finite at any tried parameters. "
                    "Check the data (units of recency and T) or pass initial_params."
                ).format(model=type(self).__name__)
            )
        # Newton polish (L-BFGS-B stops near the optimum); one Hessian serves it and the SEs.
        value, gradient = float(result.fun), np.asarray(result.jac, dtype=float)
        # After a warm start, its full Hessian; many patterns: forward differences.
        hessian = result.get("hessian")
        if hessian is None:
            hessian = self._hessian_log(
                theta,
                d,
                total_weight,
                penalizer,
                gradient if len(d["weight"]) > _WARM_START_PATTERNS else None,
            )
        for _step in range(0 if result.get("polished") else 3):  # a model's own Newton
            if np.max(np.abs(gradient)) < 1e-13:
                break
            try:
                delta = -np.linalg.solve(hessian, gradient)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(delta)) or np.max(np.abs(delta)) > 1.0:
                break
            candidate = theta + delta
            new_value, new_gradient = objective(candidate)
            if new_value > value + 1e-15:
                break
            theta, value, gradient = candidate, new_value, new_gradient
        params = self._to_params(theta, positive, self._scale)
        chain = np.where(positive, params, 1.0 / self._scale)
        # The log-likelihood and its gradient in natural parameters, from the objective's.
        ll = -(value - penalizer * float(params @ params)) * total_weight
        grad_p = -(gradient - 2.0 * penalizer * params * chain) * total_weight / chain
        # Observed information in natural parameters from the log-scale Hessian.
        h_theta = hessian * total_weight  # Hessian of the total (penalised) objective
        curvature = np.where(positive, params, 0.0)  # d2 p / d theta2 (0 for effects)
        h_theta = h_theta - np.diag((-grad_p + 2.0 * penalizer * params * total_weight) * curvature)
        info = h_theta / np.outer(chain, chain)
        try:
            variance = np.linalg.inv(info)
            definite = bool(np.all(np.linalg.eigvalsh((info + info.T) / 2.0) > 0))
        except np.linalg.LinAlgError:
            variance = np.full_like(info, np.nan)
            definite = False
        converged = bool(np.max(np.abs(gradient)) < 1e-6 and definite)
        if not converged:
            warnings.warn(
                _(
                    "{model}: the optimum may not have been reached (gradient {gradient:.2g}, "
                    "information matrix positive definite: {positive}). Standard errors may be "
                    "unreliable; try other initial_params or a small penalizer."
                ).format(
                    model=type(self).__name__,
                    gradient=float(np.max(np.abs(gradient))),
                    positive=definite,
                ),
                ConvergenceWarning,
                stacklevel=3,
            )
        self._d = d
        self.log_scale_ = pd.Series(positive, index=list(names), name="log_scale")
        self.params_ = pd.Series(params, index=list(names), name="coef")
        self.variance_matrix_ = pd.DataFrame(variance, index=list(names), columns=list(names))
        self.standard_errors_ = pd.Series(
            np.sqrt(np.clip(np.diag(variance), 0, None)), index=list(names), name="se"
        )
        self.log_likelihood_ = float(ll)
        self.AIC_ = 2.0 * len(names) - 2.0 * self.log_likelihood_
        self.n_customers_ = int(round(total_weight))
        self.n_patterns_ = int(len(d["weight"]))
        self.converged_ = converged
        self.n_iter_ = int(result.nit)

    def _hessian_log(
        self,
        theta: np.ndarray,
        d: dict[str, Any],
        total_weight: float,
        penalizer: float,
        gradient: np.ndarray | None = None,
        step: float = 1e-5,
    ) -> np.ndarray:
        """Hessian of the mean negative log-likelihood in log-parameters.

        Central differences of the analytic gradient, or forward differences from
        ``gradient`` (the gradient at ``theta``) when it is given.
        """
        k = len(theta)
        hess = np.empty((k, k))

        objective = self._objective(d)

        def grad_at(t: np.ndarray) -> np.ndarray:
            return objective(t)[1]

        for j in range(k):
            up = theta.copy()
            up[j] += step
            if gradient is not None:
                hess[:, j] = (grad_at(up) - gradient) / step
            else:
                down = theta.copy()
                down[j] -= step
                hess[:, j] = (grad_at(up) - grad_at(down)) / (2.0 * step)
        return (hess + hess.T) / 2.0

    # -- reading the result ----------------------------------------------------------

    def _summary(self) -> pd.DataFrame:
        """Estimates with standard errors, 95% intervals, z and two-sided p (vs 0)."""
        return summary_frame(
            self.params_.to_numpy(),
            self.standard_errors_.to_numpy(),
            index=list(self.params_.index),
            name="parameter",
        )

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        title = _("{model} fitted on {n} customers").format(
            model=_(self._title), n=f"{self.n_customers_:,}"
        )
        facts = {
            _("log-likelihood"): self.log_likelihood_,
            _("AIC"): self.AIC_,
            _("customers"): self.n_customers_,
            _("distinct patterns"): self.n_patterns_,
            _("converged"): _("yes") if self.converged_ else _("no"),
        }
        return Printer(
            title=title, facts=facts, tables=[(_("Parameters"), self.summary)], decimals=decimals
        )

    def __repr__(self) -> str:
        name = type(self).__name__
        if getattr(self, "params_", None) is None:
            return f"<patron.{name}: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<patron.{name}: fitted on {self.n_customers_:,} customers, {params}>"

    def _param_values(self) -> tuple[float, ...]:
        """The model's own parameters (with covariates: at all covariates 0)."""
        self.check_is_fitted()
        return tuple(float(v) for v in self.params_.to_numpy()[: len(self._param_names)])

    def _customer_params(self, data: Any, params: np.ndarray | None = None) -> Any:
        """Each customer's parameters from their covariates (None without covariates)."""
        design = getattr(self, "design_", None)
        if design is None:
            return None
        matrix = design.transform(_frame_of(data))
        values = self.params_.to_numpy() if params is None else params
        return self._params_from(np.asarray(values, dtype=float), matrix)

    def _params_from(self, params: np.ndarray, matrix: np.ndarray) -> Any:
        raise NotImplementedError  # pragma: no cover - covariate models only


def _frame_of(data: Any) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)


def factorize_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(x, y)`` pairs and the index of each row's pair (hash based, no sort).

    Predictions that depend on a customer only through (frequency, age) are computed
    once per distinct pair: a million customers observed at daily resolution share a
    few thousand.
    """
    y_codes, y_uniques = pd.factorize(y)
    x_codes, x_uniques = pd.factorize(x)
    key = x_codes.astype(np.int64) * max(len(y_uniques), 1) + y_codes
    codes, keys = pd.factorize(key)
    keys = np.asarray(keys)
    n_y = max(len(y_uniques), 1)
    return (
        np.asarray(x_uniques, dtype=float)[keys // n_y],
        np.asarray(y_uniques, dtype=float)[keys % n_y],
        codes,
    )


class PurchaseModel(BTYDModel):
    """A model of repeat purchases from ``frequency``, ``recency`` and ``T`` per customer.

    Subclasses give ``_expected_if_alive(t, x, T)`` (expected purchases in the next ``t``
    for a customer still alive), ``_p_alive(x, t_x, T)`` and ``_expected_new(t)``.
    """

    _discrete: ClassVar[bool] = False
    _base_keys: ClassVar[tuple[str, ...]] = ("x", "t_x", "T")

    def _prepare(self, data: Any) -> dict[str, Any]:
        from patron.analyze.clv.data import compress_if_repeated, validate_summary

        checked = validate_summary(data, discrete=self._discrete)
        columns = {"x": checked["frequency"], "t_x": checked["recency"], "T": checked["T"]}
        design = self._design(data)
        if design is not None:
            matrix = design.transform(_frame_of(data))
            columns.update({f"c{j}": matrix[:, j] for j in range(matrix.shape[1])})
        d = compress_if_repeated(columns, checked["weight"])
        d["base_keys"] = tuple(columns)
        return self._derive(d)

    def _derive(self, d: dict[str, Any]) -> dict[str, Any]:
        """Add the model's helper arrays to the base arrays ``x, t_x, T, weight``."""
        keys = [k for k in d.get("base_keys", ()) if k.startswith("c")]
        if keys:
            d["X"] = np.column_stack([d[k] for k in keys])
        ix, ux = pd.factorize(d["x"], sort=False)
        d["ux"], d["ix"] = np.asarray(ux, dtype=float), ix
        return d

    def _arrays(self, data: Any) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
        from patron.analyze.clv.data import customer_ids, validate_summary

        checked = validate_summary(data, discrete=self._discrete)
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        return customer_ids(frame), checked["frequency"], checked["recency"], checked["T"]

    # -- predictions -----------------------------------------------------------------

    def _expected_if_alive(
        self, t: float, x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def _p_alive(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: Any = None
    ) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def _expected_new(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def _expected_if_alive_pairs(
        self, horizons: Sequence[float], x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """``_expected_if_alive`` for several horizons, computed once per distinct (x, T)."""
        ux, uT, codes = factorize_pairs(x, T)
        out = np.empty((len(horizons), len(x)))
        for i, t in enumerate(horizons):
            out[i] = self._expected_if_alive(float(t), ux, uT)[codes]
        return out

    def expected_purchases(self, data: Any, t: float) -> pd.Series:
        """Expected repeat purchases in the next ``t`` time units, given each history.

        .. math:: E[Y(t) \\mid x, t_x, T]

        Parameters
        ----------
        data : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (``customer_id`` or the index
            names them).
        t : float
            Horizon in the model's time unit.

        Returns
        -------
        pandas.Series
            Indexed by customer.
        """
        self.check_is_fitted()
        ids, x, t_x, T = self._arrays(data)
        params = self._customer_params(data)
        if params is None:
            values = self._expected_if_alive_pairs([t], x, T)[0] * self._p_alive(x, t_x, T)
        else:
            values = self._expected_if_alive(float(t), x, T, params) * self._p_alive(
                x, t_x, T, params
            )
        return pd.Series(values, index=ids, name="expected_purchases")

    def probability_alive(self, data: Any) -> pd.Series:
        """Probability that each customer is still active at the end of the observation."""
        self.check_is_fitted()
        ids, x, t_x, T = self._arrays(data)
        params = self._customer_params(data)
        return pd.Series(self._p_alive(x, t_x, T, params), index=ids, name="p_alive")

    def expected_purchases_new_customer(self, t: Any) -> np.ndarray | float:
        """Expected repeat purchases of a new customer in ``[0, t]``: :math:`E[X(t)]`."""
        self.check_is_fitted()
        scalar = np.ndim(t) == 0
        values = self._expected_new(np.atleast_1d(np.asarray(t, dtype=float)))
        return float(values[0]) if scalar else values

    def predict(self, data: Any, t: float) -> pd.Series:
        """Alias of :meth:`expected_purchases` (scikit-learn habit)."""
        return self.expected_purchases(data, t)

    def predict_purchases(self, data: Any, t: float) -> pd.Series:
        """Alias of :meth:`expected_purchases`."""
        return self.expected_purchases(data, t)


def softplus_sigmoid(odds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log(1 + e^odds)`` and ``1 / (1 + e^-odds)`` from one exponential (-inf gives 0, 0)."""
    small = np.exp(-np.abs(odds))
    softplus = np.maximum(odds, 0.0) + np.log1p(small)
    denominator = 1.0 + small
    sigmoid = np.where(odds >= 0.0, 1.0, small) / denominator
    return softplus, sigmoid
