r"""Constructs made of constructs: higher-order constructs (HOC) in PLS-SEM.

A higher-order construct (say *satisfaction* made of *image* and *value*) has no items
of its own; its lower-order constructs (its *dimensions*) have. Two ways to estimate it
(Becker, Klein & Wetzels 2012; Sarstedt et al. 2019):

* ``"two_stage"`` (the embedded two-stage approach, as seminr's ``higher_composite``):
  stage 1 replaces the HOC by its dimensions - each of the HOC's antecedents points to
  every dimension and every dimension to each of the HOC's outcomes - and estimates
  that model; stage 2 uses the dimensions' scores as the HOC's items (Mode A for a
  reflective, Mode B for a formative HOC) in the model as specified;
* ``"repeated"`` (repeated indicators): the HOC is measured by all its dimensions'
  items at once (copied, as ``item@HOC``), with paths HOC → dimensions for a
  reflective HOC (Mode A) or dimensions → HOC for a formative one (Mode B).

A specification marks a HOC by ``dimensions`` instead of ``items``::

    constructs:
      image: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
      value: [PERV1, PERV2]
      satisfaction: {dimensions: [image, value], mode: A}

References
----------
.. [1] Becker, J.-M., Klein, K. & Wetzels, M. (2012). Hierarchical latent variable models
   in PLS-SEM: guidelines for using reflective-formative type models. Long Range
   Planning 45(5-6), 359-394.
.. [2] Sarstedt, M., Hair, J. F., Cheah, J.-H., Becker, J.-M. & Ringle, C. M. (2019). How
   to specify, estimate, and validate higher-order constructs in PLS-SEM. Australasian
   Marketing Journal 27(3), 197-211.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from patron.analyze.base import PatronEstimator
from patron.analyze.csi.data import load_answers
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.spec import Construct, ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

METHODS = ("two_stage", "repeated")


def split_specification(raw: Mapping[str, Any] | str | Path) -> tuple[ModelSpec, dict[str, Any]]:
    """The lower-order model (HOCs stand in with placeholder items) and the HOCs:
    ``{name: {"dimensions": [...], "mode": "A"|"B"}}``."""
    if not isinstance(raw, Mapping):
        path = Path(str(raw))
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise InputError(
                _("{path}: cannot read the specification ({error})").format(path=path, error=error)
            ) from None
        if not isinstance(raw, Mapping):
            raise InputError(_("{path}: expected a mapping at the top level").format(path=path))
    constructs = dict(raw.get("constructs") or {})
    hocs: dict[str, Any] = {}
    for name, body in constructs.items():
        if isinstance(body, Mapping) and "dimensions" in body:
            dims = [str(d) for d in body.get("dimensions") or []]
            if len(dims) < 2:
                raise InputError(
                    _("higher-order construct '{name}' needs at least two dimensions").format(
                        name=name
                    )
                )
            mode = str(body.get("mode", "A")).upper()
            hocs[str(name)] = {"dimensions": dims, "mode": mode}
            constructs[name] = {"items": [f"__hoc__{name}"], "mode": mode}
    if not hocs:
        raise InputError(_("the specification has no construct with 'dimensions'"))
    raw_paths = raw.get("paths") or []
    if isinstance(raw_paths, Mapping):
        raw_paths = [
            f"{a} -> {b}"
            for a, targets in raw_paths.items()
            for b in ([targets] if isinstance(targets, str) else targets or [])
        ]
    # Dimensions may connect to the model only through their HOC: link them for the
    # validation (no construct without a path), then drop these links.
    links = [f"{d} -> {h}" for h, hoc in hocs.items() for d in hoc["dimensions"]]
    full = ModelSpec.from_dict(
        {**raw, "constructs": constructs, "paths": list(raw_paths) + links},
        source="specification",
    )
    extra = {(d, h) for h, hoc in hocs.items() for d in hoc["dimensions"]}
    spec = ModelSpec(
        constructs=full.constructs,
        paths=tuple(p for p in full.paths if p not in extra),
        name=full.name,
        scale=full.scale,
        target=full.target,
        labels=full.labels,
    )
    names = set(spec.construct_names)
    for name, hoc in hocs.items():
        for dim in hoc["dimensions"]:
            if dim not in names or dim in hocs:
                raise InputError(
                    _(
                        "higher-order construct '{name}': dimension '{dim}' is not a "
                        "lower-order construct of the model"
                    ).format(name=name, dim=dim)
                )
    return spec, hocs


def _rebuild(spec: ModelSpec, constructs: list[Construct], paths: list[tuple[str, str]]):
    out = ModelSpec(
        constructs=tuple(constructs),
        paths=tuple(dict.fromkeys(paths)),
        name=spec.name,
        scale=spec.scale,
        target=spec.target,
        labels=spec.labels,
    )
    out.validate()
    return out


class HigherOrderModel(PatronEstimator):
    """A PLS path model with higher-order constructs.

    Parameters
    ----------
    spec : dict or YAML path
        Lower-order constructs with ``items``, higher-order ones with ``dimensions``
        (and ``mode``: A reflective, B formative), and the paths.
    method : {"two_stage", "repeated"}, default="two_stage"
    n_resamples : int, default=0
        Bootstrap the final model (0: none).
    seed : int or None
    scheme, missing
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    model_ : PLSPathModel
        The final model (stage 2, or the repeated-indicators model).
    first_stage_ : PLSPathModel or None
    path_coefficients_ : DataFrame
    weights_, loadings_ : Series
        Indexed (construct, item): the HOC's "items" are its dimensions (two-stage).

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.hoc import HigherOrderModel
    >>> spec = {"constructs": {"quality": [f"PERQ{i}" for i in range(1, 8)],
    ...                        "image": [f"IMAG{i}" for i in range(1, 6)],
    ...                        "value": ["PERV1", "PERV2"],
    ...                        "satisfaction": {"dimensions": ["image", "value"]},
    ...                        "loyalty": ["CUSL1", "CUSL2", "CUSL3"]},
    ...         "paths": ["quality -> satisfaction", "satisfaction -> loyalty"]}
    >>> m = HigherOrderModel(spec=spec).fit(load_mobi())
    >>> round(float(m.path_coefficients_.loc["satisfaction", "loyalty"]), 3)
    0.628
    """

    def __init__(
        self,
        *,
        spec: Mapping[str, Any] | str | Path,
        method: str = "two_stage",
        n_resamples: int = 0,
        seed: int | None = None,
        scheme: str = "path",
        missing: str = "mean",
    ) -> None:
        self.spec = spec
        self.method = method
        self.n_resamples = n_resamples
        self.seed = seed
        self.scheme = scheme
        self.missing = missing

    _fitted_attr = "model_"

    def fit(self, data: pd.DataFrame | str | Path) -> HigherOrderModel:
        """Estimate the model with its higher-order constructs."""
        if self.method not in METHODS:
            raise InputError(
                _("method must be one of {choices}, not '{value}'").format(
                    choices=", ".join(METHODS), value=self.method
                )
            )
        spec, hocs = split_specification(self.spec)
        frame = load_answers(data).copy()
        lower = [c for c in spec.constructs if c.name not in hocs]
        ModelSpec(constructs=tuple(lower), paths=()).check_columns(
            frame.columns, source=frame.attrs.get("source", "data")
        )
        self.hocs_ = hocs
        options = {"scheme": self.scheme, "missing": self.missing}
        if self.method == "two_stage":
            final_spec, frame = self._two_stage(spec, hocs, lower, frame, options)
        else:
            final_spec, frame = self._repeated(spec, hocs, lower, frame)
            self.first_stage_ = None
        model = PLSPathModel(spec=final_spec, **options).fit(frame)
        if int(self.n_resamples) > 0:
            model.bootstrap(n_resamples=int(self.n_resamples), seed=self.seed, bca=False)
        self.model_ = model
        self.spec_ = final_spec
        self.path_coefficients_ = model.path_coefficients_
        if self.first_stage_ is not None:
            dims = {d for h in hocs.values() for d in h["dimensions"]}
            first = self.first_stage_
            keep = first.weights_.index.get_level_values("construct").isin(list(dims))
            self.weights_ = pd.concat([model.weights_, first.weights_[keep]])
            self.loadings_ = pd.concat([model.loadings_, first.loadings_[keep]])
        else:
            self.weights_, self.loadings_ = model.weights_, model.loadings_
        return self

    def _two_stage(self, spec, hocs, lower, frame, options):
        paths = list(spec.paths)
        for name, hoc in hocs.items():
            before = [a for a, b in paths if b == name]
            after = [b for a, b in paths if a == name]
            paths = [(a, b) for a, b in paths if name not in (a, b)]
            for dim in hoc["dimensions"]:
                paths += [(a, dim) for a in before] + [(dim, b) for b in after]
        stage1 = _rebuild(spec, lower, paths)
        self.first_stage_ = PLSPathModel(spec=stage1, **options).fit(frame)
        scores = self.first_stage_.scores_
        constructs = []
        dims_all = {d for h in hocs.values() for d in h["dimensions"]}
        for c in spec.constructs:
            if c.name in hocs:
                items = []
                for dim in hocs[c.name]["dimensions"]:
                    column = dim if dim not in frame.columns else f"{dim} (score)"
                    frame[column] = scores[dim].reindex(frame.index)
                    items.append(column)
                constructs.append(Construct(c.name, tuple(items), hocs[c.name]["mode"]))
            elif c.name not in dims_all:
                constructs.append(c)
        # Rows without answers were dropped in stage 1; drop them here too.
        frame = frame.loc[scores.index]
        return _rebuild(spec, constructs, list(spec.paths)), frame

    def _repeated(self, spec, hocs, lower, frame):
        items_of = {c.name: list(c.items) for c in lower}
        constructs = list(lower)
        paths = list(spec.paths)
        for name, hoc in hocs.items():
            items = []
            for dim in hoc["dimensions"]:
                for item in items_of[dim]:
                    frame[f"{item}@{name}"] = frame[item]
                    items.append(f"{item}@{name}")
                paths.append((name, dim) if hoc["mode"] == "A" else (dim, name))
            constructs.append(Construct(name, tuple(items), hoc["mode"]))
        order = [c.name for c in spec.constructs]
        constructs.sort(key=lambda c: order.index(c.name))
        return _rebuild(spec, constructs, paths), frame

    # -- views --------------------------------------------------------------------------
    def _summary(self) -> pd.DataFrame:
        return self.model_._summary()

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        summary = self.summary
        if self.model_.bootstrap_ is None:
            summary = summary[["coef"]]
        hoc_rows = []
        for name, hoc in self.hocs_.items():
            for dim in hoc["dimensions"]:
                key = dim if self.method == "two_stage" else None
                if key is None:
                    coef = (
                        self.path_coefficients_.loc[name, dim]
                        if hoc["mode"] == "A"
                        else (self.path_coefficients_.loc[dim, name])
                    )
                    hoc_rows.append(
                        {"construct": name, "dimension": dim, "weight": np.nan, "loading": coef}
                    )
                    continue
                item = next(i for i in self.model_.weights_.loc[name].index if i.startswith(dim))
                hoc_rows.append(
                    {
                        "construct": name,
                        "dimension": dim,
                        "weight": self.model_.weights_.loc[(name, item)],
                        "loading": self.model_.loadings_.loc[(name, item)],
                    }
                )
        method = _("two-stage") if self.method == "two_stage" else _("repeated indicators")
        return Printer(
            title=_("PLS model with higher-order constructs"),
            facts={_("respondents"): self.model_.n_obs_, _("method"): method},
            tables=[
                (_("Path coefficients"), summary),
                (
                    _("Dimensions of the higher-order constructs"),
                    pd.DataFrame(hoc_rows).set_index("construct"),
                ),
            ],
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        return {
            "respondents": self.model_.n_obs_,
            "method": self.method,
            "paths": self.summary.reset_index().replace({np.nan: None}).to_dict("records"),
            "weights": {f"{c}/{i}": v for (c, i), v in self.weights_.items()},
            "loadings": {f"{c}/{i}": v for (c, i), v in self.loadings_.items()},
        }
