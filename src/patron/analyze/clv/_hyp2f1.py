"""How to evaluate log 2F1(a, b; a + 1; z) and its gradient stably for 0 <= z < 1.

The Pareto/NBD likelihood needs this Gauss hypergeometric function, and
``scipy.special.hyp2f1`` returns NaN or inf in much of the region the likelihood visits
(large ``b``, ``z`` near 1). Patron evaluates Euler's integral

.. math:: {}_2F_1(a, b; a + 1; z) = a \\int_0^1 w^{a-1} (1 - z w)^{-b} \\, dw

for z <= 1/2 by its power series alone and otherwise in two pieces: on ``[0, 1/2]`` by its power series (``zw <= 1/2``, so the terms fall at
least as ``2^{-n}`` once past their peak), on ``[1/2, 1]`` by 64-point Gauss–Legendre
quadrature in ``log(1 - w)``, where the spike at ``w = 1`` (width ``1 - z``) becomes a
smooth bump. Sums are taken in log space (no overflow) and the derivatives in ``a``,
``b`` and ``z`` come from the same terms, so the likelihood has an analytic gradient.
"""

from __future__ import annotations

import numpy as np

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_SERIES_TOL = 1e-17
_MAX_TERMS = 1_000_000
_LOG_HALF = float(np.log(0.5))


def _series_lower(
    a: np.ndarray, b: np.ndarray, z: np.ndarray, upper: float = 0.5
) -> tuple[np.ndarray, ...]:
    """log of a int_0^upper w^(a-1) (1 - zw)^(-b) dw and its derivatives in a, b, z."""
    # term_n = a/(a+n) (b)_n/n! z^n upper^(a+n); kept relative to term_0 = upper^a.
    log_upper = float(np.log(upper))
    scale = a * log_upper
    s0 = np.ones_like(a)  # sum of term_n / term_0
    sa = -1.0 / a  # sum of rel_n * (-1/(a+n))
    sb = np.zeros_like(a)  # sum of rel_n * sum_{k<n} 1/(b+k)
    sz = np.zeros_like(a)  # sum of rel_n * n
    rel = np.ones_like(a)
    hb = np.zeros_like(a)
    active = np.nonzero(z > 0)[0]
    n = 0
    while active.size and n < _MAX_TERMS:
        aa, bb, zz = a[active], b[active], z[active]
        r = rel[active] * (aa + n) / (aa + n + 1.0) * (bb + n) / (n + 1.0) * zz * upper
        h = hb[active] + 1.0 / (bb + n)
        n += 1
        rel[active] = r
        hb[active] = h
        s0[active] += r
        sa[active] -= r / (aa + n)
        sb[active] += r * h
        sz[active] += r * n
        growing = (bb + n) * zz * upper > (n + 1.0)
        keep = growing | (r > _SERIES_TOL * s0[active])
        big = s0[active] > 1e200
        if big.any():  # rescale long sums so that they never overflow
            idx = active[big]
            f = s0[idx]
            scale[idx] += np.log(f)
            for arr in (rel, s0, sa, sb, sz):
                arr[idx] /= f
        if not keep.all():
            active = active[keep]
    log_value = scale + np.log(s0)
    d_a = 1.0 / a + log_upper + sa / s0
    d_b = sb / s0
    with np.errstate(divide="ignore", invalid="ignore"):
        d_z = np.where(z > 0, sz / (s0 * np.where(z > 0, z, 1.0)), 0.0)
    # at z = 0 the derivative is the n = 1 term's coefficient
    d_z = np.where(z > 0, d_z, a / (a + 1.0) * b * upper)
    return log_value, d_a, d_b, d_z


