r"""How consistent PLS (PLSc) corrects PLS estimates for measurement error.

PLS composites of reflective (Mode A) blocks contain measurement error, so their
correlations - and the path coefficients built on them - are attenuated. Dijkstra &
Henseler's correction estimates each block's reliability :math:`\rho_A` from its
weights and divides it out:

.. math::

    \hat c^2 = \frac{\hat w^\top (S - \operatorname{diag} S)\hat w}
                    {\hat w^\top (\hat w\hat w^\top - \operatorname{diag}(\hat w\hat w^\top))\hat w},
    \qquad \rho_A = (\hat w^\top\hat w)^2\,\hat c^2, \qquad
    \hat\lambda = \hat c\,\hat w, \qquad
    \hat r^{\,c}_{ij} = \frac{r_{ij}}{\sqrt{\rho_{A,i}\,\rho_{A,j}}}.

Single-item and Mode B blocks keep :math:`\rho_A = 1`. The paths and R² are then
ordinary least squares on the corrected construct correlations.

References
----------
.. [1] Dijkstra, T. K. & Henseler, J. (2015). Consistent partial least squares path
   modeling. MIS Quarterly 39(2), 297-316.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from patron.analyze.csi.engine import Estimates, Layout, _regressions


@dataclass
class ConsistentEstimates:
    rho_a: np.ndarray  # (B, J)
    construct_cov: np.ndarray  # (B, J, J) disattenuated correlations
    loadings: np.ndarray  # (B, p) consistent loadings (Mode A), PLS loadings elsewhere
    paths: np.ndarray
    r2: np.ndarray


def rho_a(s: np.ndarray, weights: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """ρA of every block and the correction factor ĉ, for a stack of estimates.

    Returns (rho_a (B, J), c (B, J)); blocks with one item get ρA = 1 and c = NaN.
    """
    b = weights.shape[0]
    j_count = len(layout.constructs)
    rho = np.ones((b, j_count))
    c = np.full((b, j_count), np.nan)
    for j, idx in enumerate(layout.block_items):
        if len(idx) < 2:
            continue
        w = weights[:, idx]
        sjj = s[:, idx[:, None], idx[None, :]]
        off = sjj - np.einsum("bii->bi", sjj)[:, :, None] * np.eye(len(idx))
        num = np.einsum("bi,bij,bj->b", w, off, w)
        ww = w[:, :, None] * w[:, None, :]
        ww_off = ww - np.einsum("bii->bi", ww)[:, :, None] * np.eye(len(idx))
        den = np.einsum("bi,bij,bj->b", w, ww_off, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            c2 = num / den
        c[:, j] = np.sqrt(c2)
        rho[:, j] = np.einsum("bi,bi->b", w, w) ** 2 * c2
    return rho, c


def correct(
    s: np.ndarray, estimates: Estimates, layout: Layout, modes: list[str]
) -> ConsistentEstimates:
    """Apply the PLSc correction to PLS estimates of the same moment matrices."""
    rho, c = rho_a(s, estimates.weights, layout)
    reflective = np.array([m == "A" for m in modes])
    rho = np.where(reflective[None, :], rho, 1.0)
    scale = np.sqrt(rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = estimates.construct_cov / scale[:, :, None] / scale[:, None, :]
    j_count = len(layout.constructs)
    corrected[:, np.arange(j_count), np.arange(j_count)] = 1.0
    loadings = estimates.loadings.copy()
    sd = np.sqrt(np.einsum("bii->bi", s))
    for j, idx in enumerate(layout.block_items):
        if len(idx) > 1 and reflective[j]:
            # λ = c·w on standardised items; rescale weights given for raw items.
            loadings[:, idx] = c[:, j][:, None] * estimates.weights[:, idx] * sd[:, idx]
    paths, r2 = _regressions(corrected, layout)
    return ConsistentEstimates(
        rho_a=rho, construct_cov=corrected, loadings=loadings, paths=paths, r2=r2
    )
