r"""How the Pareto/NBD likelihood's tail integral is evaluated fast, for many customers at once.

The Pareto/NBD likelihood needs, for each customer and t in {t_x, T},

.. math:: F(t) = \int_t^\infty (\alpha+\tau)^{-(r+x)} (\beta+\tau)^{-(s+1)} d\tau
          = \frac{{}_2F_1(a, b; a+1; z)}{a (m+t)^a}, \quad a = r + s + x

(Fader & Hardie's note 009: ``m = alpha, b = s + 1, z = (alpha - beta)/(alpha + t)``
when alpha >= beta, else ``m = beta, b = r + x, z = (beta - alpha)/(beta + t)``).
Euler's transformation ``2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z)`` turns
it into a series whose n-th term is at most ``z^n`` whatever x, r and s are:

.. math:: G = \sum_n e_n z^n, \quad e_0 = 1, \quad e_{n+1} = e_n \frac{c + n}{d + n},
          \quad c = a + 1 - b, \ d = a + 1

so ``log F`` is a few logarithms plus ``log G``, with ``1 - z`` a ratio of the two
ages (no cancellation). The coefficients depend on a customer only through x, so
customers sorted by x share them: each run of equal x is one small matrix product
(the powers of z times the coefficients of G and of its derivatives in c, d and z),
which gives the value and the analytic gradient together. Rows whose z exceeds 0.7
(one of alpha and beta dwarfs the other and t is small; the series would need
hundreds of terms) fall back to :func:`patron.analyze.clv._hyp2f1.log_hyp2f1_ab1`.
:func:`log_tail_rows` does the same row by row for per-customer alpha and beta
(covariates).
"""

from __future__ import annotations

import functools

import numpy as np

from patron.analyze.clv._hyp2f1 import log_hyp2f1_ab1

__all__ = ["log_tail_rows", "log_tail_sorted", "runs_of"]

#: Rows with z above this use the general 2F1 routine.
Z_SERIES = 0.7
#: Relative truncation error of the series: far below what a fit over millions of
#: customers can feel (their summed error stays under 1e-8 of the log-likelihood).
_TOL = 1e-15
_CHUNK = 8_192
#: x-runs shorter than this are evaluated row by row (matrix set-up costs more).
_SHORT_RUN = 128


@functools.lru_cache(maxsize=256)
def _terms_on_grid(step: int) -> int:
    z_max = step / 256.0
    n = 2
    log_z = np.log(z_max)
    log_bound = np.log(_TOL * (1.0 - z_max) ** 2)
    while n < 400 and np.log(n) + (n - 1) * log_z > log_bound:
        n += 1
    return n


def _terms_for(z_max: float) -> int:
    """Terms after which n z^(n-1) / (1 - z)^2 (the z-derivative's tail) is below _TOL
    (z_max rounded up to a 1/256 grid, so that the count is looked up, not searched)."""
    if z_max <= 0.0:
        return 2
    return _terms_on_grid(min(int(np.ceil(z_max * 256.0)), 255))


