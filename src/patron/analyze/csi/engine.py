r"""How PLS path modelling estimates many moment matrices at once (the numerical core).

Everything the Wold/Lohmöller algorithm needs is in the indicators' covariance matrix
:math:`S` (the correlation matrix for standardised indicators): with block-diagonal
outer weights :math:`W`, the latent variables' covariances are :math:`W^\top S W`, the
indicators' covariances with the inner proxies are :math:`S W E`, and the loadings and
path coefficients follow from the same products. So one estimate costs a few products
of small matrices whatever the number of respondents, and a bootstrap is the same
algorithm run on a stack of :math:`B` matrices (a 3-D array) in one go.

.. math::

    \tilde y_j = \sum_i e_{ij} y_i \quad\text{(inner approximation)}, \qquad
    w_j \propto \operatorname{cov}(x_j, \tilde y_j)\ \text{(Mode A)}, \quad
    w_j \propto S_{jj}^{-1}\operatorname{cov}(x_j, \tilde y_j)\ \text{(Mode B)}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from patron.analyze.csi.spec import ModelSpec

SCHEMES = ("path", "centroid", "factorial")


@dataclass(frozen=True)
class Layout:
    """The specification turned into index arrays (built once per model)."""

    items: list[str]
    constructs: list[str]
    block: np.ndarray  # (p,) construct index of each item
    membership: np.ndarray  # (p, J) 0/1
    adjacency: np.ndarray  # (J, J) bool, adjacency[i, j]: path i -> j
    predecessors: list[np.ndarray]  # per construct, indices of its predecessors
    endogenous: list[int]
    mode_b: list[int]
    block_items: list[np.ndarray]

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> Layout:
        constructs = spec.construct_names
        position = {name: j for j, name in enumerate(constructs)}
        items = spec.items
        block = np.array(
            [position[c.name] for c in spec.constructs for _ in c.items], dtype=np.intp
        )
        p, j_count = len(items), len(constructs)
        membership = np.zeros((p, j_count))
        membership[np.arange(p), block] = 1.0
        adjacency = np.zeros((j_count, j_count), dtype=bool)
        for left, right in spec.paths:
            adjacency[position[left], position[right]] = True
        predecessors = [np.flatnonzero(adjacency[:, j]) for j in range(j_count)]
        return cls(
            items=items,
            constructs=constructs,
            block=block,
            membership=membership,
            adjacency=adjacency,
            predecessors=predecessors,
            endogenous=[j for j in range(j_count) if len(predecessors[j])],
            mode_b=[
                position[c.name] for c in spec.constructs if c.mode == "B" and len(c.items) > 1
            ],
            block_items=[np.flatnonzero(block == j) for j in range(j_count)],
        )


@dataclass
class Estimates:
    """Stacked results for B moment matrices (B = 1 for a single estimate)."""

    weights: np.ndarray  # (B, p) outer weights giving unit-variance scores
    construct_cov: np.ndarray  # (B, J, J) latent-variable correlations
    loadings: np.ndarray  # (B, p) correlation of each item with its construct
    cross_loadings: np.ndarray  # (B, p, J)
    paths: np.ndarray  # (B, J, J), paths[b, i, j]: effect of i on j
    r2: np.ndarray  # (B, J), NaN for exogenous constructs
    converged: np.ndarray  # (B,) bool
    iterations: int


def _scores_cov(s: np.ndarray, w: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(S W, W' S W) for block-diagonal W given as the item vector ``w``."""
    # S W = (S * w) @ M, one flat GEMM instead of B small ones.
    b, p, _ = s.shape
    sw = ((s * w[:, None, :]).reshape(b * p, p) @ layout.membership).reshape(b, p, -1)
    wsw = np.einsum("pi,bpj->bij", layout.membership, w[:, :, None] * sw, optimize=True)
    return sw, wsw


