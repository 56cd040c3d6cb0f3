"""How traits of a customer shift the BG/NBD model: its likelihood with covariates.

Fader & Hardie (2007): ``alpha_i = alpha0 exp(-g_alpha' x_i)`` (a positive effect
raises the purchase rate, whose mean is r / alpha), ``a_i = a0 exp(g_a' x_i)`` and
``b_i = b0 exp(g_b' x_i)`` (drop-out probability ~ Beta(a_i, b_i), mean a / (a + b)).
PyMC-Marketing's ``BetaGeoModel`` uses the same signs. The terms in (a, b) are computed
once per distinct (x, covariate profile); the rest once per customer pattern.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln

__all__ = ["covariate_names", "covariate_total", "derive_covariates", "split_params"]


def covariate_names(terms: list[str]) -> list[str]:
    """Summary row names: r, alpha, a, b, then one effect per parameter and term."""
    return (
        ["r", "alpha", "a", "b"]
        + [f"alpha: {t}" for t in terms]
        + [f"a: {t}" for t in terms]
        + [f"b: {t}" for t in terms]
    )


def split_params(
    params: np.ndarray, k: int
) -> tuple[float, float, float, float, np.ndarray, np.ndarray, np.ndarray]:
    """``r, alpha0, a0, b0`` and the three effect vectors."""
    p = np.asarray(params, dtype=float)
    return (
        float(p[0]),
        float(p[1]),
        float(p[2]),
        float(p[3]),
        p[4 : 4 + k],
        p[4 + k : 4 + 2 * k],
        p[4 + 2 * k : 4 + 3 * k],
    )


def derive_covariates(d: dict[str, Any]) -> dict[str, Any]:
    """Distinct (x, covariate profile) pairs with their weights, for the (a, b) terms."""
    X = d["X"]
    key = np.zeros(len(d["x"]), dtype=np.int64)
    for column in [d["x"], *X.T]:
        codes, values = pd.factorize(column, sort=False)
        key = key * len(values) + codes
    pair, keys = pd.factorize(key, sort=False)
    first = np.full(len(keys), -1, dtype=np.int64)
    first[pair[::-1]] = np.arange(len(pair) - 1, -1, -1)
    d["pair"], d["pair_x"], d["pair_X"] = pair, d["x"][first], X[first]
    d["pair_w"] = np.bincount(pair, weights=d["weight"], minlength=len(keys))
    return d


def covariate_total(params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood and its gradient in (r, alpha0, a0, b0, effects)."""
    X, k = d["X"], d["X"].shape[1]
    r, alpha0, a0, b0, g_alpha, g_a, g_b = split_params(params, k)
    w, x, t_x, T = d["weight"], d["x"], d["t_x"], d["T"]
    ux, w_by_x = d["ux"], d["w_by_x"]
    # Per distinct x.
    ll = float(w_by_x @ (gammaln(r + ux) - gammaln(r)))
    d_r = float(w_by_x @ (digamma(r + ux) - digamma(r)))
    # Per distinct (x, profile): the beta-geometric part.
    px, pX, pw = d["pair_x"], d["pair_X"], d["pair_w"]
    a = a0 * np.exp(pX @ g_a)
    b = b0 * np.exp(pX @ g_b)
    ab = a + b
    # betaln keeps its accuracy for huge a and b (no heterogeneity in drop-out), where
    # the difference of four log-gammas cancels catastrophically.
    ll += float(pw @ (betaln(a, b + px) - betaln(a, b)))
    psi_ab, psi_abx = digamma(ab), digamma(ab + px)
    d_a_pair = pw * (psi_ab - psi_abx)
    d_b_pair = pw * (digamma(b + px) - psi_abx - digamma(b) + psi_ab)
    repeat_pair = px > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        bx1 = np.where(repeat_pair, b + px - 1.0, 1.0)
        log_odds_pair = np.where(repeat_pair, np.log(a) - np.log(bx1), -np.inf)
    # Per customer pattern: the purchase part.
    alpha = alpha0 * np.exp(-(X @ g_alpha))
    s_T = alpha + T
    s_tx = alpha + t_x
    log_T = np.log(s_T)
    log_age_ratio = np.log(s_T / s_tx)
    rx = r + x
    odds = log_odds_pair[d["pair"]] + rx * log_age_ratio
    e = np.exp(np.minimum(odds, 700.0))
    softplus = np.where(odds > 700.0, odds, np.log1p(e))
    w3 = e / (1.0 + e)
    ll += float(w @ (r * np.log(alpha) - rx * log_T + softplus))
    ww3 = w * w3
    d_r += float(w @ (np.log(alpha) - log_T)) + float(ww3 @ log_age_ratio)
    d_alpha_i = r / alpha - rx / s_T + w3 * rx * (1.0 / s_T - 1.0 / s_tx)
    scaled = w * d_alpha_i * alpha  # d ll / d log alpha_i, weighted
    w3_pair = np.bincount(d["pair"], weights=ww3, minlength=len(px))
    d_log_a = (d_a_pair + w3_pair / a) * a
    d_log_b = (d_b_pair - np.where(repeat_pair, w3_pair / bx1, 0.0)) * b
    grad = np.concatenate(
        [
            [
                d_r,
                float(scaled.sum()) / alpha0,
                float(d_log_a.sum()) / a0,
                float(d_log_b.sum()) / b0,
            ],
            -(X.T @ scaled),
            pX.T @ d_log_a,
            pX.T @ d_log_b,
        ]
    )
    return ll, grad
