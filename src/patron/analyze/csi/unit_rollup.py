r"""What the index of a group, a region or a nation is: unit figures rolled up the hierarchy.

A parent's figure in a period is the weighted mean of its children's figures,

.. math::

    I_{parent} = \frac{\sum_c v_c\, I_c}{\sum_c v_c},

with :math:`v_c` the child's revenue, customers or answers in that period (the ACSI
weights firms by revenue, industries and sectors by their sales, the nation by GDP
share). A parent's own weight is the sum of its children's, so the nation is the
same weighted mean whether computed level by level or from the firms. Answers given
to a parent unit directly count as one more child. Children without a figure (not
enough answers) drop out and the others' weights renormalise; the table says so.

Intervals come free: the same weighted mean of the children's bootstrap replicates is
the parent's replicate (the weights are known, not estimated), so every level has an
SE and a 95 % interval from the draws of the units below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.csi.programme import UnitPeriodIndex, add_intervals
from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.exceptions import InputError

WEIGHTS = {
    "answers": N_("answers"),
    "customers": N_("customers"),
    "revenue": N_("revenue"),
}


@dataclass
class RollUpResult(UnitPeriodIndex):
    """A :class:`UnitPeriodIndex` over every unit of the tree; ``table`` adds ``parent``,
    ``depth``, ``level`` ("measured" or "rolled up"), ``weight`` and ``share`` (of the
    parent's weight)."""

    weight_by: str = "answers"

    def _printer(self) -> Printer:
        printer = super()._printer()
        printer.title = _("Satisfaction index rolled up by {weight}").format(
            weight=_(WEIGHTS.get(self.weight_by, self.weight_by))
        )
        shown = printer.tables[0][1]
        shown.insert(1, "depth", self.table["depth"].to_numpy())
        shown["unit"] = [
            "  " * d + u for d, u in zip(shown.pop("depth"), shown["unit"], strict=True)
        ]
        shown["weight"] = self.table["weight"].to_numpy()
        shown["share"] = [
            "" if pd.isna(s) else f"{100 * s:.1f}%" for s in self.table["share"].to_numpy()
        ]
        printer.tables = [(_("Roll-up tree"), shown)]
        return printer


def _children(tree: pd.DataFrame) -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = {}
    for code, parent in zip(tree["code"], tree["parent"], strict=True):
        out.setdefault(None if pd.isna(parent) else str(parent), []).append(str(code))
    return out


def rollup_index(
    index: UnitPeriodIndex,
    tree: pd.DataFrame,
    *,
    weight_by: str | pd.DataFrame = "answers",
    root: str | None = None,
    node_weights: Mapping[str, float] | None = None,
) -> RollUpResult:
    """Roll the measured units of ``index`` up ``tree`` (columns ``code, parent``).

    ``weight_by``: "answers", "customers", or a table ``unit, period, weight`` (e.g.
    revenue per unit and period; ``period`` may be left out for one weight per unit).
    ``root``: the top unit (default: every top-level unit of the tree).
    ``node_weights``: the weight of a parent in its own parent's mean when it is not the
    sum of its children's (e.g. each sector's share of GDP in the national index).
    """
    for column in ("code", "parent"):
        if column not in tree.columns:
            raise InputError(_("unit tree: column {column!r} is missing").format(column=column))
    measured = index.table
    unknown = sorted(set(measured["unit"]) - set(tree["code"].astype(str)))
    if unknown:
        raise InputError(
            _("unit {unit!r} has answers but is not in the unit tree").format(unit=unknown[0])
        )
    label = weight_by if isinstance(weight_by, str) else "revenue"
    given = _given_weights(weight_by, measured)
    children = _children(tree)
    periods = sorted(measured["period"].unique())
    metrics = index.metrics
    b = index.replicates.shape[2]
    pos = {
        (u, p): k for k, (u, p) in enumerate(zip(measured["unit"], measured["period"], strict=True))
    }
    rows: list[dict[str, Any]] = []
    reps: list[np.ndarray] = []

    def visit(code: str, parent: str | None, path: tuple, period: str) -> tuple[float, int] | None:
        """Append the node's row after its children's; return (its weight, its row)."""
        own = pos.get((code, period))
        kids = [
            got
            for k, kid in enumerate(children.get(code, []))
            if (got := visit(kid, code, (*path, k), period)) is not None
        ]
        if own is None and not kids:
            return None
        own_weight = given(code, period, own) if own is not None else 0.0
        if own is not None and not kids:  # a measured unit with nothing below
            row = measured.iloc[own].to_dict()
            row.update(parent=parent, path=path, level="measured", weight=own_weight)
            rows.append(row)
            reps.append(index.replicates[own])
            return own_weight, len(rows) - 1
        parts = [(weight, rows[at], reps[at]) for weight, at in kids]
        if own is not None:  # answers given to the parent itself: one more child
            parts.append((own_weight, measured.iloc[own].to_dict(), index.replicates[own]))
        size = sum(w for w, _row, _rep in parts)
        if node_weights is not None and code in node_weights:
            size = float(node_weights[code])
        usable = [(w, r, rep) for w, r, rep in parts if r["status"] == "ok" and w > 0]
        total = sum(w for w, _row, _rep in usable)
        row = {"unit": code, "period": period, "parent": parent, "path": path}
        row.update(
            level="rolled up",
            weight=size,
            answers=int(sum(r["answers"] for _w, r, _rep in parts)),
            customers=np.nan,
        )
        if total > 0:
            shares = np.array([w for w, _r, _rep in usable]) / total
            values = np.array([[r[m] for m in metrics] for _w, r, _rep in usable], dtype=float)
            est = shares @ values
            rep = np.einsum("c,cmb->mb", shares, np.stack([x for _w, _r, x in usable]))
            row["status"] = "ok"
        else:
            est = np.full(len(metrics), np.nan)
            rep = np.full((len(metrics), b), np.nan)
            row["status"] = _("not enough answers in any unit below")
        row.update({m: est[k] for k, m in enumerate(metrics)})
        rows.append(row)
        reps.append(rep)
        return size, len(rows) - 1

    tops = [root] if root else children.get(None, [])
    if root and root not in set(tree["code"].astype(str)):
        raise InputError(_("no unit {unit!r} in the unit tree").format(unit=root))
    for period in periods:
        for top in tops:
            visit(str(top), None, (tops.index(top),), period)
    table = pd.DataFrame(rows)
    if table.empty:
        raise InputError(_("no unit of the tree has answers"))
    # Parents before children, periods in order: sort by the position in the tree.
    order = sorted(
        range(len(table)), key=lambda k: (table["period"].iloc[k], table["path"].iloc[k])
    )
    table = table.iloc[order].reset_index(drop=True)
    replicates = np.stack(reps)[order]
    table["depth"] = [len(p) - 1 for p in table.pop("path")]
    table = add_intervals(table, replicates, metrics)
    parent_weight = table.groupby(["period", "unit"])["weight"].first()
    table["share"] = [
        w / parent_weight.get((p, par), np.nan) if par is not None else 1.0
        for w, p, par in zip(table["weight"], table["period"], table["parent"], strict=True)
    ]
    columns = ["unit", "parent", "depth", "level", "period", "answers", "weight", "share"]
    rest = [c for c in table.columns if c not in columns]
    table = table[columns + rest]
    return RollUpResult(
        table,
        replicates,
        metrics,
        index.min_answers,
        index.n_bootstrap,
        notes=list(index.notes),
        item_weights=index.item_weights,
        weight_by=label,
    )


def _given_weights(weight_by: str | pd.DataFrame, measured: pd.DataFrame):
    if isinstance(weight_by, str):
        if weight_by not in ("answers", "customers"):
            raise InputError(
                _("weight {value!r}: use answers, customers or a table of revenue").format(
                    value=weight_by
                )
            )
        column = measured[weight_by].to_numpy(float)
        return lambda _unit, _period, row: float(column[row])
    table = weight_by
    for column in ("unit", "weight"):
        if column not in table.columns:
            raise InputError(_("weights: column {column!r} is missing").format(column=column))
    values = pd.to_numeric(table["weight"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = table["unit"][values.isna() | (values < 0)].iloc[0]
        raise InputError(
            _("weights: unit {unit}: the weight must be a non-negative number").format(unit=bad)
        )
    if "period" in table.columns:
        lookup: Mapping[Any, float] = dict(
            zip(
                zip(table["unit"].astype(str), table["period"].astype(str), strict=True),
                values,
                strict=True,
            )
        )
        return lambda unit, period, _row: float(lookup.get((unit, period), 0.0))
    by_unit = dict(zip(table["unit"].astype(str), values, strict=True))
    return lambda unit, _period, _row: float(by_unit.get(unit, 0.0))


__all__ = ["WEIGHTS", "RollUpResult", "rollup_index"]
