r"""Do the answers represent the customers: quotas, post-stratification, raking and response rates.

* **Quotas** — how many answers each cell (unit × segment × channel …) needs and how
  many it has.
* **Post-stratification** — with the customer mix known for every cell, an answer's
  weight is its cell's population share over its sample share (weights average 1).
* **Raking** (iterative proportional fitting, Deming & Stephan 1940) — with only the
  margins known (the mix by unit, by segment, by channel separately), weights are
  scaled to each margin in turn until every weighted margin matches its target; the
  result reproduces every margin (here to 1e-10) and is the weighting that stays
  closest to the starting weights in the raking-ratio sense.
* **Response rates** — answers over invitations by unit and invitation wave.

The weights feed :func:`patron.analyze.csi.programme.programme_index` as
``survey_weight``; the effective sample size :math:`(\sum w)^2/\sum w^2` says what
the weighting costs in precision (Kish 1965).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError


def _shares(target: Mapping[Any, float] | pd.Series, name: str) -> pd.Series:
    series = pd.Series(target, dtype=float) if not isinstance(target, pd.Series) else target
    series = series.astype(float)
    if series.isna().any() or (series < 0).any():
        raise InputError(
            _("margin {name}: every target must be a non-negative number").format(name=name)
        )
    if series.sum() <= 0:
        raise InputError(_("margin {name}: the targets add up to zero").format(name=name))
    series.index = series.index.astype(str)
    return series / series.sum()


def _levels(sample: pd.DataFrame, column: str, target: pd.Series) -> np.ndarray:
    if column not in sample.columns:
        raise InputError(_("answers: column {column!r} is missing").format(column=column))
    values = sample[column].astype("string")
    if values.isna().any():
        raise InputError(
            _("answers: {n} answers have no {column}").format(
                n=int(values.isna().sum()), column=column
            )
        )
    unknown = sorted(set(values) - set(target.index))
    if unknown:
        raise InputError(
            _("margin {column}: level {level!r} of the answers has no target").format(
                column=column, level=unknown[0]
            )
        )
    empty = [level for level in target.index[target > 0] if level not in set(values)]
    if empty:
        raise InputError(
            _("margin {column}: no answer in level {level!r}, which has a target").format(
                column=column, level=empty[0]
            )
        )
    return pd.Categorical(values, categories=target.index).codes


def rake(
    sample: pd.DataFrame,
    margins: Mapping[str, Mapping[Any, float] | pd.Series],
    *,
    base_weights: Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> pd.Series:
    """Raking weights (mean 1) whose weighted shares match every margin.

    ``margins`` maps a column of ``sample`` to its target counts or shares per level.
    Stops when the largest gap between a weighted share and its target is below
    ``tol``; not converging within ``max_iter`` sweeps is an error.
    """
    if not margins:
        raise InputError(_("raking needs at least one margin"))
    n = len(sample)
    if n == 0:
        raise InputError(_("no answers to weight"))
    w = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float).copy()
    if len(w) != n or not np.isfinite(w).all() or (w <= 0).any():
        raise InputError(_("base weights must be positive numbers, one per answer"))
    targets = {col: _shares(t, col) for col, t in margins.items()}
    codes = {col: _levels(sample, col, targets[col]) for col in targets}
    for _sweep in range(int(max_iter)):
        for col, target in targets.items():
            current = np.bincount(codes[col], weights=w, minlength=len(target)) / w.sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(current > 0, target.to_numpy() / current, 0.0)
            w = w * factor[codes[col]]
        gap = max(
            np.abs(
                np.bincount(codes[c], weights=w, minlength=len(t)) / w.sum() - t.to_numpy()
            ).max()
            for c, t in targets.items()
        )
        if gap < tol:
            return pd.Series(w / w.mean(), index=sample.index, name="weight")
    raise InputError(
        _(
            "raking did not reach the margins within {n} sweeps (largest gap {gap:.2g}); "
            "the margins may contradict each other or a cell may be empty"
        ).format(n=max_iter, gap=gap)
    )


def post_stratify(
    sample: pd.DataFrame, population: pd.DataFrame, cells: Sequence[str], *, count: str = "count"
) -> pd.Series:
    """Weights (mean 1): each cell's population share over its sample share.

    ``population`` has the columns ``cells`` and ``count`` (customers per cell).
    """
    cells = list(cells)
    for column in [*cells, count]:
        if column not in population.columns:
            raise InputError(_("customer mix: column {column!r} is missing").format(column=column))
    for column in cells:
        if column not in sample.columns:
            raise InputError(_("answers: column {column!r} is missing").format(column=column))
    pop = population.assign(**{c: population[c].astype(str) for c in cells})
    pop = pop.groupby(cells)[count].sum()
    pop = pop / pop.sum()
    key = pd.MultiIndex.from_frame(sample[cells].astype(str))
    have = pd.Series(1.0, index=key).groupby(level=list(range(len(cells)))).sum() / len(sample)
    missing = [c for c in have.index if c not in pop.index]
    if missing:
        raise InputError(
            _("customer mix: cell {cell} of the answers has no population count").format(
                cell=missing[0]
            )
        )
    empty = [c for c in pop.index[pop > 0] if c not in have.index]
    if empty:
        raise InputError(
            _("no answer in cell {cell}, which has customers: merge it with a neighbour").format(
                cell=empty[0]
            )
        )
    ratio = (pop / have).reindex(key).to_numpy()
    return pd.Series(ratio / ratio.mean(), index=sample.index, name="weight")


def weighted_margins(
    sample: pd.DataFrame, weights: pd.Series, columns: Sequence[str]
) -> pd.DataFrame:
    """Weighted share of every level of every column (to check a weighting)."""
    rows = []
    for column in columns:
        shares = weights.groupby(sample[column].astype(str).to_numpy()).sum() / weights.sum()
        rows += [{"margin": column, "level": k, "share": float(v)} for k, v in shares.items()]
    return pd.DataFrame(rows)


def effective_sample_size(weights: pd.Series | np.ndarray) -> float:
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def quotas(sample: pd.DataFrame, targets: pd.DataFrame, cells: Sequence[str]) -> pd.DataFrame:
    """Answers needed and achieved per cell: ``cells…, target, achieved, short``."""
    cells = list(cells)
    if "target" not in targets.columns:
        raise InputError(_("quotas: column 'target' is missing"))
    achieved = sample.groupby(cells).size().rename("achieved")
    table = targets.assign(**{c: targets[c].astype(str) for c in cells}).set_index(cells)
    achieved.index = achieved.index.map(
        lambda k: tuple(str(v) for v in k) if isinstance(k, tuple) else str(k)
    )
    table["achieved"] = achieved.reindex(table.index).fillna(0).astype(int)
    table["short"] = (table["target"] - table["achieved"]).clip(lower=0).astype(int)
    return table.reset_index()


def response_rates(
    invitations: pd.DataFrame, *, by: Sequence[str] = ("unit", "wave")
) -> pd.DataFrame:
    """Invitations, answers and the response rate per group (``answered``: 0/1 per invitation)."""
    by = list(by)
    for column in [*by, "answered"]:
        if column not in invitations.columns:
            raise InputError(_("invitations: column {column!r} is missing").format(column=column))
    table = invitations.groupby(by).agg(
        invitations=("answered", "size"), answers=("answered", "sum")
    )
    table["response_rate"] = table["answers"] / table["invitations"]
    return table.reset_index()


__all__ = [
    "effective_sample_size",
    "post_stratify",
    "quotas",
    "rake",
    "response_rates",
    "weighted_margins",
]
