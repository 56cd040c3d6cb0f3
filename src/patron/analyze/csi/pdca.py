"""Which items should each site improve, and did the items a plan targeted move (PDCA per unit).

*Plan*: per unit and period the importance–performance map
(:func:`patron.analyze.csi.ipma.ipma`) of a CSI model fitted on that unit's answers
names the few items with the largest priority (effect on satisfaction × room to
improve); a plan records the target, owner and due date
(:mod:`patron.collect.csi_plans`). *Do*: the site works on it. *Check*: the item's
performance (its mean rescaled to 0–100) in the first measured period after the
baseline is compared with the baseline by the same within-cell bootstrap as the index,
so the move has an interval and a verdict. *Act*: keep, close or re-plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.csi.change import VERDICTS, _difference
from patron.analyze.csi.programme import index_by_unit_period, period_labels
from patron.core.i18n import _
from patron.exceptions import InputError


def improvement_items(
    answers: pd.DataFrame,
    unit: str,
    period: str,
    *,
    frequency: str = "quarter",
    spec: Any = "acsi",
    n: int = 3,
    min_answers: int = 30,
) -> pd.DataFrame:
    """The ``n`` items to improve first at ``unit`` in ``period`` (IPMA of its own answers)."""
    from patron.analyze.csi.index import CSIModel

    labels = period_labels(answers["responded_at"], frequency)
    part = answers[(answers["unit"].astype(str) == unit) & (labels == period).to_numpy()]
    if len(part) < min_answers:
        raise InputError(
            _(
                "unit {unit} has {n} answers in {period}: not enough answers (need {minimum})"
            ).format(unit=unit, n=len(part), period=period, minimum=min_answers)
        )
    model = CSIModel(spec=spec).fit(part)
    out = model.ipma_.improvement_list(n).reset_index()
    return out.assign(unit=unit, period=period, answers=len(part))


def item_performance(
    answers: pd.DataFrame,
    items: list[str],
    scale: tuple[float, float],
    *,
    frequency: str = "quarter",
    n_bootstrap: int = 1000,
    seed: int | None = None,
    min_answers: int = 30,
):
    """Each item's 0–100 performance per unit × period with bootstrap replicates."""
    missing = [i for i in items if i not in answers.columns]
    if missing:
        raise InputError(_("answers: item {item!r} is not in the answers").format(item=missing[0]))
    low, high = scale
    scores = 100 * (answers[items].apply(pd.to_numeric, errors="coerce") - low) / (high - low)
    clusters = None
    if "customer_id" in answers.columns:
        clusters = (
            answers["customer_id"]
            .astype("string")
            .fillna(pd.Series(answers.index.astype(str), index=answers.index))
        )
    return index_by_unit_period(
        scores,
        answers["unit"].astype(str),
        period_labels(answers["responded_at"], frequency),
        clusters=clusters,
        n_bootstrap=n_bootstrap,
        seed=seed,
        min_answers=min_answers,
    )


def review_plans(
    plans: pd.DataFrame,
    answers: pd.DataFrame,
    scale: tuple[float, float],
    *,
    frequency: str = "quarter",
    n_bootstrap: int = 1000,
    seed: int | None = None,
    min_answers: int = 30,
) -> pd.DataFrame:
    """Per plan: baseline and next period's performance, the move with its interval, the
    verdict, and whether the target is reached."""
    columns = [
        "plan", "unit", "item", "owner", "due_date", "target", "baseline_period", "baseline",
        "period", "performance", "difference", "lower", "upper", "verdict", "verdict_text",
        "target_reached",
    ]  # fmt: skip
    if plans.empty:
        return pd.DataFrame(columns=columns)
    items = sorted(set(plans["item"]) & set(answers.columns))
    perf = (
        item_performance(
            answers,
            items,
            scale,
            frequency=frequency,
            n_bootstrap=n_bootstrap,
            seed=seed,
            min_answers=min_answers,
        )
        if items
        else None
    )
    rows = []
    for plan in plans.itertuples():
        row = {c: getattr(plan, c, None) for c in ("plan", "unit", "item", "owner", "due_date")}
        row.update(target=plan.target, baseline_period=plan.baseline_period)
        row.update(baseline=np.nan, period=None, performance=np.nan)
        row.update(difference=np.nan, lower=np.nan, upper=np.nan, verdict="missing")
        if perf is not None and plan.item in items:
            table = perf.table
            mine = table[(table["unit"] == plan.unit) & (table["status"] == "ok")]
            base = mine[mine["period"] == plan.baseline_period]
            later = mine[mine["period"] > plan.baseline_period].sort_values("period")
            if len(base) and len(later):
                b, a = base.index[0], later.index[0]
                k = perf.metrics.index(plan.item)
                before, after = table.at[b, plan.item], table.at[a, plan.item]
                moved = _difference(
                    float(after - before), perf.replicates[a, k] - perf.replicates[b, k]
                )
                row.update(
                    baseline=before,
                    period=table.at[a, "period"],
                    performance=after,
                    difference=moved["difference"],
                    lower=moved["lower"],
                    upper=moved["upper"],
                    verdict=moved["verdict"],
                )
            elif len(base):
                row["baseline"] = table.at[base.index[0], plan.item]
        row["verdict_text"] = (
            _(VERDICTS[row["verdict"]])
            if row["period"] is not None or row["verdict"] != "missing"
            else _("no measurement after the baseline yet")
        )
        row["target_reached"] = bool(
            np.isfinite(row["performance"]) and row["performance"] >= plan.target
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


__all__ = ["improvement_items", "item_performance", "review_plans"]