def _quad_upper(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
    """log of a int_{1/2}^1 w^(a-1) (1 - zw)^(-b) dw and its derivatives in a, b, z."""
    eps = 1.0 - z
    # Below v = 1 - w < v_min the integrand is flat to ~1e-9 and is added in closed form.
    v_min = np.minimum(
        1e-9 * eps / np.maximum(z, 1e-300) / np.maximum(b, 1.0), 1e-12 / np.maximum(a, 1.0)
    )
    lo = np.log(v_min)[:, None]
    half = (_LOG_HALF - lo) / 2.0
    eta = lo + half * (_NODES[None, :] + 1.0)
    v = np.exp(eta)
    log1m_v = np.log1p(-v)
    inner = eps[:, None] + z[:, None] * v  # 1 - z w without cancellation
    log_inner = np.log(inner)
    g = (a[:, None] - 1.0) * log1m_v
    g -= b[:, None] * log_inner
    g += eta
    g += np.log(_WEIGHTS)[None, :] + np.log(half)
    v_tail = v_min / 2.0
    inner_tail = eps + z * v_tail
    g_tail = np.log(v_min) - b * np.log(inner_tail)
    top = np.maximum(g.max(axis=1), g_tail)
    e = np.exp(g - top[:, None])
    e_tail = np.exp(g_tail - top)
    total = e.sum(axis=1) + e_tail
    log_value = np.log(a) + top + np.log(total)
    e /= total[:, None]
    e_tail /= total
    d_a = 1.0 / a + np.einsum("ij,ij->i", e, log1m_v)
    d_b = -np.einsum("ij,ij->i", e, log_inner) - e_tail * np.log(inner_tail)
    d_z = b * (np.einsum("ij,ij->i", e, (1.0 - v) / inner) + e_tail * (1.0 - v_tail) / inner_tail)
    return log_value, d_a, d_b, d_z


def log_hyp2f1_ab1(
    a: np.ndarray, b: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log 2F1(a, b; a + 1; z) and its partial derivatives in a, b and z.

    For a > 0, b > 0, 0 <= z < 1 (1-d arrays of equal length).
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    z = np.clip(np.asarray(z, dtype=float).ravel(), 0.0, 1.0 - 1e-16)
    # For z <= 1/2 (and a short series) the series over all of [0, 1] falls fast.
    out = [np.empty_like(a) for _ in range(4)]
    small = (z <= 0.5) & (b * z <= 100.0)
    if small.any():
        for target, piece in zip(
            out, _series_lower(a[small], b[small], z[small], 1.0), strict=True
        ):
            target[small] = piece
    big = np.nonzero(~small)[0]
    if big.size:
        ab, bb, zb = a[big], b[big], z[big]
        upper = _quad_upper(ab, bb, zb)
        # The [0, 1/2] piece is at most (1/2)^a (1 - z/2)^-b; when that is e^-40 below
        # the rest (large b: the mass sits at w = 1) the long series is skipped.
        bound = ab * _LOG_HALF - bb * np.log1p(-zb / 2.0)
        need = bound > upper[0] - 40.0
        lower = [
            np.full(big.size, -np.inf),
            np.zeros(big.size),
            np.zeros(big.size),
            np.zeros(big.size),
        ]
        if need.any():
            for target, piece in zip(
                lower, _series_lower(ab[need], bb[need], zb[need], 0.5), strict=True
            ):
                target[need] = piece
        log_value = np.logaddexp(lower[0], upper[0])
        w_low = np.exp(lower[0] - log_value)
        w_up = 1.0 - w_low
        out[0][big] = log_value
        for i in (1, 2, 3):
            out[i][big] = w_low * lower[i] + w_up * upper[i]
    return out[0], out[1], out[2], out[3]


def log_hyp2f1_reference(a: float, b: float, z: float, digits: int = 40) -> float:
    """Slow log 2F1(a, b; a + 1; z) by the plain series in exact decimals (for tests)."""
    from decimal import Decimal, getcontext

    getcontext().prec = digits
    da, db, dz = Decimal(repr(a)), Decimal(repr(b)), Decimal(repr(z))
    term = Decimal(1)  # (b)_n z^n / n!
    total = Decimal(1)
    n = 0
    limit = Decimal(10) ** (-(digits - 5))
    while n < 5_000_000:
        term = term * (db + n) * dz / (n + 1)
        n += 1
        piece = term * da / (da + n)
        total += piece
        if piece < limit * total and (db + n) * dz < n + 1:
            break
    return float(total.ln())
