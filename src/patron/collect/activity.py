"""What customers did: record and list interactions and orders by hand or from a system."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.customers import get_customer
from patron.collect.errors import DuplicateError
from patron.collect.roles import Actor
from patron.collect.store.models import Customer, Interaction, Order
from patron.collect.times import Page, aware, now
from patron.core.i18n import _
from patron.exceptions import InputError


def _hash() -> str:
    return hashlib.sha1(uuid.uuid4().bytes).hexdigest()


def record_interaction(
    session: Session,
    actor: Actor,
    *,
    customer_id: str,
    channel: str | None = None,
    kind: str | None = None,
    summary: str | None = None,
    occurred_at: datetime | None = None,
    is_service: bool = False,
    interaction_id: str | None = None,
) -> Interaction:
    """Add a contact (call, visit, e-mail, chat …) to the customer's history."""
    customer = get_customer(session, customer_id, allow_erased=False)
    if interaction_id and session.scalar(
        sa.select(Interaction.id).where(Interaction.interaction_id == interaction_id)
    ):
        raise DuplicateError(_("interaction {id} already exists").format(id=interaction_id))
    item = Interaction(
        interaction_id=interaction_id,
        content_hash=_hash(),
        customer_pk=customer.id,
        occurred_at=aware(occurred_at) or now(),
        channel=channel,
        kind=kind,
        summary=summary,
        is_service=is_service,
        staff=actor.username,
    )
    session.add(item)
    session.flush()
    audit.record(session, actor, "create", "interaction", item.id, customer_pk=customer.id)
    session.commit()
    return item


def record_order(
    session: Session,
    actor: Actor,
    *,
    customer_id: str,
    amount: float,
    ordered_at: datetime | None = None,
    order_id: str | None = None,
    channel: str | None = None,
    location: str | None = None,
    quantity: float | None = None,
    status: str | None = None,
) -> Order:
    """Add a purchase (or stay) to the customer's history."""
    customer = get_customer(session, customer_id, allow_erased=False)
    if amount != amount:  # NaN
        raise InputError(_("the order amount is not a number"))
    if order_id and session.scalar(sa.select(Order.id).where(Order.order_id == order_id)):
        raise DuplicateError(_("order {id} already exists").format(id=order_id))
    order = Order(
        order_id=order_id,
        content_hash=_hash(),
        customer_pk=customer.id,
        ordered_at=aware(ordered_at) or now(),
        amount=float(amount),
        channel=channel,
        location=location,
        quantity=quantity,
        status=status,
    )
    session.add(order)
    session.flush()
    audit.record(
        session, actor, "create", "order", order.order_id or order.id, customer_pk=customer.id
    )
    session.commit()
    return order


def _listing(
    session: Session,
    actor: Actor,
    model: Any,
    time_col: Any,
    entity: str,
    customer_id: str | None,
    page: int,
    page_size: int,
) -> Page:
    page = max(1, page)
    page_size = min(max(1, page_size), 200)
    conditions = []
    customer_pk = None
    if customer_id:
        customer_pk = get_customer(session, customer_id).id
        conditions.append(model.customer_pk == customer_pk)
    total = session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))
    rows = session.execute(
        sa.select(model, Customer.customer_id)
        .join(Customer, Customer.id == model.customer_pk)
        .where(*conditions)
        .order_by(time_col.desc(), model.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    audit.record(
        session, actor, "read", entity, None, customer_pk=customer_pk, detail={"results": len(rows)}
    )
    session.commit()
    return Page(items=list(rows), total=int(total or 0), page=page, page_size=page_size)


def list_interactions(
    session: Session,
    actor: Actor,
    *,
    customer_id: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Interactions, newest first (rows of ``(Interaction, customer_id)``)."""
    return _listing(
        session,
        actor,
        Interaction,
        Interaction.occurred_at,
        "interactions",
        customer_id,
        page,
        page_size,
    )


def list_orders(
    session: Session,
    actor: Actor,
    *,
    customer_id: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Orders, newest first (rows of ``(Order, customer_id)``)."""
    return _listing(session, actor, Order, Order.ordered_at, "orders", customer_id, page, page_size)
