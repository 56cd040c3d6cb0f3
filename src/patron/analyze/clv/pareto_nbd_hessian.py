r"""How the Pareto/NBD log-likelihood's Hessian is computed exactly, with its gradient, in one pass.

A Newton step with the exact Hessian converges quadratically, so a fit on a million
customers needs three or four passes over them instead of ten (a Hessian by finite
differences of the gradient costs four more passes, and one taken far from the optimum
slows Newton down to linear convergence).

The tail integral ``F(t) = G(c, d, z) / (a (m + t)^a)`` of
:mod:`patron.analyze.clv.pareto_nbd_tail` is a power series in z whose coefficients
``e_n = prod_{k<n} (c+k)/(d+k)`` depend on the customer only through x. Their first and
second derivatives in c and d are ``e_n`` times sums of ``1/(c+k)``, ``1/(d+k)`` and their
squares, and the derivatives in z shift the series; so each run of customers with the
same x gets G and its nine first and second derivatives in (c, d, z) from one matrix
product (ten rows of coefficients times the powers of z). The chain rule through
``c, d = r + s + x + 1`` (linear in r and s) and z (a ratio of the two ages) gives the
Hessian of log F in (r, alpha, s, beta); rows whose z exceeds 0.7 (the general 2F1
routine) take it by forward differences of their analytic gradient, which costs four
more calls of that slow routine (:func:`share_far` tells a fit whether that pays).

The likelihood mixes three exponentials, ``log(e^u1 + e^u2 - e^u3)``; with their shares
``pi_k`` (summing to 1) its Hessian is ``sum_k pi_k (H u_k + g u_k g u_k') - g g'``,
weighted and summed over customers as a few matrix products.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from patron.analyze.clv.pareto_nbd_tail import _CHUNK, Z_SERIES, _fallback, _terms_for

__all__ = ["PAIRS", "log_tail_hessian", "share_far", "total_hessian"]

#: The (i, j) entries of a symmetric 4 x 4 Hessian in (r, alpha, s, beta), as stored.
PAIRS = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))

#: (c, d, z) pairs of the second derivatives of log G, in the order of the series rows.
_SECOND = ((0, 0), (0, 1), (1, 1), (0, 2), (1, 2), (2, 2))


def _coefficients(c: float, d: float, n_terms: int) -> np.ndarray:
    """Rows (n < n_terms): the coefficients of z^n in G, G_c, G_d, G_z, G_cc, G_cd,
    G_dd, G_cz, G_dz, G_zz."""
    k = np.arange(n_terms + 2, dtype=float)
    inv_c = 1.0 / (c + k)
    inv_d = 1.0 / (d + k)
    e = np.empty(n_terms + 2)
    e[0] = 1.0
    np.cumprod((c + k[:-1]) * inv_d[:-1], out=e[1:])
    s_c = np.concatenate([[0.0], np.cumsum(inv_c[:-1])])  # sum_{k<n} 1/(c+k)
    s_d = np.concatenate([[0.0], np.cumsum(inv_d[:-1])])
    q_c = np.concatenate([[0.0], np.cumsum(inv_c[:-1] ** 2)])
    q_d = np.concatenate([[0.0], np.cumsum(inv_d[:-1] ** 2)])
    n = slice(0, n_terms)
    up = slice(1, n_terms + 1)  # e_{n+1}: the z-derivative's coefficient of z^n
    grow = k[1 : n_terms + 1]  # n + 1
    out = np.empty((10, n_terms))
    out[0] = e[n]
    out[1] = e[n] * s_c[n]
    out[2] = -e[n] * s_d[n]
    out[3] = grow * e[up]
    out[4] = e[n] * (s_c[n] ** 2 - q_c[n])
    out[5] = -e[n] * s_c[n] * s_d[n]
    out[6] = e[n] * (s_d[n] ** 2 + q_d[n])
    out[7] = grow * e[up] * s_c[up]
    out[8] = -grow * e[up] * s_d[up]
    out[9] = grow * k[2 : n_terms + 2] * e[2 : n_terms + 2]
    return out


def _series(z: np.ndarray, c: float, d: float, out: np.ndarray) -> None:
    """log G and its derivatives (rows: L, L_c, L_d, L_z, L_cc, L_cd, L_dd, L_cz, L_dz,
    L_zz with L = log G) for one run of x, written to ``out`` (10, n)."""
    # two terms more than the value needs: the second z-derivative's tail is longer
    most = _terms_for(float(z.max())) + 2
    coefficients = _coefficients(c, d, most)
    buffer = np.empty((most, min(len(z), _CHUNK)))
    for lo in range(0, len(z), _CHUNK):
        zz = z[lo : lo + _CHUNK]
        hi = lo + len(zz)
        powers = buffer[:, : len(zz)]
        powers[0] = 1.0
        for k in range(1, most):
            np.multiply(powers[k - 1], zz, out=powers[k])
        sums = coefficients @ powers
        inv_g = 1.0 / sums[0]
        first = sums[1:4] * inv_g  # L_c, L_d, L_z
        block = out[:, lo:hi]
        np.log(sums[0], out=block[0])
        block[1:4] = first
        for row, (i, j) in zip(range(4, 10), _SECOND, strict=True):
            np.multiply(sums[row], inv_g, out=block[row])
            block[row] -= first[i] * first[j]


def _fallback_hessian(
    r: float, s: float, x: np.ndarray, t: np.ndarray, alpha: float, beta: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian (10, n) of log F through the general 2F1 routine (rows
    with z > 0.7), the Hessian by forward differences of its analytic gradient (steps of
    1e-6 of each parameter: about six significant digits, for a few rows of the sum)."""
    params = np.array([r, alpha, s, beta])
    n = len(x)
    value, grad = _fallback(r, s, x, t, np.full(n, alpha), np.full(n, beta))
    full = np.empty((4, 4, n))
    for j in range(4):
        up = params.copy()
        up[j] += 1e-6 * params[j]
        moved = _fallback(up[0], up[2], x, t, np.full(n, up[1]), np.full(n, up[3]))[1]
        full[:, j] = (moved - grad) / (up[j] - params[j])
    hess = np.array([(full[i, j] + full[j, i]) / 2.0 for i, j in PAIRS])
    return value, grad, hess