def _normalised(
    s: np.ndarray, w: np.ndarray, layout: Layout
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights scaled to unit-variance constructs, with their S W and W' S W (reused)."""
    sw, wsw = _scores_cov(s, w, layout)
    scale = np.sqrt(np.diagonal(wsw, axis1=1, axis2=2))
    return (
        w / scale[:, layout.block],
        sw / scale[:, None, :],
        wsw / scale[:, :, None] / scale[:, None, :],
    )


def _regressions(r: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """OLS path coefficients and R² of every endogenous construct, from LV correlations."""
    b, j_count, _ = r.shape
    paths = np.zeros((b, j_count, j_count))
    r2 = np.full((b, j_count), np.nan)
    for j in layout.endogenous:
        pred = layout.predecessors[j]
        rpp = r[:, pred[:, None], pred[None, :]]
        rpj = r[:, pred, j]
        try:
            beta = np.linalg.solve(rpp, rpj[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = _safe_solve(rpp, rpj)
        paths[:, pred, j] = beta
        r2[:, j] = np.einsum("bk,bk->b", beta, rpj)
    return paths, r2


def _safe_solve(a: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Batched solve that yields NaN for singular members instead of raising."""
    out = np.full(rhs.shape, np.nan)
    for k in range(a.shape[0]):
        try:
            out[k] = np.linalg.solve(a[k], rhs[k])
        except np.linalg.LinAlgError:
            pass
    return out


def _inner_weights(r: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    """E[b, i, j]: how construct i enters the inner proxy of construct j."""
    neighbours = layout.adjacency | layout.adjacency.T
    if scheme == "centroid":
        return np.sign(r) * neighbours
    if scheme == "factorial":
        return r * neighbours
    # path weighting: successors by correlation, predecessors by regression
    e = r * layout.adjacency.T  # e[k, j] = cor for k a successor of j (j -> k)
    for j in layout.endogenous:
        pred = layout.predecessors[j]
        rpp = r[:, pred[:, None], pred[None, :]]
        try:
            beta = np.linalg.solve(rpp, r[:, pred, j][..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = _safe_solve(rpp, r[:, pred, j])
        e[:, pred, j] = beta
    return e


def estimate(
    s: np.ndarray,
    layout: Layout,
    *,
    scheme: str = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
) -> Estimates:
    """Run PLS-PM on each of the B covariance (or correlation) matrices in ``s``.

    ``s`` has shape (B, p, p) or (p, p); items ordered as ``layout.items``. Members
    that do not converge within ``max_iter`` or produce non-finite numbers are marked
    ``converged = False`` (the caller counts them as degenerate) instead of raising.
    """
    if s.ndim == 2:
        s = s[None]
    b, p, _ = s.shape
    block_b = {j: layout.block_items[j] for j in layout.mode_b}
    sjj_b = {j: s[:, idx[:, None], idx[None, :]] for j, idx in block_b.items()}
    gather = np.arange(p)
    converged = np.zeros(b, dtype=bool)
    iterations = 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        w, sw, r = _normalised(s, np.ones((b, p)), layout)
        for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
            e = _inner_weights(r, layout, scheme)
            swe = sw @ e  # cov(x, inner proxy of each construct)
            new = swe[:, gather, layout.block]
            for j, idx in block_b.items():
                try:
                    new[:, idx] = np.linalg.solve(sjj_b[j], new[:, idx][..., None])[..., 0]
                except np.linalg.LinAlgError:
                    new[:, idx] = _safe_solve(sjj_b[j], new[:, idx])
            new, sw, r = _normalised(s, new, layout)
            change = np.max(np.abs(new - w), axis=1)
            w = new
            converged = change < tol
            if converged.all() or not np.isfinite(change[~converged]).any():
                break
        # Sign convention: a construct points the way most of its items do.
        own = sw[:, gather, layout.block]
        sd = np.sqrt(np.diagonal(s, axis1=1, axis2=2))
        direction = np.sign(own @ layout.membership)
        direction[direction == 0] = 1.0
        if (direction < 0).any():
            w = w * direction[:, layout.block]
            sw, r = _scores_cov(s, w, layout)
        cross = sw / sd[:, :, None]
        loadings = cross[:, gather, layout.block]
        paths, r2 = _regressions(r, layout)
    finite = (
        np.isfinite(w).all(axis=1)
        & np.isfinite(paths).all(axis=(1, 2))
        & np.isfinite(loadings).all(axis=1)
    )
    return Estimates(
        weights=w,
        construct_cov=r,
        loadings=loadings,
        cross_loadings=cross,
        paths=paths,
        r2=r2,
        converged=converged & finite,
        iterations=iterations,
    )


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects (direct + indirect) from direct paths: (I - B)^-1 - I, batched."""
    j_count = paths.shape[-1]
    # The model is recursive (acyclic), so the series B + B² + … ends after J terms.
    total = np.zeros_like(paths)
    term = paths.copy()
    for _ in range(j_count):
        total = total + term
        term = term @ paths
        if not np.any(term):
            break
    return total


# Above this many (respondent × item pair) products, the precomputed cross-product
# table would not fit comfortably in memory: fall back to one product per sample.
MAX_OUTER_CELLS = 20_000_000


@dataclass(frozen=True)
class CrossProducts:
    """Each respondent's item products x_k·x_l for k ≤ l, computed once per model."""

    centred: np.ndarray  # (n, p) items minus the full sample's means
    upper: tuple[np.ndarray, np.ndarray]  # indices of the upper triangle
    table: np.ndarray | None  # (n, p(p+1)/2) or None for large samples

    @classmethod
    def of(cls, centred: np.ndarray) -> CrossProducts:
        n, p = centred.shape
        upper = np.triu_indices(p)
        table = None
        if n * len(upper[0]) <= MAX_OUTER_CELLS:
            table = centred[:, upper[0]] * centred[:, upper[1]]
        return cls(centred=centred, upper=upper, table=table)


def covariance_from_counts(
    centred: np.ndarray | CrossProducts, counts: np.ndarray, *, standardize: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, covariance (or correlation) matrices and SDs of B reweighted samples at once.

    ``counts`` (B, n) says how often each row enters each sample (bootstrap counts, or
    0/1 group membership for a permutation test). One GEMM of (B, n) by (n, p(p+1)/2)
    gives every sample's cross-products (the matrices are symmetric, so only the upper
    triangle is computed). Returns (means (B, p), matrices (B, p, p), sd (B, p)); the
    means are those of ``centred``, i.e. relative to the full sample's means.
    """
    products = centred if isinstance(centred, CrossProducts) else CrossProducts.of(centred)
    x = products.centred
    n, p = x.shape
    b = counts.shape[0]
    totals = counts.sum(axis=1)
    if products.table is not None:
        rows, cols = products.upper
        tri = counts @ products.table
        cross = np.empty((b, p, p))
        cross[:, rows, cols] = tri
        cross[:, cols, rows] = tri
    else:
        cross = np.stack([(x * c[:, None]).T @ x for c in counts])
    cross /= totals[:, None, None]
    means = counts @ x / totals[:, None]
    cov = cross - means[:, :, None] * means[:, None, :]
    # Sample covariance (n - 1), as the peers use; irrelevant for correlations.
    cov *= (totals / np.maximum(totals - 1, 1))[:, None, None]
    # A constant item leaves a rounding residue, not an exact zero: treat a variance
    # below 1e-12 of the full sample's as zero so the resample is flagged degenerate.
    full = (x**2).sum(axis=0) / max(n - 1, 1)
    variances = np.diagonal(cov, axis1=1, axis2=2).copy()
    variances[variances <= 1e-12 * full] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(variances)
        if standardize:
            cov = cov / sd[:, :, None] / sd[:, None, :]
    return means, cov, sd


def index_from_moments(
    std_weights: np.ndarray,
    sd: np.ndarray,
    means: np.ndarray,
    layout: Layout,
    scale: tuple[float, float],
) -> np.ndarray:
    """The 0–100 indices (B, J) from stacked standardised weights, item SDs and item means."""
    low, high = scale
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = std_weights / sd
        sums = raw @ layout.membership
        normalised = raw / sums[:, layout.block]
        rescaled = (means - low) / (high - low)
        return 100 * (normalised * rescaled) @ layout.membership
