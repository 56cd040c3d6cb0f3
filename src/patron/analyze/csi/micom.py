r"""May two groups (units, periods, segments) be compared: measurement invariance of composites (MICOM).

Henseler, Ringle & Sarstedt (2016) check three steps before group indices or paths
are compared:

1. **Configural invariance** — both groups use the same items, scale, data treatment
   and algorithm, and the model can be estimated in each (items vary, PLS converges).
2. **Compositional invariance** — the composite built with group 1's outer weights
   and the one built with group 2's are (nearly) the same variable on the pooled
   data: their correlation :math:`c = \operatorname{corr}(X w^{(1)}, X w^{(2)})` is
   not below the 5 % quantile of :math:`c` when group labels are permuted.
3. **Equal means and variances** — on the pooled composite scores (pooled weights,
   pooled standardisation) the difference of group means and the log ratio of group
   variances lie inside the 95 % range of their permutation distributions.

Verdict: *full invariance* (1–3 hold: pooled data and index levels may be compared),
*partial invariance* (1–2 hold: compare path coefficients and group indices
separately, do not pool), or *no invariance* (do not compare these groups).

Every permutation re-estimates both groups' weights; all of them are one stack of
moment matrices solved at once by :mod:`patron.analyze.csi.engine`.

References
----------
.. [1] Henseler, J., Ringle, C. M. & Sarstedt, M. (2016). Testing measurement
   invariance of composites using partial least squares. International Marketing
   Review 33(3), 405-431.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.csi import engine
from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.exceptions import InputError

VERDICTS = {
    "full": N_("full measurement invariance: indices and paths of the groups may be compared"),
    "partial": N_(
        "partial measurement invariance: compare paths and each group's own index, "
        "do not pool the groups"
    ),
    "none": N_("no measurement invariance: do not compare these groups"),
}


@dataclass
class MICOMResult:
    """Per construct: compositional ``c`` and its 5 % quantile and p; mean and variance
    differences with their permutation ranges; ``verdict`` ("full", "partial", "none")."""

    groups: tuple[str, str]
    configural: bool
    configural_reasons: list[str]
    table: pd.DataFrame
    verdict: str
    n_permutations: int

    @property
    def verdict_text(self) -> str:
        return _(VERDICTS[self.verdict])

    def _printer(self) -> Printer:
        notes = [self.verdict_text, *self.configural_reasons]
        for name, row in self.table.iterrows():
            if not row["compositional"]:
                notes.append(
                    _(
                        "{construct}: the composite differs between the groups (c = {c:.4f}, "
                        "below the permutation 5% quantile {q:.4f})."
                    ).format(construct=name, c=row["c"], q=row["c_5%"])
                )
        return Printer(
            title=_("Measurement invariance (MICOM): {a} and {b}").format(
                a=self.groups[0], b=self.groups[1]
            ),
            facts={
                _("configural invariance"): _("yes") if self.configural else _("no"),
                _("permutations"): self.n_permutations,
            },
            tables=[(_("Constructs"), self._shown())],
            notes=notes,
        )

    def _shown(self) -> pd.DataFrame:
        t = self.table
        return pd.DataFrame(
            {
                "c": t["c"].round(4),
                "c_5%": t["c_5%"].round(4),
                "compositional": t["compositional"],
                "mean_difference": t["mean_difference"].round(3),
                "equal_means": t["equal_means"],
                "log_variance_ratio": t["log_variance_ratio"].round(3),
                "equal_variances": t["equal_variances"],
            },
            index=t.index,
        )

    def print_summary(self) -> None:
        self._printer().print()

    def to_dict(self) -> dict[str, Any]:
        from patron.analyze.csi.programme import _records

        return {
            "groups": list(self.groups),
            "configural": self.configural,
            "configural_reasons": self.configural_reasons,
            "constructs": _records(self.table.reset_index()),
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "n_permutations": self.n_permutations,
        }


def micom(
    data: pd.DataFrame,
    group: str | pd.Series,
    *,
    spec: Any = "acsi",
    groups: tuple[Any, Any] | None = None,
    n_permutations: int = 1000,
    seed: int | None = None,
    alpha: float = 0.05,
    scheme: str = "path",
) -> MICOMResult:
    """MICOM of two groups of respondents in ``data`` (wide answers).

    ``group``: a column of ``data`` or a Series aligned with it; ``groups``: the two
    levels to compare (default: the two levels present).
    """
    from patron.analyze.csi.index import CSIModel

    labels = data[group] if isinstance(group, str) else group
    if isinstance(group, str) and group not in data.columns:
        raise InputError(_("group column '{column}' is not in the answers").format(column=group))
    levels = list(groups) if groups else sorted(pd.unique(labels.dropna()).tolist(), key=str)
    if len(levels) != 2:
        raise InputError(
            _("MICOM compares two groups; {column} has {n}").format(
                column=group if isinstance(group, str) else "group", n=len(levels)
            )
        )
    keep = labels.isin(levels).to_numpy()
    pooled = CSIModel(spec=spec, scheme=scheme, missing="mean").fit(data[keep])
    layout = pooled._layout
    rows = pd.Series(labels.to_numpy()[keep], index=data.index[keep]).loc[pooled._frame_index]
    first = (rows == levels[0]).to_numpy()
    x = pooled._x
    reasons = _configural(x, first, layout.items, levels)
    z = (x - x.mean(0)) / x.std(0, ddof=0)
    products = engine.CrossProducts.of(z)
    rng = np.random.default_rng(seed)
    masks = np.vstack([first, *(rng.permutation(first) for _ in range(int(n_permutations)))])
    fit = _group_weights(products, masks, layout, scheme)
    fit2 = _group_weights(products, ~masks, layout, scheme)
    corr = np.corrcoef(z, rowvar=False)
    pooled_w = engine.estimate(corr, layout, scheme=scheme).weights[0]
    constructs = layout.constructs
    out = []
    for j, name in enumerate(constructs):
        items = layout.block_items[j]
        r = corr[np.ix_(items, items)]
        w1, w2 = fit[:, items], fit2[:, items]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.einsum("bi,ij,bj->b", w1, r, w2) / np.sqrt(
                np.einsum("bi,ij,bj->b", w1, r, w1) * np.einsum("bi,ij,bj->b", w2, r, w2)
            )
        score = z[:, items] @ pooled_w[items]
        score = (score - score.mean()) / score.std(ddof=0)
        mean_d, var_d = _moments(score, masks)
        quantile = float(np.nanquantile(c[1:], alpha))
        row = {
            "construct": name,
            "c": float(c[0]),
            "c_5%": quantile,
            "p_compositional": float((1 + np.sum(c[1:] <= c[0])) / (1 + len(c) - 1)),
            "compositional": bool(len(items) == 1 or c[0] >= quantile),
            "mean_difference": float(mean_d[0]),
            "mean_lower": float(np.quantile(mean_d[1:], alpha / 2)),
            "mean_upper": float(np.quantile(mean_d[1:], 1 - alpha / 2)),
            "log_variance_ratio": float(var_d[0]),
            "variance_lower": float(np.quantile(var_d[1:], alpha / 2)),
            "variance_upper": float(np.quantile(var_d[1:], 1 - alpha / 2)),
        }
        row["equal_means"] = bool(row["mean_lower"] <= row["mean_difference"] <= row["mean_upper"])
        row["equal_variances"] = bool(
            row["variance_lower"] <= row["log_variance_ratio"] <= row["variance_upper"]
        )
        out.append(row)
    table = pd.DataFrame(out).set_index("construct")
    if reasons or not table["compositional"].all():
        verdict = "none"
    elif table["equal_means"].all() and table["equal_variances"].all():
        verdict = "full"
    else:
        verdict = "partial"
    return MICOMResult(
        (str(levels[0]), str(levels[1])), not reasons, reasons, table, verdict, int(n_permutations)
    )


def _configural(x: np.ndarray, first: np.ndarray, items: list[str], levels: list) -> list[str]:
    reasons = []
    for level, mask in ((levels[0], first), (levels[1], ~first)):
        if mask.sum() < 10:
            reasons.append(
                _("group {group} has only {n} respondents").format(group=level, n=int(mask.sum()))
            )
            continue
        flat = np.flatnonzero(x[mask].std(0) == 0)
        if len(flat):
            reasons.append(
                _("in group {group} every answer to {item} is the same").format(
                    group=level, item=items[flat[0]]
                )
            )
    return reasons


def _group_weights(products, masks: np.ndarray, layout, scheme: str) -> np.ndarray:
    """Standardised outer weights of each masked sample (B, p); NaN where PLS fails."""
    _means, moments, _sd = engine.covariance_from_counts(
        products, masks.astype(float), standardize=True
    )
    est = engine.estimate(moments, layout, scheme=scheme)
    weights = est.weights.copy()
    weights[~est.converged] = np.nan
    return weights


def _moments(score: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m1 = masks.astype(float)
    m2 = 1.0 - m1
    n1, n2 = m1.sum(1), m2.sum(1)
    mean1, mean2 = m1 @ score / n1, m2 @ score / n2
    var1 = m1 @ score**2 / n1 - mean1**2
    var2 = m2 @ score**2 / n2 - mean2**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean1 - mean2, np.log(var1 / var2)


__all__ = ["VERDICTS", "MICOMResult", "micom"]
