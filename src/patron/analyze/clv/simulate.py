"""What data each model generates: vectorised simulation from known parameters.

``time_step`` (e.g. 1/7 for days in weeks) floors purchase times to the resolution of
dated transactions, which is also what makes real summaries compress well. Used by the parameter-recovery tests and the benchmark; each function draws one row per
customer in a handful of NumPy calls, so a million customers take well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "simulate_bg_bb",
    "simulate_bg_nbd",
    "simulate_bg_nbd_covariates",
    "simulate_gamma_gamma_covariates",
    "simulate_pareto_nbd_covariates",
    "simulate_gamma_gamma",
    "simulate_mbg_nbd",
    "simulate_pareto_nbd",
    "simulate_sbg",
]


def _ages(n: int, T: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()


def _frame(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, time_step: float | None = None
) -> pd.DataFrame:
    if time_step:
        # Dated transactions only know the day: floor purchase times to the grid.
        t_x = np.floor(t_x / time_step + 1e-9) * time_step
        t_x = np.minimum(t_x, T)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, len(x) + 1),
            "frequency": x.astype(np.int64),
            "recency": t_x,
            "T": T,
        }
    )


def _last_of(x: np.ndarray, n_events: np.ndarray, span: np.ndarray, rng: np.random.Generator):
    """Time of the x-th of ``n_events`` uniform events on [0, span] (0 when x = 0)."""
    # The x-th order statistic of n uniforms is Beta(x, n - x + 1).
    out = np.zeros(len(x))
    has = x > 0
    out[has] = span[has] * rng.beta(x[has], n_events[has] - x[has] + 1)
    return out


def simulate_bg_nbd(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    n: int,
    *,
    seed: int = 0,
    time_step: float | None = None,
) -> pd.DataFrame:
    """Customers from the BG/NBD model observed for ``T`` time units each.

    ``alpha``, ``a`` and ``b`` may be arrays (one value per customer).
    """
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    repeat_limit = rng.geometric(p)  # death right after this repeat purchase
    events = rng.poisson(lam * T)
    x = np.minimum(events, repeat_limit)
    return _frame(x, _last_of(x, events, T, rng), T, time_step)


def simulate_mbg_nbd(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    n: int,
    *,
    seed: int = 0,
    time_step: float | None = None,
) -> pd.DataFrame:
    """Customers from the MBG/NBD model (drop-out possible right after the first purchase)."""
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    repeat_limit = rng.geometric(p) - 1
    events = rng.poisson(lam * T)
    x = np.minimum(events, repeat_limit)
    return _frame(x, _last_of(x, events, T, rng), T, time_step)


def simulate_pareto_nbd(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: float | np.ndarray,
    n: int,
    *,
    seed: int = 0,
    time_step: float | None = None,
) -> pd.DataFrame:
    """Customers from the Pareto/NBD model observed for ``T`` time units each."""
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    active = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * active)
    return _frame(x, _last_of(x, x, active, rng), T, time_step)


def simulate_gamma_gamma(
    p: float, q: float, gamma: float, frequency: np.ndarray, *, seed: int = 0
) -> pd.DataFrame:
    """Mean spend per repeat purchase for customers with the given ``frequency``."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    mean = np.zeros(len(x))
    has = x > 0
    # The mean of x Gamma(p, nu) draws is Gamma(p x, nu x).
    mean[has] = rng.gamma(p * x[has], 1.0 / (nu[has] * x[has]))
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, len(x) + 1),
            "frequency": x.astype(np.int64),
            "monetary_value": mean,
        }
    )


def simulate_bg_bb(
    alpha: float, beta: float, gamma: float, delta: float, n_periods: int, n: int, *, seed: int = 0
) -> pd.DataFrame:
    """Customers from the BG/BB model over ``n_periods`` discrete opportunities."""
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive = np.ones(n, dtype=bool)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n, dtype=np.int64)
    for period in range(1, n_periods + 1):
        alive &= rng.random(n) >= theta  # may die at the start of each opportunity
        buy = alive & (rng.random(n) < p)
        x += buy
        t_x[buy] = period
    return _frame(x, t_x.astype(float), np.full(n, float(n_periods)))


