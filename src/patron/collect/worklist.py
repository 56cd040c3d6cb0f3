"""What an agent has to do today: my open complaints by SLA state, guests arriving or
returning today with their usual preferences, birthdays this week, tasks rules created.

Everything is read from the store, within the agent's units (``Scope``), so the agent's
home page stays fast however large the warehouse is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect.complaints import OPEN_STATUSES, sla_state
from patron.collect.customer_view import next_occurrence, usual_preferences
from patron.collect.store.models import (
    ActionRule,
    Complaint,
    Customer,
    ImportantDate,
    Order,
    Preference,
    Task,
)
from patron.collect.units import EVERYTHING, Scope, customer_in_scope

#: A customer's Chinese name, once the store keeps one (else an empty column).
NAME_ZH = (
    Customer.name_zh.label("name_zh")  # type: ignore[attr-defined]
    if hasattr(Customer, "name_zh")
    else sa.literal(None, sa.String).label("name_zh")
)

#: SLA states in the order an agent works them.
SLA_ORDER = ("breached", "due_soon", "ok", "none")


@dataclass
class WorkList:
    """An agent's day: lists of plain dicts, most urgent first."""

    today: date
    complaints: list[dict[str, Any]] = field(default_factory=list)
    sla_counts: dict[str, int] = field(default_factory=dict)
    arrivals: list[dict[str, Any]] = field(default_factory=list)
    birthdays: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)


def _names(row: Any) -> dict[str, Any]:
    return {
        "customer_id": row.customer_id,
        "name": row.name,
        "name_zh": getattr(row, "name_zh", None),
    }


