r"""How a PLS path model is estimated and reported: the ``PLSPathModel`` estimator.

.. math::

    x_k = \lambda_k\,\xi_{j(k)} + \varepsilon_k \ \text{(outer, Mode A)}, \qquad
    \xi_j = \textstyle\sum_k w_k x_k \ \text{(Mode B)}, \qquad
    \xi_j = \sum_{i \to j} \beta_{ij}\,\xi_i + \zeta_j \ \text{(inner)}

Wold's iterative algorithm in Lohmöller's formulation: Mode A and Mode B blocks;
path, centroid or factorial inner weighting; standardised or centred indicators;
convergence on the largest change in an outer weight; missing answers replaced by the
item mean or the respondent dropped (listwise), and the choice reported; consistent
PLS (:mod:`patron.analyze.csi.plsc`) as an option. The numbers come from
:mod:`patron.analyze.csi.engine`, which works on the indicators' correlation matrix.

References
----------
.. [1] Lohmöller, J.-B. (1989). Latent Variable Path Modeling with Partial Least
   Squares. Physica.
.. [2] Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path
   modeling. Computational Statistics & Data Analysis 48, 159-205.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.base import PatronEstimator, summary_frame
from patron.analyze.csi import engine
from patron.analyze.csi.data import load_answers
from patron.analyze.csi.plsc import correct
from patron.analyze.csi.quality import QualityReport, assess
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import ConvergenceWarning, InputError

MISSING = ("mean", "listwise")


def resolve_spec(model: ModelSpec | str | Path | dict) -> ModelSpec:
    """A specification from a preset name ("acsi", "ecsi"), a YAML path or a dict."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, dict):
        return ModelSpec.from_dict(model)
    from patron.analyze.csi.presets import PRESETS, preset

    text = str(model)
    if text.lower() in PRESETS:
        return preset(text.lower())
    path = Path(text)
    if path.suffix.lower() in {".yaml", ".yml"} or path.exists():
        return ModelSpec.from_yaml(path)
    raise InputError(
        _("unknown model '{name}': use {presets} or a YAML specification file").format(
            name=text, presets=", ".join(sorted(PRESETS))
        )
    )


@cache
def _item_index(constructs: tuple[str, ...], items: tuple[str, ...]) -> pd.MultiIndex:
    # Building a MultiIndex costs more than the PLS algorithm itself: reuse it.
    return pd.MultiIndex.from_arrays([list(constructs), list(items)], names=["construct", "item"])


