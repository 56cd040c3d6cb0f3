r"""Are there hidden segments of respondents with different paths: FIMIX-PLS.

Finite mixture PLS (Hahn, Johnson, Herrmann & Huber 2002) takes the construct scores of
the global PLS model and assumes each respondent belongs to one of K segments with its
own structural model: for every endogenous construct m with predecessors
:math:`x_{im}`,

.. math::

    f_k(i) = \prod_m \frac{1}{\sqrt{2\pi\psi_{mk}}}
             \exp\Bigl(-\frac{(y_{im} - x_{im}^\top\beta_{mk})^2}{2\psi_{mk}}\Bigr), \qquad
    L = \sum_i \ln \sum_k \rho_k f_k(i),

estimated by EM from several random starts (the best log-likelihood wins): the E-step
gives each respondent's segment probabilities :math:`\tau_{ik}`, the M-step weighted
least squares per segment and equation. The number of segments is chosen with the
information criteria of Sarstedt, Becker, Ringle & Schwaiger (2011), with N free
parameters (K - 1 shares, K × paths, K × residual variances) and n respondents:

=====  ========================  =====  ============================
AIC    -2L + 2N                  BIC    -2L + N ln n
AIC3   -2L + 3N                  CAIC   -2L + N (ln n + 1)
AIC4   -2L + 4N                  HQ     -2L + 2N ln ln n
MDL5   -2L + 5N ln n             EN     1 - Σ -τ ln τ / (n ln K)
=====  ========================  =====  ============================

Lower is better for all but the normed entropy EN (closer to 1: clearer segments;
above 0.5 they can be told apart). AIC3 and CAIC together, or AIC4 and BIC, pointing
to the same K is the usual rule.

References
----------
.. [1] Hahn, C., Johnson, M. D., Herrmann, A. & Huber, F. (2002). Capturing customer
   heterogeneity using a finite mixture PLS approach. Schmalenbach Business Review 54.
.. [2] Sarstedt, M., Becker, J.-M., Ringle, C. M. & Schwaiger, M. (2011). Uncovering and
   treating unobserved heterogeneity with FIMIX-PLS: which model selection criterion
   provides an appropriate number of segments? Schmalenbach Business Review 63, 34-62.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from patron.analyze.base import PatronEstimator
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

CRITERIA = ("AIC", "AIC3", "AIC4", "BIC", "CAIC", "HQ", "MDL5", "EN")
#: Columns of :attr:`FIMIXSelection.summary`, one row per number of segments.
SELECTION_COLUMNS = ("log-likelihood", *CRITERIA)


@dataclass
class _Fit:
    loglik: float
    shares: np.ndarray  # (K,)
    betas: list[np.ndarray]  # per equation (K, predecessors)
    psi: np.ndarray  # (K, equations)
    posteriors: np.ndarray  # (n, K)
    iterations: int
    converged: bool


def _em(
    equations: list[tuple[np.ndarray, np.ndarray]],
    k: int,
    start: np.ndarray,
    max_iter: int,
    tol: float,
) -> list[_Fit]:
    """EM from S starting posteriors ``start`` (S, n, K) at once (one fit per start).

    Starts that converge leave the batch, so the slow ones do not hold the rest back."""
    s, n, _k = start.shape
    tau = start
    previous = np.full(s, -np.inf)
    active = np.arange(s)  # which start each row of the batch is
    fits: dict[int, _Fit] = {}
    # Per respondent x xᵀ and x y, flattened: the weighted sums become one GEMM each.
    outer = [((x[:, :, None] * x[:, None, :]).reshape(n, -1), x * y[:, None]) for x, y in equations]
    for iteration in range(1, max_iter + 1):
        b = len(active)
        # M-step: shares, then weighted least squares per segment and equation.
        weight = tau.sum(axis=1)  # (B, K)
        shares = weight / n
        betas, psi = [], np.empty((b, k, len(equations)))
        log_f = np.zeros((b, n, k))
        tau_t = tau.transpose(0, 2, 1)  # (B, K, n)
        for m, (x, y) in enumerate(equations):
            xx, xy = outer[m]
            size = x.shape[1]
            xtwx = (tau_t @ xx).reshape(b, k, size, size)
            xtwy = tau_t @ xy
            ridge = 1e-12 * np.eye(size)
            beta = np.linalg.solve(xtwx + ridge, xtwy[..., None])[..., 0]  # (B, K, P)
            resid = y[None, :, None] - x @ beta.transpose(0, 2, 1)
            var = np.maximum((tau * resid**2).sum(axis=1) / weight, 1e-8)  # (B, K)
            betas.append(beta)
            psi[:, :, m] = var
            log_f += -0.5 * np.log(2 * np.pi * var)[:, None, :] - resid**2 / (2 * var[:, None, :])
        # E-step.
        joint = log_f + np.log(np.maximum(shares, 1e-300))[:, None, :]
        top = joint.max(axis=2)
        total = top + np.log(np.exp(joint - top[..., None]).sum(axis=2))
        loglik = total.sum(axis=1)
        tau = np.exp(joint - total[..., None])
        done = np.abs(loglik - previous) < tol
        if iteration == max_iter:
            finished = np.ones(b, dtype=bool)
        else:
            finished = done
        for row in np.flatnonzero(finished):
            fits[int(active[row])] = _Fit(
                float(loglik[row]),
                shares[row],
                [beta[row] for beta in betas],
                psi[row],
                tau[row],
                iteration,
                bool(done[row]),
            )
        keep = ~finished
        if not keep.any():
            break
        active, tau, previous = active[keep], tau[keep], loglik[keep]
    return [fits[i] for i in range(s)]


def criteria(loglik: float, n_params: int, n: int, posteriors: np.ndarray) -> dict[str, float]:
    """The information criteria and the normed entropy of one solution."""
    k = posteriors.shape[1]
    if k > 1:
        p = np.clip(posteriors, 1e-300, 1)
        en = 1 - float(np.sum(-posteriors * np.log(p))) / (n * np.log(k))
    else:
        en = np.nan
    dev = -2 * loglik
    return {
        "log-likelihood": loglik,
        "AIC": dev + 2 * n_params,
        "AIC3": dev + 3 * n_params,
        "AIC4": dev + 4 * n_params,
        "BIC": dev + np.log(n) * n_params,
        "CAIC": dev + (np.log(n) + 1) * n_params,
        "HQ": dev + 2 * np.log(np.log(n)) * n_params,
        "MDL5": dev + 5 * np.log(n) * n_params,
        "EN": en,
    }


class FIMIXPLS(PatronEstimator):
    """FIMIX-PLS segmentation of respondents by their structural paths.

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="ecsi"
    n_segments : int, default=2
    n_starts : int, default=10
        Random starts of EM; the best log-likelihood is kept.
    max_iter : int, default=5000
    tol : float, default=1e-10
        Stop when the log-likelihood changes by less than this.
    seed : int or None
    scheme, missing
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    model_ : PLSPathModel
        The global model whose scores are segmented.
    paths_ : DataFrame
        Path coefficients, one column per segment.
    shares_ : Series
        Segment sizes (mixing proportions).
    posteriors_ : DataFrame
        Each respondent's probability of each segment.
    labels_ : Series
        Each respondent's most likely segment (1 … K).
    criteria_ : dict
        Log-likelihood, AIC … MDL5 and EN.

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.fimix import FIMIXPLS
    >>> fimix = FIMIXPLS(spec="ecsi", n_segments=2, seed=1).fit(load_mobi())
    >>> list(fimix.summary.columns)
    ['segment 1', 'segment 2']
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        n_segments: int = 2,
        n_starts: int = 10,
        max_iter: int = 5000,
        tol: float = 1e-10,
        seed: int | None = None,
        scheme: str = "path",
        missing: str = "mean",
    ) -> None:
        self.spec = spec
        self.n_segments = n_segments
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.scheme = scheme
        self.missing = missing

    _fitted_attr = "paths_"

    def fit(self, data: pd.DataFrame | str | Path, model: PLSPathModel | None = None) -> FIMIXPLS:
        """Segment the respondents (``model``: an already fitted global model to reuse)."""
        k = int(self.n_segments)
        if k < 1 or int(self.n_starts) < 1:
            raise InputError(_("segments and starts must be at least 1"))
        if model is None:
            model = PLSPathModel(spec=self.spec, scheme=self.scheme, missing=self.missing)
            model.fit(data)
        layout = model._layout
        scores = model.scores_.to_numpy()
        n = len(scores)
        equations = [(scores[:, layout.predecessors[j]], scores[:, j]) for j in layout.endogenous]
        n_paths = sum(len(layout.predecessors[j]) for j in layout.endogenous)
        n_params = (k - 1) + k * n_paths + k * len(equations)
        if n < 2 * n_params:
            raise InputError(
                _("{n} respondents are too few for {k} segments ({p} parameters)").format(
                    n=n, k=k, p=n_params
                )
            )
        rng = np.random.default_rng(self.seed)
        starts = rng.dirichlet(np.ones(k), size=(int(self.n_starts), n))
        # The matrices are tiny: BLAS threads would cost more than they save.
        with threadpool_limits(1):
            fits = _em(equations, k, starts, int(self.max_iter), float(self.tol))
        best = max(fits, key=lambda f: f.loglik)
        # Order segments by size (largest first) so results read the same across runs.
        order = np.argsort(-best.shares, kind="stable")
        names = [_("segment {k}").format(k=i + 1) for i in range(k)]
        rows = []
        for (a, b), beta in zip(
            [
                (layout.constructs[i], layout.constructs[j])
                for j in layout.endogenous
                for i in layout.predecessors[j]
            ],
            np.concatenate([b[order].T for b in best.betas]),
            strict=True,
        ):
            rows.append((f"{a} -> {b}", *beta))
        paths = pd.DataFrame(rows, columns=["path", *names]).set_index("path")
        spec_order = [f"{a} -> {b}" for a, b in model.spec_.paths]
        self.paths_ = paths.loc[spec_order]
        endo = [layout.constructs[j] for j in layout.endogenous]
        self.residual_variances_ = pd.DataFrame(best.psi[order].T, index=endo, columns=names)
        post = best.posteriors[:, order]
        # R² within a segment: against the outcome's variance weighted by membership.
        weight = post.sum(axis=0)
        spread = np.array(
            [
                (post * (y[:, None] - (post * y[:, None]).sum(axis=0) / weight) ** 2).sum(axis=0)
                / weight
                for _x, y in equations
            ]
        )
        self.r2_ = pd.DataFrame(1 - best.psi[order].T / spread, index=endo, columns=names)
        self.shares_ = pd.Series(best.shares[order], index=names, name="share")
        self.posteriors_ = pd.DataFrame(post, index=model.scores_.index, columns=names)
        self.labels_ = pd.Series(post.argmax(axis=1) + 1, index=model.scores_.index, name="segment")
        self.criteria_ = criteria(best.loglik, n_params, n, post)
        self.n_params_ = n_params
        self.converged_ = best.converged
        self.n_iter_ = best.iterations
        self.model_ = model
        self.n_obs_ = n
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """Path coefficients per segment (columns ``segment 1`` … ``segment K``)."""
        self.check_is_fitted()
        return self.paths_.copy()

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        facts: dict[str, Any] = {_("respondents"): self.n_obs_}
        facts.update({name: f"{share:.1%}" for name, share in self.shares_.items()})
        facts.update(self.criteria_)
        return Printer(
            title=_("FIMIX-PLS with {k} segments").format(k=int(self.n_segments)),
            facts=facts,
            tables=[(_("Path coefficients per segment"), self.summary), ("R²", self.r2_)],
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        return {
            "segments": int(self.n_segments),
            "shares": self.shares_.to_dict(),
            "criteria": {k: (None if pd.isna(v) else v) for k, v in self.criteria_.items()},
            "paths": self.paths_.reset_index().to_dict("records"),
        }


@dataclass
class FIMIXSelection:
    """FIMIX-PLS fitted with 1 … K segments and the criteria to choose among them."""

    fits: dict[int, FIMIXPLS]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per number of segments: :data:`SELECTION_COLUMNS`."""
        rows = {k: fit.criteria_ for k, fit in self.fits.items()}
        frame = pd.DataFrame.from_dict(rows, orient="index")[list(SELECTION_COLUMNS)]
        frame.index.name = "segments"
        return frame

    def best(self) -> dict[str, int]:
        """The number of segments each criterion prefers (EN: highest among K ≥ 2)."""
        table = self.summary
        out = {c: int(table[c].idxmin()) for c in CRITERIA if c != "EN"}
        if table["EN"].notna().any():
            out["EN"] = int(table["EN"].idxmax())
        return out

    def chart(self):
        from patron.analyze.csi.methods_plots import plot_segments

        return plot_segments(self)

    def _printer(self, decimals: int = 3) -> Printer:
        best = self.best()
        notes = [
            _("{criterion} prefers {k} segments.").format(criterion=c, k=k) for c, k in best.items()
        ]
        return Printer(
            title=_("FIMIX-PLS: how many segments"),
            tables=[(_("Criteria by number of segments"), self.summary)],
            notes=notes,
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        table = self.summary.reset_index().replace({np.nan: None})
        return {"criteria": table.to_dict("records"), "best": self.best()}


def select_segments(
    data: pd.DataFrame | str | Path,
    *,
    spec: ModelSpec | str | dict = "ecsi",
    max_segments: int = 4,
    **options: Any,
) -> FIMIXSelection:
    """Fit FIMIX-PLS with 1 … ``max_segments`` segments on one global model."""
    if int(max_segments) < 1:
        raise InputError(_("max segments must be at least 1"))
    model = PLSPathModel(spec=spec).fit(data)
    fits = {
        k: FIMIXPLS(spec=spec, n_segments=k, **options).fit(data, model=model)
        for k in range(1, int(max_segments) + 1)
    }
    return FIMIXSelection(fits)