def worklist(
    session: Session,
    username: str,
    *,
    scope: Scope = EVERYTHING,
    moment: datetime | None = None,
    limit: int = 20,
) -> WorkList:
    """The agent's day at ``moment`` (default now), within ``scope``."""
    moment = moment or datetime.now(UTC)
    today = moment.date()
    out = WorkList(today=today)
    c, cu = Complaint, Customer
    mine = session.execute(
        sa.select(c, cu.customer_id, cu.name, NAME_ZH)
        .join(cu, cu.id == c.customer_pk)
        .where(
            c.status.in_(OPEN_STATUSES),
            c.assigned_to == username,
            customer_in_scope(scope, c.customer_pk),
        )
        .order_by(c.sla_due_at.is_(None), c.sla_due_at, c.id)
    ).all()
    states = Counter()
    for complaint, customer_id, name, name_zh in mine:
        state = sla_state(complaint, moment)
        states[state] += 1
        out.complaints.append(
            {
                "id": complaint.id,
                "customer_id": customer_id,
                "name": name,
                "name_zh": name_zh,
                "severity": complaint.severity,
                "category": complaint.category,
                "sla": state,
                "sla_due_at": complaint.sla_due_at,
                "opened_at": complaint.opened_at,
            }
        )
    out.complaints.sort(key=lambda r: SLA_ORDER.index(r["sla"]) if r["sla"] in SLA_ORDER else 9)
    out.complaints = out.complaints[:limit]
    out.sla_counts = {s: states.get(s, 0) for s in SLA_ORDER if states.get(s)}

    start = datetime.combine(today, time(), UTC)
    end = start + timedelta(days=1)
    arriving = session.execute(
        sa.select(
            cu.id,
            cu.customer_id,
            cu.name,
            NAME_ZH,
            Order.ordered_at,
            Order.location,
            Order.channel,
        )
        .join(cu, cu.id == Order.customer_pk)
        .where(
            Order.ordered_at >= start,
            Order.ordered_at < end,
            customer_in_scope(scope, Order.customer_pk),
        )
        .order_by(Order.ordered_at)
        .limit(limit)
    ).all()
    pks = [r.id for r in arriving]
    before = dict(
        session.execute(
            sa.select(Order.customer_pk, sa.func.count())
            .where(Order.customer_pk.in_(pks), Order.ordered_at < start)
            .group_by(Order.customer_pk)
        ).all()
    )
    prefs: dict[int, list[Preference]] = {}
    for pref in session.scalars(sa.select(Preference).where(Preference.customer_pk.in_(pks))):
        prefs.setdefault(pref.customer_pk, []).append(pref)
    for r in arriving:
        out.arrivals.append(
            {
                **_names(r),
                "at": r.ordered_at,
                "location": r.location,
                "channel": r.channel,
                "stays_before": int(before.get(r.id, 0)),
                "usual_preferences": usual_preferences(prefs.get(r.id, []))[:4],
            }
        )

    # Day by day from today, each day's birthdays by customer id, until the list is full:
    # a unit of 100,000 customers has hundreds of birthdays a week, the page shows `limit`.
    # One day's are few (1/365 of the unit) and read whole from the month-day index, then
    # sorted here: "ORDER BY customer_id LIMIT n" let PostgreSQL walk the id index instead.
    seen: set[str] = set()
    for offset in range(7):
        wanted = limit - len(out.birthdays)
        if wanted <= 0:
            break
        day = today + timedelta(days=offset)
        on_day = birthday_on(day)
        born = session.execute(
            sa.select(cu.customer_id, cu.name, NAME_ZH, cu.birthday.label("born")).where(
                cu.birthday.is_not(None),
                month_day(cu.birthday).in_(on_day),
                cu.merged_into_id.is_(None),
                cu.erased_at.is_(None),
                customer_in_scope(scope, cu.id),
            )
        ).all()
        dated = session.execute(
            sa.select(cu.customer_id, cu.name, NAME_ZH, ImportantDate.date.label("born"))
            .join(cu, cu.id == ImportantDate.customer_pk)
            .where(
                ImportantDate.kind == "birthday",
                month_day(ImportantDate.date).in_(on_day),
                customer_in_scope(scope, cu.id),
            )
        ).all()
        for row in sorted([*born, *dated], key=lambda r: r.customer_id):
            if row.customer_id in seen or next_occurrence(row.born, today) != day:
                continue
            seen.add(row.customer_id)
            out.birthdays.append({**_names(row), "date": day, "in_days": offset})
    out.birthdays = out.birthdays[:limit]

    tasks = session.execute(
        sa.select(Task, cu.customer_id, cu.name, NAME_ZH, ActionRule.name.label("rule_name"))
        .outerjoin(cu, cu.id == Task.customer_pk)
        .outerjoin(ActionRule, ActionRule.code == Task.source_rule)
        .where(
            Task.status == "open",
            sa.or_(Task.assigned_to.is_(None), Task.assigned_to == username),
            sa.or_(Task.customer_pk.is_(None), customer_in_scope(scope, Task.customer_pk)),
        )
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(limit)
    ).all()
    for task, customer_id, name, name_zh, rule_name in tasks:
        out.tasks.append(
            {
                "id": task.id,
                "title": task.title,
                "detail": task.detail,
                "due_at": task.due_at,
                "rule": task.source_rule,
                # The rule's name as its author wrote it (the code is for machines).
                "rule_name": rule_name,
                "customer_id": customer_id,
                "name": name,
                "name_zh": name_zh,
                "overdue": task.due_at is not None and _aware(task.due_at) < moment,
            }
        )
    return out


def month_day(column: Any) -> Any:
    """SQL: a date's month and day as one number (``1203`` for 3 December); PostgreSQL
    serves it from an expression index (migration ``0005_customer_units``)."""
    # literal 100 (not a bound parameter), so the expression is the indexed one
    return sa.extract("month", column) * sa.literal_column("100") + sa.extract("day", column)


def birthday_on(day: date) -> list[int]:
    """The month-and-day numbers whose next birthday falls on ``day``: its own, and 29
    February on 28 February of a year without one (as :func:`next_occurrence` moves it)."""
    own = [day.month * 100 + day.day]
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return own + [229] if (day.month, day.day) == (2, 28) and not leap else own


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
