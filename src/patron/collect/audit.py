"""Who did what to which record, and who looked at whose personal data: the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect.store.models import AuditLog

if TYPE_CHECKING:
    from patron.collect.roles import Actor

ACTIONS = ("read", "create", "update", "delete", "import", "export", "erase", "merge")


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    *,
    customer_pk: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit row in the caller's transaction (it commits with the change itself)."""
    session.add(
        AuditLog(
            actor=actor.username,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            customer_pk=customer_pk,
            detail=detail,
            ip=actor.ip,
        )
    )


def record_now(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    *,
    customer_pk: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Like ``record``, but one plain INSERT sent at once (no ORM flush).

    For hot read paths (the customer 360) that add nothing else to the session: the
    unit-of-work flush of one object cost more than the read it audits.
    """
    session.execute(
        _INSERT,
        {
            "actor": actor.username,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "customer_pk": customer_pk,
            "detail": detail,
            "ip": actor.ip,
        },
    )


_INSERT = sa.insert(AuditLog.__table__)


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditLog]
    total: int


def search(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    customer_pk: int | None = None,
    since: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """Audit rows, newest first, filtered by who, what, which customer and since when."""
    conditions = []
    if actor:
        conditions.append(AuditLog.actor == actor)
    if action:
        conditions.append(AuditLog.action == action)
    if entity:
        conditions.append(AuditLog.entity == entity)
    if customer_pk is not None:
        conditions.append(AuditLog.customer_pk == customer_pk)
    if since is not None:
        conditions.append(AuditLog.at >= since)
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(*conditions))
    items = session.scalars(
        sa.select(AuditLog)
        .where(*conditions)
        .order_by(AuditLog.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return AuditPage(items=list(items), total=int(total or 0))
