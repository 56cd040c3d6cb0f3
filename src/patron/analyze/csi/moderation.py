r"""Does a driver's effect depend on a third construct: interaction terms in PLS-SEM.

A moderator M changes the effect of a predictor X on an outcome Y when the structural
equation holds a product term, :math:`Y = \beta_1 X + \beta_2 M + \beta_3 (X\cdot M) +
\zeta`. The product construct is built in one of three ways (Henseler & Chin 2010;
Becker, Ringle & Sarstedt 2018), as seminr's ``interaction_term`` does:

* ``"two_stage"``: estimate the model without interaction, multiply X's and M's
  standardised scores, and use the product as the single item of ``X*M`` (default;
  works with formative constructs);
* ``"product"``: every product of X's and M's standardised items is an item of ``X*M``
  (Mode A);
* ``"orthogonal"``: those products, each replaced by its residual on all of X's and M's
  items, so the term carries nothing of the main effects.

Simple slopes: the effect of X on Y is :math:`\beta_1 + \beta_3 m` at moderator level
m (standardised: -1 SD, mean, +1 SD); :meth:`ModerationModel.chart` draws them.

With ``n_resamples`` the second-stage model is bootstrapped with the interaction items
held as computed on the full sample (as a product-indicator model in PLS software is).

References
----------
.. [1] Henseler, J. & Chin, W. W. (2010). A comparison of approaches for the analysis of
   interaction effects between latent variables using partial least squares path
   modeling. Structural Equation Modeling 17(1), 82-109.
.. [2] Becker, J.-M., Ringle, C. M. & Sarstedt, M. (2018). Estimating moderating
   effects in PLS-SEM and PLSc-SEM: interaction term generation × data treatment.
   Journal of Applied Structural Equation Modeling 2(2), 1-21.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.base import PatronEstimator
from patron.analyze.csi.data import load_answers
from patron.analyze.csi.pls import PLSPathModel, resolve_spec
from patron.analyze.csi.spec import Construct, ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

METHODS = ("two_stage", "product", "orthogonal")
LEVELS = (-1.0, 0.0, 1.0)


def _standardise(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame - frame.mean()) / frame.std(ddof=1)


def interaction_items(
    data: pd.DataFrame, x_items: list[str], m_items: list[str], *, orthogonal: bool
) -> pd.DataFrame:
    """Products of the standardised items (``X1*M1`` …), orthogonalised on request."""
    zx, zm = _standardise(data[x_items]), _standardise(data[m_items])
    products = pd.DataFrame(
        {f"{a}*{b}": zx[a].to_numpy() * zm[b].to_numpy() for a in x_items for b in m_items},
        index=data.index,
    )
    if orthogonal:
        design = np.column_stack([np.ones(len(data)), data[x_items + m_items].to_numpy(float)])
        beta = np.linalg.lstsq(design, products.to_numpy(), rcond=None)[0]
        products = products - design @ beta
    return products


class ModerationModel(PatronEstimator):
    """A PLS path model with interaction terms (moderation).

    Parameters
    ----------
    spec : ModelSpec, str or dict
        The model with its main effects (X -> Y and M -> Y must be paths).
    interactions : list of (predictor, moderator, outcome)
        Each adds the construct ``predictor*moderator`` and its path to ``outcome``.
    method : {"two_stage", "product", "orthogonal"}, default="two_stage"
    n_resamples : int, default=0
        Bootstrap resamples for SEs and intervals (0: none).
    seed : int or None
    scheme, missing
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    model_ : PLSPathModel
        The (second-stage) model with the interaction constructs.
    first_stage_ : PLSPathModel or None
        The model without interactions (two-stage method).
    slopes_ : DataFrame
        Simple slopes: interaction, moderator level, slope.

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.moderation import ModerationModel
    >>> spec = {"constructs": {"image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    ...         "value": ["PERV1", "PERV2"], "satisfaction": ["CUSA1", "CUSA2", "CUSA3"]},
    ...         "paths": ["image -> satisfaction", "value -> satisfaction"]}
    >>> m = ModerationModel(spec=spec, interactions=[("image", "value", "satisfaction")])
    >>> "image*value -> satisfaction" in m.fit(load_mobi()).summary.index
    True
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict,
        interactions: list[tuple[str, str, str]] | None = None,
        method: str = "two_stage",
        n_resamples: int = 0,
        seed: int | None = None,
        scheme: str = "path",
        missing: str = "mean",
    ) -> None:
        self.spec = spec
        self.interactions = interactions
        self.method = method
        self.n_resamples = n_resamples
        self.seed = seed
        self.scheme = scheme
        self.missing = missing

    _fitted_attr = "model_"

    def _checked(self, spec: ModelSpec) -> list[tuple[str, str, str]]:
        if self.method not in METHODS:
            raise InputError(
                _("method must be one of {choices}, not '{value}'").format(
                    choices=", ".join(METHODS), value=self.method
                )
            )
        terms = [tuple(t) for t in (self.interactions or [])]
        if not terms:
            raise InputError(_("name at least one interaction: predictor, moderator, outcome"))
        for term in terms:
            if len(term) != 3:
                raise InputError(
                    _("interaction {term!r} must be (predictor, moderator, outcome)").format(
                        term=term
                    )
                )
            x, m, y = term
            for name in term:
                if name not in spec.construct_names:
                    raise InputError(
                        _("interaction {term}: '{name}' is not a construct ({names})").format(
                            term=" × ".join(term[:2]),
                            name=name,
                            names=", ".join(spec.construct_names),
                        )
                    )
            for source in (x, m):
                if (source, y) not in spec.paths:
                    raise InputError(
                        _(
                            "interaction {x} × {m}: the model needs the main effect "
                            "{source} -> {y} as a path"
                        ).format(x=x, m=m, source=source, y=y)
                    )
        return terms  # type: ignore[return-value]

    def fit(self, data: pd.DataFrame | str | Path) -> ModerationModel:
        """Build the interaction terms and estimate the model with them."""
        spec = resolve_spec(self.spec)
        terms = self._checked(spec)
        frame = load_answers(data)
        spec.check_columns(frame.columns, source=frame.attrs.get("source", "data"))
        frame = frame.dropna(subset=list(spec.items)) if self.missing == "listwise" else frame
        frame = frame.copy()
        frame[list(spec.items)] = frame[list(spec.items)].fillna(frame[list(spec.items)].mean())
        items_of = {c.name: list(c.items) for c in spec.constructs}
        self.first_stage_ = None
        if self.method == "two_stage":
            self.first_stage_ = PLSPathModel(
                spec=spec, scheme=self.scheme, missing=self.missing
            ).fit(frame)
            scores = self.first_stage_.scores_
            # Respondents stage 1 could not use (no answers at all) leave stage 2 too.
            frame = frame.loc[scores.index]
        extra_constructs, extra_paths = [], []
        for x, m, y in terms:
            name = f"{x}*{m}"
            if self.method == "two_stage":
                column = f"{name}_intxn"
                frame[column] = (scores[x] * scores[m]).reindex(frame.index)
                items = [column]
            else:
                products = interaction_items(
                    frame, items_of[x], items_of[m], orthogonal=self.method == "orthogonal"
                )
                frame = pd.concat([frame, products], axis=1)
                items = list(products.columns)
            extra_constructs.append(Construct(name=name, items=tuple(items)))
            extra_paths.append((name, y))
        full = ModelSpec(
            constructs=spec.constructs + tuple(extra_constructs),
            paths=spec.paths + tuple(extra_paths),
            name=spec.name,
            scale=spec.scale,
            target=spec.target,
            labels=spec.labels,
        )
        full.validate()
        self.spec_ = full
        self.terms_ = terms
        model = PLSPathModel(spec=full, scheme=self.scheme, missing=self.missing).fit(frame)
        if int(self.n_resamples) > 0:
            model.bootstrap(n_resamples=int(self.n_resamples), seed=self.seed, bca=False)
        self.model_ = model
        # Henseler & Chin (2010): the interaction's score is put back on the scale of its
        # unstandardised product items (loading-weighted mean SD), so its coefficient is
        # the change in Y's slope on X per SD of M - what simple slopes need.
        loadings = model.loadings_
        self.scale_ = {}
        for x, m, _y in terms:
            name = f"{x}*{m}"
            lam = loadings.loc[name].abs()
            sd = frame[list(lam.index)].std(ddof=1)
            self.scale_[name] = float((sd * lam).sum() / lam.sum())
        paths = model.path_coefficients_.copy()
        for name, a in self.scale_.items():
            paths.loc[name] /= a
        self.path_coefficients_ = paths
        rows = []
        for x, m, y in terms:
            b1, b3 = paths.loc[x, y], paths.loc[f"{x}*{m}", y]
            for level in LEVELS:
                rows.append(
                    {
                        "interaction": f"{x}*{m} -> {y}",
                        "moderator level": level,
                        "slope": b1 + b3 * level,
                    }
                )
        self.slopes_ = pd.DataFrame(rows)
        return self

    # -- views --------------------------------------------------------------------------
    @property
    def predictor(self) -> str:
        return self.terms_[0][0]

    @property
    def moderator(self) -> str:
        return self.terms_[0][1]

    @property
    def outcome(self) -> str:
        return self.terms_[0][2]

    def _summary(self) -> pd.DataFrame:
        table = self.model_._summary()
        for name, a in self.scale_.items():
            rows = table.index.str.startswith(f"{name} -> ")
            for column in ("coef", "se", "lower 95%", "upper 95%"):
                table.loc[rows, column] /= a
        return table

    def simple_slopes_lines(self, term: int = 0) -> pd.DataFrame:
        """Points of the simple-slope lines of one interaction, X from -2 to +2 SD."""
        self.check_is_fitted()
        x, m, y = self.terms_[term]
        paths = self.path_coefficients_
        b1, b2, b3 = paths.loc[x, y], paths.loc[m, y], paths.loc[f"{x}*{m}", y]
        labels = {-1.0: _("{m} −1 SD"), 0.0: _("{m} at its mean"), 1.0: _("{m} +1 SD")}
        rows = []
        for level in LEVELS:
            for value in (-2.0, 2.0):
                rows.append(
                    {
                        "moderator level": labels[level].format(m=m),
                        "predictor": value,
                        "outcome": (b1 + b3 * level) * value + b2 * level,
                        "slope": b1 + b3 * level,
                    }
                )
        return pd.DataFrame(rows)

    def chart(self, term: int = 0):
        """Simple-slope plot of one interaction (Vega-Lite via Altair)."""
        from patron.analyze.csi.methods_plots import plot_simple_slopes

        self.check_is_fitted()
        if term:
            raise InputError(_("the chart shows the first interaction"))
        return plot_simple_slopes(self)

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        summary = self.summary
        if self.model_.bootstrap_ is None:
            summary = summary[["coef"]]
        method = {
            "two_stage": _("two-stage"),
            "product": _("product indicators"),
            "orthogonal": _("orthogonalised product indicators"),
        }[self.method]
        return Printer(
            title=_("Moderation: PLS model with interaction terms"),
            facts={
                _("respondents"): self.model_.n_obs_,
                _("interaction terms"): method,
            },
            tables=[
                (_("Path coefficients"), summary),
                (_("Simple slopes"), self.slopes_.set_index("interaction")),
            ],
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        paths = self.summary.reset_index().replace({np.nan: None})
        return {
            "respondents": self.model_.n_obs_,
            "method": self.method,
            "paths": paths.to_dict(orient="records"),
            "simple_slopes": self.slopes_.to_dict(orient="records"),
        }