def simulate_sbg(
    alpha: float, beta: float, n_periods: int, n: int, *, seed: int = 0
) -> pd.DataFrame:
    """Contract customers from the sBG model, observed for ``n_periods`` renewals."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, n)
    lifetime = rng.geometric(theta)  # the period in which the customer leaves
    churned = lifetime <= n_periods
    return pd.DataFrame(
        {"period": np.minimum(lifetime, n_periods), "churned": churned, "weight": 1.0}
    )


def _effects(params: dict[str, float], parameter: str, terms: list[str]) -> np.ndarray:
    """The planted effects on ``parameter`` in the order of the design's terms (0 if absent)."""
    return np.array([float(params.get(f"{parameter}: {t}", 0.0)) for t in terms])


def simulate_bg_nbd_covariates(
    params: dict[str, float],
    covariates: pd.DataFrame,
    T: float | np.ndarray,
    *,
    seed: int = 0,
    time_step: float | None = None,
) -> pd.DataFrame:
    """BG/NBD customers whose alpha, a and b depend on their covariates.

    ``params`` uses the summary's names of
    :class:`~patron.analyze.clv.bg_nbd.BetaGeoModel` with covariates: ``r, alpha, a, b``
    and effects such as ``"alpha: satisfaction"`` or ``"b: channel: web (vs store)"``;
    ``covariates`` holds one row per customer (categories are one-hot against their most
    frequent level, as in the fit). Returns the summary columns and the covariates.
    """
    from patron.analyze.clv.covariates import CovariateDesign

    design = CovariateDesign(list(covariates.columns))
    matrix = design.fit_transform(covariates)
    terms = design.terms
    alpha = params["alpha"] * np.exp(-(matrix @ _effects(params, "alpha", terms)))
    a = params["a"] * np.exp(matrix @ _effects(params, "a", terms))
    b = params["b"] * np.exp(matrix @ _effects(params, "b", terms))
    frame = simulate_bg_nbd(
        params["r"], alpha, a, b, T, len(covariates), seed=seed, time_step=time_step
    )
    for column in covariates.columns:
        frame[column] = covariates[column].to_numpy()
    return frame


def simulate_gamma_gamma_covariates(
    params: dict[str, float],
    covariates: pd.DataFrame,
    frequency: np.ndarray,
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean spends when the Gamma-Gamma scale is ``gamma * exp(effects' x)``
    (effects named ``"gamma: <term>"``)."""
    from patron.analyze.clv.covariates import CovariateDesign

    design = CovariateDesign(list(covariates.columns))
    matrix = design.fit_transform(covariates)
    gamma = params["gamma"] * np.exp(matrix @ _effects(params, "gamma", design.terms))
    return simulate_gamma_gamma(params["p"], params["q"], gamma, frequency, seed=seed)


def simulate_pareto_nbd_covariates(
    params: dict[str, float],
    covariates: pd.DataFrame,
    T: float | np.ndarray,
    *,
    seed: int = 0,
    time_step: float | None = None,
) -> pd.DataFrame:
    """Pareto/NBD customers whose alpha and beta depend on their covariates.

    ``params`` uses the summary's names of
    :class:`~patron.analyze.clv.pareto_nbd.ParetoNBDModel` with covariates:
    ``r, alpha, s, beta`` and effects such as ``"alpha: satisfaction"`` or
    ``"beta: channel: web (vs store)"`` (``alpha_i = alpha exp(-effects' x_i)``, likewise
    beta). Returns the summary columns and the covariates.
    """
    from patron.analyze.clv.covariates import CovariateDesign

    design = CovariateDesign(list(covariates.columns))
    matrix = design.fit_transform(covariates)
    terms = design.terms
    alpha = params["alpha"] * np.exp(-(matrix @ _effects(params, "alpha", terms)))
    beta = params["beta"] * np.exp(-(matrix @ _effects(params, "beta", terms)))
    frame = simulate_pareto_nbd(
        params["r"], alpha, params["s"], beta, T, len(covariates), seed=seed, time_step=time_step
    )
    for column in covariates.columns:
        frame[column] = covariates[column].to_numpy()
    return frame
