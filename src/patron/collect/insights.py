"""Read access to analytics results: the score snapshots per metric, summarised or listed."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.roles import Actor
from patron.collect.store.models import Customer, ScoreSnapshot
from patron.collect.times import Page
from patron.collect.units import EVERYTHING, Scope, customer_in_scope


def overview(session: Session, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """Per metric at its latest date in ``scope``: customers scored, mean value and the
    label counts (only the customers of the scope's units)."""
    s = ScoreSnapshot
    inside = customer_in_scope(scope, s.customer_pk)
    latest = session.execute(
        sa.select(s.metric, sa.func.max(s.as_of)).where(inside).group_by(s.metric)
    ).all()
    result = []
    for metric, as_of in sorted(latest):
        n, mean = session.execute(
            sa.select(sa.func.count(), sa.func.avg(s.value)).where(
                s.metric == metric, s.as_of == as_of, inside
            )
        ).one()
        labels = session.execute(
            sa.select(s.label, sa.func.count())
            .where(s.metric == metric, s.as_of == as_of, s.label.is_not(None), inside)
            .group_by(s.label)
            .order_by(sa.func.count().desc())
        ).all()
        result.append(
            {
                "metric": metric,
                "as_of": as_of,
                "customers": int(n),
                "mean": None if mean is None else float(mean),
                "labels": {label: int(count) for label, count in labels},
            }
        )
    return result


def list_scores(
    session: Session,
    actor: Actor,
    *,
    metric: str,
    as_of: date | None = None,
    label: str | None = None,
    page: int = 1,
    page_size: int = 50,
    scope: Scope = EVERYTHING,
) -> Page:
    """Scores of one metric in ``scope`` (at ``as_of``, default its latest date), highest
    value first."""
    s = ScoreSnapshot
    page = max(1, page)
    page_size = min(max(1, page_size), 500)
    inside = customer_in_scope(scope, s.customer_pk)
    if as_of is None:
        as_of = session.scalar(sa.select(sa.func.max(s.as_of)).where(s.metric == metric, inside))
    conditions = [s.metric == metric, s.as_of == as_of, inside]
    if label:
        conditions.append(s.label == label)
    total = session.scalar(sa.select(sa.func.count()).select_from(s).where(*conditions))
    rows = session.execute(
        sa.select(Customer.customer_id, s.value, s.label, s.as_of, s.detail)
        .join(Customer, Customer.id == s.customer_pk)
        .where(*conditions)
        .order_by(s.value.desc().nulls_last(), Customer.customer_id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    items = [
        {"customer_id": r[0], "value": r[1], "label": r[2], "as_of": r[3], "detail": r[4]}
        for r in rows
    ]
    audit.record(session, actor, "read", "scores", metric, detail={"results": len(items)})
    session.commit()
    return Page(items=items, total=int(total or 0), page=page, page_size=page_size)