class PLSPathModel(PatronEstimator):
    """Partial least squares path model (PLS-PM / PLS-SEM).

    Parameters
    ----------
    spec : ModelSpec, str or dict
        The model: a :class:`ModelSpec`, a preset name ("acsi", "ecsi") or a YAML file.
    scheme : {"path", "centroid", "factorial"}, default="path"
        Inner weighting scheme.
    standardized : bool, default=True
        Standardise the indicators (the usual choice); ``False`` only centres them.
    missing : {"mean", "listwise"}, default="mean"
        Replace a missing answer by the item's mean, or drop the respondent.
    consistent : bool, default=False
        Correct paths, R² and loadings of Mode A blocks for attenuation (PLSc).
    tol : float, default=1e-7
        Stop when no outer weight changes by more than this.
    max_iter : int, default=300

    Attributes
    ----------
    weights_ : Series
        Outer weights (for standardised items), indexed by item.
    loadings_ : Series
        Outer loadings (consistent loadings when ``consistent``).
    cross_loadings_ : DataFrame
        Correlation of every item with every construct.
    scores_ : DataFrame
        Latent-variable scores (mean 0, variance 1), one row per respondent.
    path_coefficients_ : DataFrame
        Direct effects, rows = from, columns = to.
    total_effects_, indirect_effects_ : DataFrame
    r2_, r2_adj_ : Series
        R² and adjusted R² of the endogenous constructs.
    f2_ : DataFrame
        Cohen's f² of each path (rows from, to).
    construct_correlations_ : DataFrame
    rho_a_ : Series
        Dijkstra–Henseler ρA (used by PLSc).
    quality_ : QualityReport
    converged_ : bool
    n_iter_ : int
    n_obs_ : int
    scale_ : tuple of float
        The answer scale (lowest, highest): the specification's, else the observed range.
    missing_ : dict
        ``{"method", "rows_dropped", "values_replaced", "rows_without_answers"}``.
    bootstrap_ : BootstrapResult or None
        Set by :meth:`bootstrap`.

    Examples
    --------
    >>> from patron.analyze.csi import PLSPathModel, load_mobi
    >>> model = PLSPathModel(spec="ecsi").fit(load_mobi())
    >>> round(float(model.r2_["satisfaction"]), 4)
    0.6811
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        scheme: str = "path",
        standardized: bool = True,
        missing: str = "mean",
        consistent: bool = False,
        tol: float = 1e-7,
        max_iter: int = 300,
    ) -> None:
        self.spec = spec
        self.scheme = scheme
        self.standardized = standardized
        self.missing = missing
        self.consistent = consistent
        self.tol = tol
        self.max_iter = max_iter

    _fitted_attr = "n_obs_"

    def __repr__(self) -> str:
        name = type(self).__name__
        if not self.is_fitted:
            return f"<{name}: not fitted>"
        return f"<{name}: {self.spec_.name}, {self.n_obs_} respondents, fitted>"

    # -- fitting ----------------------------------------------------------------
    def _check_params(self) -> None:
        if self.scheme not in engine.SCHEMES:
            raise InputError(
                _("scheme must be one of {choices}, not '{value}'").format(
                    choices=", ".join(engine.SCHEMES), value=self.scheme
                )
            )
        if self.missing not in MISSING:
            raise InputError(
                _("missing must be one of {choices}, not '{value}'").format(
                    choices=", ".join(MISSING), value=self.missing
                )
            )
        if not (self.tol > 0 and int(self.max_iter) >= 1):
            raise InputError(_("tol must be positive and max_iter at least 1"))

    def _prepare(self, data: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, np.ndarray]:
        frame = load_answers(data)
        spec = self.spec_
        spec.check_columns(frame.columns, source=frame.attrs.get("source", "data"))
        items = spec.items
        block = frame[items]
        numeric = all(pd.api.types.is_numeric_dtype(t) for t in block.dtypes)
        if not numeric:
            block = block.apply(pd.to_numeric, errors="coerce")
        for column in [] if numeric else items:
            bad = block[column].isna() & frame[column].notna()
            if bad.any():
                row = frame.index[bad.to_numpy().nonzero()[0][0]]
                raise InputError(
                    _("column {column}: value {value!r} (row {row}) is not a number").format(
                        column=column, value=frame.loc[row, column], row=row
                    )
                )
        x = block.to_numpy(dtype=float)
        holes = np.isnan(x)
        # Respondents who answered none of the model's items (e.g. another survey's
        # answers in the same table) are not respondents of this model: drop them.
        empty = holes.all(axis=1)
        if empty.any():
            frame, x, holes = frame.loc[~empty], x[~empty], holes[~empty]
        dropped = replaced = 0
        if holes.any():
            if self.missing == "listwise":
                keep = ~holes.any(axis=1)
                dropped = int((~keep).sum())
                frame, x = frame.loc[keep], x[keep]
            else:
                means = np.nanmean(x, axis=0)
                replaced = int(holes.sum())
                x = np.where(holes, means[None, :], x)
        self.missing_ = {
            "method": self.missing,
            "rows_dropped": dropped,
            "values_replaced": replaced,
            "rows_without_answers": int(empty.sum()),
        }
        if len(x) < 3:
            raise InputError(
                _("only {n} complete respondents: too few to estimate").format(n=len(x))
            )
        return frame, x

    def fit(self, data: pd.DataFrame | str | Path) -> PLSPathModel:
        """Estimate the model on a wide or long table of answers (or a file)."""
        self._check_params()
        self.spec_ = resolve_spec(self.spec)
        frame, x = self._prepare(data)
        spec = self.spec_
        layout = engine.Layout.from_spec(spec)
        self._layout = layout
        self._frame_index = frame.index
        self._x = x
        n, p = x.shape
        self.scale_ = spec.scale or (float(x.min()), float(x.max()))
        self._means = x.mean(axis=0)
        # One pass for the cross-products; means and SDs follow from them.
        centred = x - self._means
        cov = centred.T @ centred / (n - 1)
        self._sd = np.sqrt(np.diag(cov))
        for column, value in zip(spec.items, self._sd, strict=True):
            if not np.isfinite(value) or value == 0:
                raise InputError(
                    _("column {column} has the same answer for every respondent: drop it").format(
                        column=column
                    )
                )
        corr = cov / np.outer(self._sd, self._sd)
        self._corr = corr
        moments = corr if self.standardized else cov
        est = engine.estimate(
            moments, layout, scheme=self.scheme, tol=self.tol, max_iter=int(self.max_iter)
        )
        self._estimates = est
        self.converged_ = bool(est.converged[0])
        self.n_iter_ = int(est.iterations)
        self.n_obs_ = int(n)
        if not self.converged_:
            warnings.warn(
                _(
                    "PLS did not converge in {n} iterations (tolerance {tol}); the estimates "
                    "may be unreliable: raise max_iter or check the items"
                ).format(n=self.max_iter, tol=self.tol),
                ConvergenceWarning,
                stacklevel=2,
            )
        raw_weights = est.weights[0]
        std_weights = raw_weights if self.standardized else raw_weights * self._sd
        self._std_weights = std_weights
        names = layout.constructs
        modes = [c.mode for c in spec.constructs]
        self._modes = modes
        std_est = engine.Estimates(
            weights=std_weights[None],
            construct_cov=est.construct_cov,
            loadings=est.loadings,
            cross_loadings=est.cross_loadings,
            paths=est.paths,
            r2=est.r2,
            converged=est.converged,
            iterations=est.iterations,
        )
        consistent = correct(corr[None], std_est, layout, modes)
        self.rho_a_ = pd.Series(consistent.rho_a[0], index=names, name="rho_a")
        if self.consistent:
            r_lv, paths, r2, loadings = (
                consistent.construct_cov[0],
                consistent.paths[0],
                consistent.r2[0],
                consistent.loadings[0],
            )
        else:
            r_lv, paths, r2, loadings = (
                est.construct_cov[0],
                est.paths[0],
                est.r2[0],
                est.loadings[0],
            )
        self._r_lv, self._paths, self._r2 = r_lv, paths, r2
        item_index = _item_index(tuple(names[j] for j in layout.block), tuple(layout.items))
        self.weights_ = pd.Series(std_weights, index=item_index, name="weight")
        self.loadings_ = pd.Series(loadings, index=item_index, name="loading")
        self.cross_loadings_ = pd.DataFrame(est.cross_loadings[0], index=item_index, columns=names)
        item_weights = raw_weights / self._sd if self.standardized else raw_weights
        scores = centred @ (item_weights[:, None] * layout.membership)
        self.scores_ = pd.DataFrame(scores, index=frame.index, columns=names)
        self.path_coefficients_ = pd.DataFrame(paths, index=names, columns=names)
        total = engine.total_effects(paths[None])[0]
        self.total_effects_ = pd.DataFrame(total, index=names, columns=names)
        self.indirect_effects_ = pd.DataFrame(total - paths, index=names, columns=names)
        endo = [names[j] for j in layout.endogenous]
        self.r2_ = pd.Series(r2[layout.endogenous], index=endo, name="r2")
        k = np.array([len(layout.predecessors[j]) for j in layout.endogenous])
        self.r2_adj_ = pd.Series(
            1 - (1 - self.r2_.to_numpy()) * (n - 1) / (n - k - 1), index=endo, name="r2_adj"
        )
        self.construct_correlations_ = pd.DataFrame(r_lv, index=names, columns=names)
        self._quality: QualityReport | None = None
        self._f2: pd.DataFrame | None = None
        self.bootstrap_ = None
        return self

    @property
    def quality_(self) -> QualityReport:
        """Reliability, validity, collinearity and fit (computed on first use)."""
        self.check_is_fitted()
        if self._quality is None:
            est = self._estimates
            self._quality = assess(
                self._corr,
                self._std_weights,
                est.loadings[0],
                est.construct_cov[0],
                self._layout,
                self._modes,
            )
            if self.consistent:
                self._quality.verdicts.append(
                    _("Paths, R² and loadings are consistent (PLSc) estimates.")
                )
        return self._quality

    @property
    def f2_(self) -> pd.DataFrame:
        """Cohen's f² of every path (computed on first use)."""
        self.check_is_fitted()
        if self._f2 is None:
            self._f2 = self._effect_sizes(self._r_lv, self._r2)
        return self._f2

    def _effect_sizes(self, r_lv: np.ndarray, r2: np.ndarray) -> pd.DataFrame:
        layout = self._layout
        names = layout.constructs
        rows = []
        for j in layout.endogenous:
            pred = list(layout.predecessors[j])
            for i in pred:
                rest = [q for q in pred if q != i]
                if rest:
                    beta = np.linalg.solve(r_lv[np.ix_(rest, rest)], r_lv[rest, j])
                    excluded = float(beta @ r_lv[rest, j])
                else:
                    excluded = 0.0
                rows.append(
                    {"from": names[i], "to": names[j], "f2": (r2[j] - excluded) / (1 - r2[j])}
                )
        return pd.DataFrame(rows, columns=["from", "to", "f2"]).set_index(["from", "to"])

    # -- views ------------------------------------------------------------------
    @property
    def paths_(self) -> pd.DataFrame:
        """The structural paths as rows (from, to, coef)."""
        self.check_is_fitted()
        rows = [(a, b, self.path_coefficients_.loc[a, b]) for a, b in self.spec_.paths]
        return pd.DataFrame(rows, columns=["from", "to", "coef"])

    def unstandardized_weights(self) -> pd.Series:
        """Outer weights for the raw items, normalised to sum to one in each block (ACSI)."""
        self.check_is_fitted()
        raw = self._std_weights / self._sd
        sums = raw @ self._layout.membership
        return pd.Series(raw / sums[self._layout.block], index=self.weights_.index, name="weight")

    def _summary(self) -> pd.DataFrame:
        """Path coefficients; with a bootstrap, its SE, 95% percentile interval and p
        (``z`` = coef / SE); without one, only ``coef`` (the rest NaN)."""
        index = pd.Index([f"{a} -> {b}" for a, b in self.spec_.paths], name="path")
        coef = self.paths_["coef"].to_numpy()
        if self.bootstrap_ is None:
            return summary_frame(coef, index=index, name="path")
        boot = self.bootstrap_.table("paths")
        return summary_frame(
            coef,
            boot["se"].to_numpy(),
            index=index,
            lower=boot["lower"].to_numpy(),
            upper=boot["upper"].to_numpy(),
            p=boot["p"].to_numpy(),
            name="path",
        )

    def bootstrap(self, n_resamples: int = 5000, **options: Any):
        """Bootstrap the fitted model (see :func:`patron.analyze.csi.bootstrap.bootstrap`)."""
        from patron.analyze.csi.bootstrap import bootstrap

        self.check_is_fitted()
        self.bootstrap_ = bootstrap(self, n_resamples=n_resamples, **options)
        return self.bootstrap_

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        facts = {
            _("model"): self.spec_.name,
            _("respondents"): self.n_obs_,
            _("inner scheme"): self.scheme,
            _("converged"): _("yes") if self.converged_ else _("no"),
            _("iterations"): self.n_iter_,
            _("missing values"): self._missing_text(),
            _("SRMR"): self.quality_.srmr,
        }
        r2 = pd.DataFrame({"R²": self.r2_, _("adjusted R²"): self.r2_adj_})
        r2.index = [self._display(c) for c in r2.index]
        r2.index.name = _("construct")
        reliability = self.quality_.reliability[["alpha", "rho_a", "rho_c", "ave"]].rename(
            columns={"alpha": "α", "rho_a": "ρA", "rho_c": "ρC", "ave": "AVE"}
        )
        reliability.index = pd.Index(
            [self._display(c) for c in reliability.index], name=_("construct")
        )
        summary = self.summary
        summary.index = pd.Index(
            [f"{self._display(a)} -> {self._display(b)}" for a, b in self.spec_.paths],
            name=summary.index.name,
        )
        if self.bootstrap_ is None:
            summary = summary[["coef"]]
        tables = [
            (_("Path coefficients"), summary),
            (_("Explained variance"), r2),
            (_("Reliability"), reliability),
        ]
        return Printer(
            title=_("PLS path model"),
            facts=facts,
            tables=tables,
            notes=list(self.quality_.verdicts),
            decimals=decimals,
        )

    def _display(self, construct: str) -> str:
        """A construct's name for people: its Chinese label in Chinese, else its name."""
        from patron.core.i18n import current_language

        if current_language() == "zh_CN":
            return self.spec_.label(construct)
        return construct

    def _missing_text(self) -> str:
        m = self.missing_
        if m["method"] == "listwise":
            return _("listwise: {n} respondents dropped").format(n=m["rows_dropped"])
        return _("mean replacement: {n} values replaced").format(n=m["values_replaced"])

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON output."""
        self.check_is_fitted()
        return {
            "model": self.spec_.name,
            "respondents": self.n_obs_,
            "scheme": self.scheme,
            "consistent": bool(self.consistent),
            "converged": self.converged_,
            "iterations": self.n_iter_,
            "missing": self.missing_,
            "paths": self.summary.reset_index().replace({np.nan: None}).to_dict(orient="records"),
            "r2": self.r2_.to_dict(),
            "r2_adj": self.r2_adj_.to_dict(),
            "weights": {f"{c}/{i}": v for (c, i), v in self.weights_.items()},
            "loadings": {f"{c}/{i}": v for (c, i), v in self.loadings_.items()},
            "quality": self.quality_.to_dict(),
        }
