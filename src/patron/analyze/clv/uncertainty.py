"""How sure each customer's prediction is: intervals from the parameters' uncertainty.

The maximum-likelihood estimates are asymptotically normal on the scale they are fitted
on (log for the positive parameters, as they are for covariate effects). Drawing
parameter sets from that normal (seeded) and recomputing each customer's expected
purchases or CLV gives percentile intervals that carry the estimation uncertainty: a
CLV is never a bare number. The interval is about the customer's *expected* value, not
the spread of what they will actually buy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.clv.base import factorize_pairs
from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = [
    "INTERVAL_COLUMNS",
    "clv_interval",
    "covariate_curve",
    "covariate_worth",
    "parameter_draws",
    "purchases_interval",
]

#: Columns of every interval table.
INTERVAL_COLUMNS = ("estimate", "lower", "upper")
_CHUNK = 50_000  # customers per block: draws x block values stay ~100 MB


def _check(level: float, n_draws: int) -> None:
    if not (isinstance(level, int | float) and 0.0 < level < 1.0):
        raise InputError(_("level must be between 0 and 1, got {value!r}").format(value=level))
    if not (isinstance(n_draws, int) and n_draws >= 20):
        raise InputError(
            _("n_draws must be a whole number >= 20, got {value!r}").format(value=n_draws)
        )


def parameter_draws(model: Any, n_draws: int = 200, seed: int = 0) -> np.ndarray:
    """``n_draws`` parameter vectors from the asymptotic normal of the fitted model.

    Normal on the fitting scale (log for positive parameters, with the covariance
    ``V / (p p')`` by the delta method), mapped back; shape ``(n_draws, k)``.
    """
    model.check_is_fitted()
    params = model.params_.to_numpy()
    positive = model.log_scale_.to_numpy()
    chain = np.where(positive, params, 1.0)
    cov = model.variance_matrix_.to_numpy() / np.outer(chain, chain)
    if not np.all(np.isfinite(cov)):
        raise InputError(
            _("{model}: no standard errors (the fit did not converge), so no intervals").format(
                model=type(model).__name__
            )
        )
    theta = model._to_theta(params, positive)
    rng = np.random.default_rng(seed)
    # A flat direction at a boundary (a, b -> inf) can leave tiny negative eigenvalues:
    # they are numerical zeros, and drawing nothing along them is the honest answer.
    values, vectors = np.linalg.eigh((cov + cov.T) / 2.0)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    draws = theta + rng.standard_normal((n_draws, len(theta))) @ root.T
    return np.where(positive, np.exp(np.where(positive, draws, 0.0)), draws)


def _params_for(model: Any, draw: np.ndarray, matrix: np.ndarray | None) -> Any:
    if matrix is None:
        return tuple(float(v) for v in draw[: len(model._param_names)])
    return model._params_from(draw, matrix)


def _matrix(model: Any, frame: pd.DataFrame) -> np.ndarray | None:
    design = getattr(model, "design_", None)
    return None if design is None else design.transform(frame)


def _table(estimate: np.ndarray, values: np.ndarray, level: float, index: pd.Index) -> pd.DataFrame:
    tail = (1.0 - level) / 2.0 * 100.0
    lower, upper = np.nanpercentile(values, [tail, 100.0 - tail], axis=0)
    return pd.DataFrame({"estimate": estimate, "lower": lower, "upper": upper}, index=index)


def purchases_interval(
    model: Any,
    data: Any,
    t: float,
    *,
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Expected purchases in the next ``t`` with a ``level`` interval per customer.

    Returns a DataFrame indexed by customer with columns ``estimate, lower, upper``.
    """
    _check(level, n_draws)
    ids, x, t_x, T = model._arrays(data)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    estimate = model.expected_purchases(frame, t).to_numpy()
    draws = parameter_draws(model, n_draws, seed)
    parts = []
    for start in range(0, len(x), _CHUNK):
        part = slice(start, start + _CHUNK)
        matrix = _matrix(model, frame.iloc[part])
        values = np.empty((n_draws, len(x[part])))
        if matrix is None:  # depends on (x, T) only: once per distinct pair
            ux, uT, codes = factorize_pairs(x[part], T[part])
        for i, draw in enumerate(draws):
            params = _params_for(model, draw, matrix)
            if matrix is None:
                if_alive = model._expected_if_alive(float(t), ux, uT, params)[codes]
            else:
                if_alive = model._expected_if_alive(float(t), x[part], T[part], params)
            values[i] = if_alive * model._p_alive(x[part], t_x[part], T[part], params)
        parts.append(_table(estimate[part], values, level, ids[part]))
    return pd.concat(parts)


def clv_interval(
    spend_model: Any,
    purchase_model: Any,
    data: Any,
    *,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str = "W",
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Each customer's CLV with a ``level`` interval from both models' uncertainty.

    The purchase and spend models are independent (Gamma-Gamma's assumption), so their
    parameters are drawn independently. Columns ``estimate, lower, upper``.
    """
    from patron.analyze.clv.data import customer_ids, validate_summary
    from patron.analyze.clv.gamma_gamma import clv_values, periods_per_month

    _check(level, n_draws)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    factor = periods_per_month(time_unit)
    checked = validate_summary(frame, monetary=True, discrete=purchase_model._discrete)
    x, t_x, T, m = (checked[k] for k in ("frequency", "recency", "T", "monetary_value"))
    ids = customer_ids(frame)
    estimate = spend_model.customer_lifetime_value(
        purchase_model,
        frame,
        months=months,
        discount_rate=discount_rate,
        margin=margin,
        time_unit=time_unit,
    ).to_numpy()
    purchase_draws = parameter_draws(purchase_model, n_draws, seed)
    spend_draws = parameter_draws(spend_model, n_draws, seed + 1)
    parts = []
    totals = np.zeros(n_draws)
    for start in range(0, len(x), _CHUNK):
        part = slice(start, start + _CHUNK)
        block = frame.iloc[part]
        p_matrix, s_matrix = _matrix(purchase_model, block), _matrix(spend_model, block)
        values = np.empty((n_draws, len(x[part])))
        for i in range(n_draws):
            values[i] = clv_values(
                spend_model,
                purchase_model,
                x[part],
                t_x[part],
                T[part],
                m[part],
                spend_params=_params_for(spend_model, spend_draws[i], s_matrix),
                purchase_params=_params_for(purchase_model, purchase_draws[i], p_matrix),
                months=months,
                factor=factor,
                discount_rate=discount_rate,
                margin=margin,
            )
        totals += values.sum(axis=1)
        parts.append(_table(estimate[part], values, level, ids[part]))
    out = pd.concat(parts)
    tail = (1.0 - level) / 2.0 * 100.0
    # The total's interval comes from the total of each draw, not from the bounds' sums.
    out.attrs["total"] = float(estimate.sum())
    out.attrs["total_lower"], out.attrs["total_upper"] = (
        float(v) for v in np.percentile(totals, [tail, 100.0 - tail])
    )
    return out


def covariate_worth(
    spend_model: Any,
    purchase_model: Any,
    data: Any,
    covariate: str,
    *,
    step: float = 1.0,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str = "W",
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
) -> dict[str, float]:
    """What ``step`` more of a numeric covariate is worth in CLV, per customer on average.

    Each customer's CLV is recomputed with the covariate raised by ``step`` (all else
    equal, both models), the difference averaged over customers; the interval comes from
    the same parameter draws as :func:`clv_interval`. Returns ``estimate, lower, upper,
    customers, base_clv`` (mean CLV per customer as fitted).
    """
    from patron.analyze.clv.data import validate_summary
    from patron.analyze.clv.gamma_gamma import clv_values, periods_per_month

    _check(level, n_draws)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    models = [m for m in (purchase_model, spend_model) if getattr(m, "design_", None)]
    if not any(
        covariate in m.design_.columns and covariate not in m.design_.levels for m in models
    ):
        raise InputError(
            _("{covariate} is not a numeric covariate of the fitted models").format(
                covariate=covariate
            )
        )
    factor = periods_per_month(time_unit)
    checked = validate_summary(frame, monetary=True, discrete=purchase_model._discrete)
    x, t_x, T, m = (checked[k] for k in ("frequency", "recency", "T", "monetary_value"))
    raised = frame.copy()
    raised[covariate] = pd.to_numeric(raised[covariate]) + float(step)
    options = {"months": months, "factor": factor, "discount_rate": discount_rate, "margin": margin}

    def mean_gain(purchase_draw: np.ndarray, spend_draw: np.ndarray) -> float:
        values = []
        for table in (frame, raised):
            values.append(
                clv_values(
                    spend_model,
                    purchase_model,
                    x,
                    t_x,
                    T,
                    m,
                    spend_params=_params_for(spend_model, spend_draw, _matrix(spend_model, table)),
                    purchase_params=_params_for(
                        purchase_model, purchase_draw, _matrix(purchase_model, table)
                    ),
                    **options,
                )
            )
        return float(np.mean(values[1] - values[0]))

    estimate = mean_gain(purchase_model.params_.to_numpy(), spend_model.params_.to_numpy())
    purchase_draws = parameter_draws(purchase_model, n_draws, seed)
    spend_draws = parameter_draws(spend_model, n_draws, seed + 1)
    gains = np.array([mean_gain(p, s) for p, s in zip(purchase_draws, spend_draws, strict=True)])
    tail = (1.0 - level) / 2.0 * 100.0
    lower, upper = np.percentile(gains, [tail, 100.0 - tail])
    base = clv_values(
        spend_model,
        purchase_model,
        x,
        t_x,
        T,
        m,
        spend_params=spend_model._customer_params(frame),
        purchase_params=purchase_model._customer_params(frame),
        **options,
    )
    return {
        "estimate": estimate,
        "lower": float(lower),
        "upper": float(upper),
        "customers": len(frame),
        "base_clv": float(np.mean(base)),
    }


def covariate_curve(
    spend_model: Any,
    purchase_model: Any,
    data: Any,
    covariate: str,
    values: Any,
    *,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str = "W",
    level: float = 0.95,
    n_draws: int = 100,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean CLV per customer if everyone's ``covariate`` were each of ``values``.

    The customers keep their histories; only the covariate moves. Columns ``value,
    estimate, lower, upper`` (the interval from seeded parameter draws).
    """
    from patron.analyze.clv.data import validate_summary
    from patron.analyze.clv.gamma_gamma import clv_values, periods_per_month

    _check(level, n_draws)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    checked = validate_summary(frame, monetary=True, discrete=purchase_model._discrete)
    arrays = [checked[k] for k in ("frequency", "recency", "T", "monetary_value")]
    options = {
        "months": months,
        "factor": periods_per_month(time_unit),
        "discount_rate": discount_rate,
        "margin": margin,
    }
    purchase_draws = parameter_draws(purchase_model, n_draws, seed)
    spend_draws = parameter_draws(spend_model, n_draws, seed + 1)
    draws = [(purchase_model.params_.to_numpy(), spend_model.params_.to_numpy())]
    draws += list(zip(purchase_draws, spend_draws, strict=True))
    rows = []
    tail = (1.0 - level) / 2.0 * 100.0
    for value in values:
        table = frame.assign(**{covariate: float(value)})
        p_matrix, s_matrix = _matrix(purchase_model, table), _matrix(spend_model, table)
        means = [
            float(
                np.mean(
                    clv_values(
                        spend_model,
                        purchase_model,
                        *arrays,
                        spend_params=_params_for(spend_model, s, s_matrix),
                        purchase_params=_params_for(purchase_model, p, p_matrix),
                        **options,
                    )
                )
            )
            for p, s in draws
        ]
        lower, upper = np.percentile(means[1:], [tail, 100.0 - tail])
        rows.append({"value": float(value), "estimate": means[0], "lower": lower, "upper": upper})
    return pd.DataFrame(rows)