def share_far(params: np.ndarray, d: dict[str, Any]) -> float:
    """Share of the tail evaluations (at T, and at t_x for repeat buyers) whose z exceeds
    0.7, where the Hessian needs the slow general 2F1 routine five times."""
    r, alpha, s, beta = (float(v) for v in params[:4])
    gap, m = abs(alpha - beta), max(alpha, beta)
    far = np.count_nonzero(d["T"] < gap / Z_SERIES - m)
    far += np.count_nonzero(d["t_x"][d["n_zero"] :] < gap / Z_SERIES - m)
    return far / max(2 * len(d["T"]) - d["n_zero"], 1)


def log_tail_hessian(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    t: np.ndarray,
    x: np.ndarray,
    runs: list[tuple[float, int, int]],
) -> tuple[np.ndarray, ...]:
    """log F(t), its gradient (4, n) and Hessian (10, n, entries :data:`PAIRS`) in
    (r, alpha, s, beta), and log(alpha + t), log(beta + t), 1/(alpha + t), 1/(beta + t),
    for rows sorted by x (``runs`` from :func:`~patron.analyze.clv.pareto_nbd_tail.runs_of`)
    and one alpha and beta for everyone."""
    log_a, log_b = np.log(t + alpha), np.log(t + beta)
    inv_a, inv_b = 1.0 / (t + alpha), 1.0 / (t + beta)
    case_a = alpha >= beta  # which hypergeometric form converges (note 009)
    z = (alpha - beta) * inv_a if case_a else (beta - alpha) * inv_b
    z_cut = np.minimum(z, Z_SERIES)
    series = np.empty((10, len(t)))
    for x_value, lo, hi in runs:
        c = r + x_value if case_a else s + 1.0
        _series(z_cut[lo:hi], c, r + s + x_value + 1.0, series[:, lo:hi])
    ln, l_c, l_d, l_z, l_cc, l_cd, l_dd, l_cz, l_dz, l_zz = series
    a = r + s + x
    inv_shape = 1.0 / a
    if case_a:  # c = r + x, z = (alpha - beta) / (alpha + t)
        z_a = inv_a * inv_a / inv_b
        z_b = -inv_a
        z_aa, z_ab, z_bb = -2.0 * inv_a * z_a, inv_a * inv_a, 0.0
        k_a, k_b = r + x, s
        d_r, d_s = l_c + l_d, l_d
        m_r, m_s = l_cz + l_dz, l_dz
        h_rr, h_ss = l_cc + 2.0 * l_cd + l_dd, l_dd
    else:  # c = s + 1, z = (beta - alpha) / (beta + t)
        z_b = inv_b * inv_b / inv_a
        z_a = -inv_b
        z_aa, z_ab, z_bb = 0.0, inv_b * inv_b, -2.0 * inv_b * z_b
        k_a, k_b = r + x - 1.0, s + 1.0
        d_r, d_s = l_d, l_c + l_d
        m_r, m_s = l_dz, l_cz + l_dz
        h_rr, h_ss = l_dd, l_cc + 2.0 * l_cd + l_dd
    # log F = log G - k_a log(alpha + t) - k_b log(beta + t) - log(r + s + x)
    value = ln - k_a * log_a - k_b * log_b - np.log(a)
    grad = np.empty((4, len(t)))
    grad[0] = d_r - inv_shape - log_a
    grad[1] = l_z * z_a - k_a * inv_a
    grad[2] = d_s - inv_shape - log_b
    grad[3] = l_z * z_b - k_b * inv_b
    shape2 = inv_shape * inv_shape
    hess = np.empty((10, len(t)))
    hess[0] = h_rr + shape2
    hess[1] = m_r * z_a - inv_a
    hess[2] = l_cd + l_dd + shape2
    hess[3] = m_r * z_b
    hess[4] = l_zz * z_a * z_a + l_z * z_aa + k_a * inv_a * inv_a
    hess[5] = m_s * z_a
    hess[6] = l_zz * z_a * z_b + l_z * z_ab
    hess[7] = h_ss + shape2
    hess[8] = m_s * z_b - inv_b
    hess[9] = l_zz * z_b * z_b + l_z * z_bb + k_b * inv_b * inv_b
    far = np.nonzero(z > Z_SERIES)[0]
    if far.size:
        value[far], grad[:, far], hess[:, far] = _fallback_hessian(
            r, s, x[far], t[far], alpha, beta
        )
    return value, grad, hess, log_a, log_b, inv_a, inv_b


