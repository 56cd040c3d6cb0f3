"""Orders (and stays): list a customer's purchases, record a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from patron.collect import activity
from patron.collect.times import aware
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import ErrorBody, OrderCreate, OrderPublic, OrdersPage

router = APIRouter(
    prefix="/orders",
    tags=["orders"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)},
)


def public(order, customer_id: str) -> OrderPublic:  # type: ignore[no-untyped-def]
    return OrderPublic(
        id=order.id,
        order_id=order.order_id,
        customer_id=customer_id,
        ordered_at=aware(order.ordered_at),
        amount=order.amount,
        channel=order.channel,
        location=order.location,
        quantity=order.quantity,
        status=order.status,
    )


@router.get("", response_model=OrdersPage)
def list_orders(
    session: SessionDep,
    actor: Allowed("customers:read"),
    customer_id: Annotated[str | None, Query(max_length=128, pattern=r"^[^\x00]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrdersPage:
    """Orders, newest first, optionally of one customer."""
    found = activity.list_orders(
        session, actor, customer_id=customer_id, page=page, page_size=page_size
    )
    return OrdersPage(
        items=[public(o, cid) for o, cid in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post("", response_model=OrderPublic, status_code=201)
def create_order(
    body: OrderCreate, session: SessionDep, actor: Allowed("activity:write")
) -> OrderPublic:
    """Record a purchase or a stay."""
    order = activity.record_order(session, actor, **body.model_dump())
    return public(order, body.customer_id)
