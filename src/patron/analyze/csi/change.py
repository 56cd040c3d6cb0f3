r"""Did a unit's index really move: period-over-period and unit-versus-parent differences.

A difference is judged as the ACSI publishes its "statistically significant change":
its 95 % interval must exclude zero. The interval comes from the bootstrap
replicates the index already carries: for two periods of a unit the replicates are
independent draws (each unit × period is its own stratum), for a unit and its parent
they are the same draws (the parent's replicate is a weighted mean that includes
the unit), so their correlation is kept and the interval is right in both cases.
The two-sided p is :math:`2\min(\Pr^*(d \le 0), \Pr^*(d \ge 0))` of the replicates
shifted to mean zero, i.e. with the bootstrap's normal SE, :math:`2\Phi(-|d|/se)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from patron.analyze.csi.programme import LEVEL, METRIC_LABELS, UnitPeriodIndex
from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.exceptions import InputError

VERDICTS = {
    "up": N_("statistically significant rise"),
    "down": N_("statistically significant fall"),
    "none": N_("no significant change"),
    "missing": N_("not enough answers"),
}


def _difference(d: float, draws: np.ndarray) -> dict[str, Any]:
    if not np.isfinite(d) or draws.size == 0 or not np.isfinite(draws).all():
        return {
            "difference": d if np.isfinite(d) else np.nan,
            "se": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "p": np.nan,
            "verdict": "missing",
        }
    alpha = (1 - LEVEL) / 2
    lower, upper = np.quantile(draws, [alpha, 1 - alpha])
    se = float(draws.std(ddof=1))
    p = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else (0.0 if d else 1.0)
    verdict = "up" if lower > 0 else "down" if upper < 0 else "none"
    return {
        "difference": d,
        "se": se,
        "lower": float(lower),
        "upper": float(upper),
        "p": p,
        "verdict": verdict,
    }


class ChangeTable:
    """Differences with interval, p and verdict; ``table`` has fixed columns."""

    columns = (
        "unit",
        "compared_with",
        "period",
        "previous",
        "metric",
        "value",
        "before",
        "difference",
        "se",
        "lower",
        "upper",
        "p",
        "verdict",
        "significant",
    )

    def __init__(self, rows: list[dict[str, Any]], kind: str) -> None:
        self.kind = kind
        self.table = pd.DataFrame(rows, columns=list(self.columns))

    @property
    def significant(self) -> pd.DataFrame:
        return self.table[self.table["significant"]]

    def _printer(self) -> Printer:
        shown = self.table.copy()
        shown["verdict"] = [_(VERDICTS[v]) for v in shown["verdict"]]
        notes = [
            _(
                "{unit} {metric} {period}: {verdict} of {diff:+.1f} (95% interval {lo:+.1f} to {hi:+.1f})."
            ).format(
                unit=r.unit,
                metric=_(METRIC_LABELS[r.metric]) if r.metric in METRIC_LABELS else r.metric,
                period=r.period,
                verdict=_(VERDICTS[r.verdict]),
                diff=r.difference,
                lo=r.lower,
                hi=r.upper,
            )
            for r in self.significant.itertuples()
        ]
        title = (
            _("Change from the previous period")
            if self.kind == "period"
            else _("Unit compared with its parent")
        )
        return Printer(
            title=title, tables=[(title, shown)], notes=notes or [_("No significant change.")]
        )

    def print_summary(self) -> None:
        self._printer().print()

    def to_dict(self) -> dict[str, Any]:
        from patron.analyze.csi.programme import _records

        return {"kind": self.kind, "rows": _records(self.table)}


def period_changes(index: UnitPeriodIndex, metrics: tuple[str, ...] | None = None) -> ChangeTable:
    """Each unit's change from its previous measured period, per metric."""
    metrics = metrics or index.metrics
    table = index.table
    rows = []
    for unit, part in table.groupby("unit", sort=False):
        order = part.sort_values("period")
        at = order.index.to_numpy()
        for prev, cur in zip(at[:-1], at[1:], strict=True):
            for m in metrics:
                k = index.metrics.index(m)
                value, before = table.at[cur, m], table.at[prev, m]
                draws = index.replicates[cur, k] - index.replicates[prev, k]
                row = {
                    "unit": unit,
                    "compared_with": unit,
                    "period": table.at[cur, "period"],
                    "previous": table.at[prev, "period"],
                    "metric": m,
                    "value": value,
                    "before": before,
                    **_difference(float(value - before), draws),
                }
                row["significant"] = row["verdict"] in ("up", "down")
                rows.append(row)
    return ChangeTable(rows, "period")


def parent_gaps(index: UnitPeriodIndex, metrics: tuple[str, ...] | None = None) -> ChangeTable:
    """Each unit against its parent in the same period (needs a roll-up's table)."""
    if "parent" not in index.table.columns:
        raise InputError(_("comparing units with their parents needs the roll-up"))
    metrics = metrics or index.metrics
    table = index.table
    where = {(u, p): k for k, (u, p) in enumerate(zip(table["unit"], table["period"], strict=True))}
    rows = []
    for k, row_ in table.iterrows():
        parent = row_["parent"]
        if parent is None or pd.isna(parent):
            continue
        j = where[(parent, row_["period"])]
        for m in metrics:
            mk = index.metrics.index(m)
            value, before = row_[m], table.at[j, m]
            draws = index.replicates[k, mk] - index.replicates[j, mk]
            row = {
                "unit": row_["unit"],
                "compared_with": parent,
                "period": row_["period"],
                "previous": row_["period"],
                "metric": m,
                "value": value,
                "before": before,
                **_difference(float(value - before), draws),
            }
            row["significant"] = row["verdict"] in ("up", "down")
            rows.append(row)
    return ChangeTable(rows, "parent")


__all__ = ["VERDICTS", "ChangeTable", "parent_gaps", "period_changes"]