def _unpack(packed: np.ndarray) -> np.ndarray:
    out = np.empty((4, 4))
    for value, (i, j) in zip(packed, PAIRS, strict=True):
        out[i, j] = out[j, i] = value
    return out


#: Rows per block of :func:`total_hessian`: its temporaries then stay in the cache.
_ROWS = 32_768


def _block(
    p: tuple[float, float, float, float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
    runs: list[tuple[float, int, int]],
    n_zero: int,
    zero: tuple[np.ndarray, ...] | None,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """One block of rows: the sum of ``w`` times the last factor's log, its gradient,
    the outer-product part of its Hessian (4, 4) and the packed second derivatives."""
    r, alpha, s, beta = p
    n = len(x)
    f_T, g_T, h_T, log_a, log_b, inv_a, inv_b = log_tail_hessian(r, alpha, s, beta, T, x, runs)
    f_tx, g_tx, h_tx = np.empty(n), np.empty((4, n)), np.empty((10, n))
    if n_zero:  # one-time buyers: t_x = 0 and x = 0, one value for all
        f_tx[:n_zero], g_tx[:, :n_zero], h_tx[:, :n_zero] = zero[0][0], zero[1], zero[2]
    if n > n_zero:
        rest = [(v, max(a, n_zero) - n_zero, b - n_zero) for v, a, b in runs if b > n_zero]
        f_tx[n_zero:], g_tx[:, n_zero:], h_tx[:, n_zero:], *_logs = log_tail_hessian(
            r, alpha, s, beta, t_x[n_zero:], x[n_zero:], rest
        )
    rx = r + x
    # u1 = -(r+x) log(alpha+T) - s log(beta+T) (alive), u2 = log s + log F(t_x),
    # u3 = log s + log F(T); the likelihood's last factor is e^u1 + e^u2 - e^u3.
    u1 = -rx * log_a - s * log_b
    gap = f_T - f_tx
    spread = np.log(s) + f_tx - u1
    if np.all(gap < -1e-300) and float(spread.max()) < 700.0:
        # continuous times: no t_x = T, no overflow (as in pareto_nbd._mix)
        one_minus_q = -np.expm1(gap)
        e_spread = np.exp(spread)
        odds = e_spread * one_minus_q
        pi1 = 1.0 / (1.0 + odds)
        pi2 = e_spread * pi1
        total = u1 + np.log1p(odds)
    else:
        left = gap < -1e-300
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            one_minus_q = np.where(left, -np.expm1(np.where(left, gap, -1.0)), 0.0)
            log_odds = spread + np.log(np.where(left, one_minus_q, 1.0))
            soft = np.logaddexp(0.0, log_odds)
            pi1 = np.where(left, np.exp(-soft), 1.0)
            pi2 = np.where(left, (1.0 - pi1) / np.where(left, one_minus_q, 1.0), 0.0)
            total = u1 + np.where(left, soft, 0.0)
    # shares of the three parts, pi1 + pi2 + pi3 = 1
    pi3 = pi2 * (one_minus_q - 1.0)
    g1 = np.empty((4, n))
    g1[0], g1[1], g1[2], g1[3] = -log_a, -rx * inv_a, -log_b, -s * inv_b
    g_tx[2] += 1.0 / s  # the gradients of u2 and u3 (log s added)
    g_T[2] += 1.0 / s
    wp1, wp2, wp3 = w * pi1, w * pi2, w * pi3
    mix = g1 * pi1 + g_tx * pi2 + g_T * pi3  # gradient of the last factor's log
    # Hessian: sum_k pi_k (H u_k + g u_k g u_k') - mix mix', weighted
    outer = (g1 * wp1) @ g1.T + (g_tx * wp2) @ g_tx.T + (g_T * wp3) @ g_T.T
    outer -= (mix * w) @ mix.T
    packed = h_tx @ wp2 + h_T @ wp3
    packed[1] -= float(wp1 @ inv_a)  # u1: d2/dr dalpha = -1/(alpha+T)
    packed[4] += float(wp1 @ (rx * inv_a * inv_a))
    packed[8] -= float(wp1 @ inv_b)
    packed[9] += s * float(wp1 @ (inv_b * inv_b))
    packed[7] -= float(wp2.sum() + wp3.sum()) / s**2  # d2 log s / ds2 in u2 and u3
    return float(w @ total), mix @ w, outer, packed


def total_hessian(params: np.ndarray, d: dict[str, Any]) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted log-likelihood, gradient and Hessian in (r, alpha, s, beta) of the
    prepared arrays ``d`` of :class:`~patron.analyze.clv.pareto_nbd.ParetoNBDModel`
    (rows sorted by x, no covariates), in blocks of rows."""
    r, alpha, s, beta = (float(v) for v in params[:4])
    x, w, n_zero = d["x"], d["weight"], d["n_zero"]
    ux, w_by_x = d["ux"], d["w_by_x"]
    zero = None
    if n_zero:
        zero = log_tail_hessian(r, alpha, s, beta, np.zeros(1), np.zeros(1), [(0.0, 0, 1)])
    ll, grad, hess, packed = 0.0, np.zeros(4), np.zeros((4, 4)), np.zeros(10)
    for lo in range(0, len(x), _ROWS):
        hi = min(lo + _ROWS, len(x))
        runs = [(v, max(a, lo) - lo, min(b, hi) - lo) for v, a, b in d["runs"] if a < hi and b > lo]
        part = _block(
            (r, alpha, s, beta),
            x[lo:hi],
            d["t_x"][lo:hi],
            d["T"][lo:hi],
            w[lo:hi],
            runs,
            max(0, min(n_zero, hi) - lo),
            zero,
        )
        ll += part[0]
        grad += part[1]
        hess += part[2]
        packed += part[3]
    hess += _unpack(packed)
    # gammaln(r+x) - gammaln(r) + r log alpha + s log beta
    W = float(w.sum())
    ll += float(w_by_x @ (gammaln(r + ux) - gammaln(r))) + W * (
        r * np.log(alpha) + s * np.log(beta)
    )
    grad[0] += float(w_by_x @ (digamma(r + ux) - digamma(r))) + W * np.log(alpha)
    grad[1] += W * r / alpha
    grad[2] += W * np.log(beta)
    grad[3] += W * s / beta
    hess[0, 0] += float(w_by_x @ (polygamma(1, r + ux) - polygamma(1, r)))
    hess[0, 1] += W / alpha
    hess[1, 0] += W / alpha
    hess[1, 1] -= W * r / alpha**2
    hess[2, 3] += W / beta
    hess[3, 2] += W / beta
    hess[3, 3] -= W * s / beta**2
    return ll, grad, hess