def runs_of(x_sorted: np.ndarray) -> list[tuple[float, int, int]]:
    """(x, start, stop) of each run of equal x in a sorted array."""
    if len(x_sorted) == 0:
        return []
    edges = np.flatnonzero(x_sorted[1:] != x_sorted[:-1]) + 1
    starts = np.r_[0, edges]
    stops = np.r_[edges, len(x_sorted)]
    return [(float(x_sorted[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _coefficients(c: float, d: float, n_terms: int) -> np.ndarray:
    """Rows: e_n, e_n S^c_n, -e_n S^d_n, (n+1) e_{n+1} for n < n_terms."""
    k = np.arange(n_terms + 1, dtype=float)
    inv_c = 1.0 / (c + k)
    inv_d = 1.0 / (d + k)
    e = np.empty(n_terms + 1)
    e[0] = 1.0
    np.cumprod((c + k[:-1]) * inv_d[:-1], out=e[1:])
    s_c = np.empty(n_terms)
    s_c[0] = 0.0
    np.cumsum(inv_c[: n_terms - 1], out=s_c[1:])
    s_d = np.empty(n_terms)
    s_d[0] = 0.0
    np.cumsum(inv_d[: n_terms - 1], out=s_d[1:])
    out = np.empty((4, n_terms))
    out[0] = e[:-1]
    np.multiply(e[:-1], s_c, out=out[1])
    np.multiply(e[:-1], s_d, out=out[2])
    np.negative(out[2], out=out[2])
    np.multiply(k[1:], e[1:], out=out[3])
    return out


def _series_matrix(z: np.ndarray, c: float, d: float, out: np.ndarray) -> None:
    """log G and d log G / dc, dd, dz for one x, written to the rows of ``out`` (4, n)."""
    most = _terms_for(float(z.max()))
    coefficients = _coefficients(c, d, most)
    buffer = np.empty((most, min(len(z), _CHUNK)))
    for lo in range(0, len(z), _CHUNK):
        zz = z[lo : lo + _CHUNK]
        hi = lo + len(zz)
        n_terms = most if len(zz) == len(z) else _terms_for(float(zz.max()))
        powers = buffer[:n_terms, : len(zz)]
        powers[0] = 1.0
        for k in range(1, n_terms):
            np.multiply(powers[k - 1], zz, out=powers[k])
        sums = coefficients[:, :n_terms] @ powers
        np.log(sums[0], out=out[0, lo:hi])
        np.divide(sums[1:], sums[0], out=out[1:, lo:hi])


def _series_rows(z: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """As :func:`_series_matrix` with per-row c and d (term by term)."""
    out = np.empty((4, len(z)))
    if len(z) == 0:
        return out
    n_terms = _terms_for(float(z.max()))
    term = np.ones_like(z)
    g = np.ones_like(z)
    g_c = np.zeros_like(z)
    g_d = np.zeros_like(z)
    g_z = np.zeros_like(z)
    s_c = np.zeros_like(z)
    s_d = np.zeros_like(z)
    for n in range(n_terms):
        inv_c = 1.0 / (c + n)
        inv_d = 1.0 / (d + n)
        # the z-derivative's n-th term is (n + 1) e_{n+1} z^n = (n + 1) term_{n+1} / z,
        # accumulated as (n + 1) e_n z^n (c + n) / (d + n)
        step = (c + n) * inv_d
        g_z += (n + 1.0) * term * step
        s_c += inv_c
        s_d += inv_d
        term *= step * z
        g += term
        g_c += term * s_c
        g_d += term * s_d
    out[0] = np.log(g)
    out[1] = g_c / g
    out[2] = -g_d / g
    out[3] = g_z / g
    return out


def _assemble(
    r: float,
    s: float,
    x: np.ndarray,
    log_a: np.ndarray,
    log_b: np.ndarray,
    inv_a: np.ndarray,
    inv_b: np.ndarray,
    series: np.ndarray,
    case_a: np.ndarray | bool,
    shape: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """log F and its gradient in (r, alpha, s, beta) from the series of G.

    ``shape``: log(r + s + x) and 1 / (r + s + x) when already at hand.

    ``log_a = log(alpha + t)``, ``log_b = log(beta + t)``, ``inv_* = 1 / (. + t)``.
    Case A (alpha >= beta): log F = -s log_b - (r+x) log_a + log G - log a,
    c = r + x, z = (alpha - beta)/(alpha + t). Case B: log F = (1-r-x) log_a
    - (1+s) log_b + log G - log a, c = s + 1, z = (beta - alpha)/(beta + t).
    """
    a = r + s + x
    log_g, g_c, g_d, g_z = series
    log_shape, inv_aa = (np.log(a), 1.0 / a) if shape is None else shape
    grad = np.empty((4, len(x)))
    if np.ndim(case_a) == 0:
        if case_a:
            value = log_g - s * log_b - (r + x) * log_a - log_shape
            grad[0] = g_c + g_d - inv_aa - log_a
            grad[2] = g_d - inv_aa - log_b
            grad[1] = -(r + x) * inv_a + g_z * inv_a * (inv_a / inv_b)
            grad[3] = -s * inv_b - g_z * inv_a
        else:
            value = log_g + (1.0 - r - x) * log_a - (1.0 + s) * log_b - log_shape
            grad[0] = g_d - inv_aa - log_a
            grad[2] = g_c + g_d - inv_aa - log_b
            grad[1] = (1.0 - r - x) * inv_a - g_z * inv_b
            grad[3] = -(1.0 + s) * inv_b + g_z * inv_b * (inv_b / inv_a)
        return value, grad
    ca = np.asarray(case_a)
    value = (
        np.where(
            ca,
            log_g - s * log_b - (r + x) * log_a,
            log_g + (1.0 - r - x) * log_a - (1.0 + s) * log_b,
        )
        - log_shape
    )
    grad[0] = np.where(ca, g_c, 0.0) + g_d - inv_aa - log_a
    grad[2] = np.where(ca, 0.0, g_c) + g_d - inv_aa - log_b
    grad[1] = np.where(
        ca, -(r + x) * inv_a + g_z * inv_a * inv_a / inv_b, (1.0 - r - x) * inv_a - g_z * inv_b
    )
    grad[3] = np.where(
        ca, -s * inv_b - g_z * inv_a, -(1.0 + s) * inv_b + g_z * inv_b * inv_b / inv_a
    )
    return value, grad


def _fallback(
    r: float, s: float, x: np.ndarray, t: np.ndarray, alpha: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log F and gradient through the general 2F1 routine (z close to 1)."""
    a = r + s + x
    case_a = alpha >= beta
    m = np.where(case_a, alpha, beta)
    b = np.where(case_a, s + 1.0, r + x)
    z = np.abs(alpha - beta) / (m + t)
    log_h, h_a, h_b, h_z = log_hyp2f1_ab1(a, b, z)
    log_mt = np.log(m + t)
    value = log_h - a * log_mt - np.log(a)
    common = -log_mt + h_a - 1.0 / a
    grad = np.empty((4, len(x)))
    grad[0] = np.where(case_a, common, common + h_b)
    grad[2] = np.where(case_a, common + h_b, common)
    grad[1] = np.where(
        case_a, -a / (alpha + t) + h_z * (beta + t) / (alpha + t) ** 2, -h_z / (beta + t)
    )
    grad[3] = np.where(
        case_a, -h_z / (alpha + t), -a / (beta + t) + h_z * (alpha + t) / (beta + t) ** 2
    )
    return value, grad


def log_tail_rows(
    r: float, s: float, x: np.ndarray, t: np.ndarray, alpha: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log F(t) and its gradient (4, n) in (r, alpha_i, s, beta_i), row by row.

    ``alpha`` and ``beta`` are per row (or scalars); any order of rows.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), x.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=float), x.shape)
    value = np.empty(len(x))
    grad = np.empty((4, len(x)))
    at_a, at_b = alpha + t, beta + t
    log_a, log_b = np.log(at_a), np.log(at_b)
    inv_a, inv_b = 1.0 / at_a, 1.0 / at_b
    case_a = alpha >= beta
    z = np.where(case_a, (alpha - beta) * inv_a, (beta - alpha) * inv_b)
    series_rows = np.nonzero(z <= Z_SERIES)[0]
    if series_rows.size:
        i = series_rows
        xi = x[i]
        c = np.where(case_a[i], r + xi, s + 1.0)
        d = r + s + xi + 1.0
        series = _series_rows(z[i], c, d)
        value[i], grad[:, i] = _assemble(
            r, s, xi, log_a[i], log_b[i], inv_a[i], inv_b[i], series, case_a[i]
        )
    rest = np.nonzero(z > Z_SERIES)[0]
    if rest.size:
        value[rest], grad[:, rest] = _fallback(r, s, x[rest], t[rest], alpha[rest], beta[rest])
    return value, grad


def log_tail_sorted(
    r: float,
    alpha: float | np.ndarray,
    s: float,
    beta: float | np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    runs: list[tuple[float, int, int]],
) -> tuple[np.ndarray, ...]:
    """log F(t), its gradient (4, n), log(alpha + t), log(beta + t) and their inverses
    1 / (alpha + t), 1 / (beta + t), for rows sorted by x.

    ``runs`` from :func:`runs_of` on ``x``. ``alpha`` and ``beta`` are one value for
    everyone (no covariates) or one per row; the series coefficients depend on x and
    on which of alpha and beta is larger, so rows of a run share them.
    """
    n = len(t)
    at_a, at_b = t + alpha, t + beta
    log_a, log_b = np.log(at_a), np.log(at_b)
    inv_a = np.reciprocal(at_a, out=at_a)
    inv_b = np.reciprocal(at_b, out=at_b)
    scalar = np.ndim(alpha) == 0 and np.ndim(beta) == 0
    if scalar:
        case_a: bool | np.ndarray = bool(alpha >= beta)
        z = (alpha - beta) * inv_a if case_a else (beta - alpha) * inv_b
    else:
        case_a = np.broadcast_to(np.asarray(alpha) >= np.asarray(beta), (n,))
        z = np.where(case_a, (alpha - beta) * inv_a, (beta - alpha) * inv_b)
    z_cut = np.minimum(z, Z_SERIES)
    series = np.empty((4, n))
    short: list[np.ndarray] = []
    for x_value, lo, hi in runs:
        if hi - lo < _SHORT_RUN:
            short.append(np.arange(lo, hi))
            continue
        d = r + s + x_value + 1.0
        if scalar:
            c = r + x_value if case_a else s + 1.0
            _series_matrix(z_cut[lo:hi], c, d, series[:, lo:hi])
            continue
        in_a = case_a[lo:hi]
        for rows, c in ((np.flatnonzero(in_a), r + x_value), (np.flatnonzero(~in_a), s + 1.0)):
            if rows.size:
                part = np.empty((4, rows.size))
                _series_matrix(z_cut[lo + rows], c, d, part)
                series[:, lo + rows] = part
    if short:
        i = np.concatenate(short)
        xi = x[i]
        c = np.where(case_a if scalar else case_a[i], r + xi, s + 1.0)
        series[:, i] = _series_rows(z_cut[i], c, r + s + xi + 1.0)
    # log(r + s + x) and its inverse once per run, spread over the run's rows
    x_values = np.array([v for v, _lo, _hi in runs])
    lengths = np.array([hi - lo for _v, lo, hi in runs])
    shape = (
        np.repeat(np.log(r + s + x_values), lengths),
        np.repeat(1.0 / (r + s + x_values), lengths),
    )
    value, grad = _assemble(r, s, x, log_a, log_b, inv_a, inv_b, series, case_a, shape)
    far = np.nonzero(z > Z_SERIES)[0]
    if far.size:
        a_far = np.broadcast_to(alpha, (n,))[far]
        b_far = np.broadcast_to(beta, (n,))[far]
        value[far], grad[:, far] = _fallback(r, s, x[far], t[far], a_far, b_far)
    return value, grad, log_a, log_b, inv_a, inv_b
