"""Which improvement plans each unit has made (the Plan of PDCA): item, target, owner, due date.

A plan says: at unit U, item I scored B (0–100) in period P; O will raise it to T by D.
The next measurement says whether it moved (:mod:`patron.analyze.csi.pdca`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from patron.collect.store.db import session_scope
from patron.collect.store.models import ImprovementPlan, Unit
from patron.collect.units import get_unit
from patron.core.i18n import N_, _
from patron.exceptions import InputError

STATUSES = {"open": N_("open"), "done": N_("done"), "dropped": N_("dropped")}
COLUMNS = [
    "plan",
    "unit",
    "item",
    "baseline_period",
    "baseline",
    "target",
    "owner",
    "due_date",
    "status",
    "note",
]


def _require_table(session: Any, workspace: Any) -> None:
    """A store made before migration ``0004_programme`` has no plans yet: say how to upgrade."""
    if not sa.inspect(session.connection()).has_table(ImprovementPlan.__tablename__):
        raise InputError(
            _(
                "the store has no improvement plans table yet: run `patron init {root}` to upgrade it"
            ).format(root=getattr(workspace, "root", "WORKSPACE"))
        )


def _check(item: str, target: float, owner: str, due: Any, period: str) -> date:
    if not str(item).strip() or len(str(item)) > 60:
        raise InputError(_("plan: the item code must be 1–60 characters"))
    if not 0 <= float(target) <= 100:
        raise InputError(
            _("plan: the target must be between 0 and 100 (got {value})").format(value=target)
        )
    if not str(owner).strip() or len(str(owner)) > 200:
        raise InputError(_("plan: the owner must be 1–200 characters"))
    if not str(period).strip() or len(str(period)) > 16:
        raise InputError(_("plan: the baseline period must be 1–16 characters"))
    try:
        return due if isinstance(due, date) else date.fromisoformat(str(due))
    except ValueError:
        raise InputError(
            _("plan: due date {value!r} is not a date (YYYY-MM-DD)").format(value=due)
        ) from None


def add_plan(
    workspace: Any,
    *,
    unit: str,
    item: str,
    target: float,
    owner: str,
    due: Any,
    baseline_period: str,
    baseline: float | None = None,
    note: str | None = None,
) -> int:
    """Record a plan; returns its number."""
    due_date = _check(item, target, owner, due, baseline_period)
    with session_scope(workspace.database_url) as session:
        _require_table(session, workspace)
        found = get_unit(session, unit)
        plan = ImprovementPlan(
            unit_pk=found.id,
            item_code=str(item).strip(),
            baseline_period=str(baseline_period).strip(),
            baseline=None if baseline is None else float(baseline),
            target=float(target),
            owner=str(owner).strip(),
            due_date=due_date,
            status="open",
            note=note,
        )
        session.add(plan)
        session.flush()
        return int(plan.id)


def set_status(workspace: Any, plan: int, status: str) -> None:
    if status not in STATUSES:
        raise InputError(
            _("plan status {value!r}: use {choices}").format(
                value=status, choices=", ".join(STATUSES)
            )
        )
    with session_scope(workspace.database_url) as session:
        _require_table(session, workspace)
        found = session.get(ImprovementPlan, int(plan))
        if found is None:
            raise InputError(_("no plan number {plan}").format(plan=plan))
        found.status = status


def list_plans(workspace: Any, unit_pks: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Plans of the units ``unit_pks`` (every plan for ``None``), oldest first."""
    query = sa.select(ImprovementPlan, Unit.code).join(Unit, Unit.id == ImprovementPlan.unit_pk)
    if unit_pks is not None:
        query = query.where(ImprovementPlan.unit_pk.in_(list(unit_pks)))
    with session_scope(workspace.database_url) as session:
        _require_table(session, workspace)
        rows = [
            {
                "plan": p.id,
                "unit": code,
                "item": p.item_code,
                "baseline_period": p.baseline_period,
                "baseline": p.baseline,
                "target": p.target,
                "owner": p.owner,
                "due_date": p.due_date,
                "status": p.status,
                "note": p.note,
            }
            for p, code in session.execute(query.order_by(ImprovementPlan.id)).all()
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["STATUSES", "add_plan", "list_plans", "set_status"]
