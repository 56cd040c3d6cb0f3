"""Interactions: list a customer's contacts, record a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from patron.collect import activity
from patron.collect.times import aware
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import (
    ErrorBody,
    InteractionCreate,
    InteractionPublic,
    InteractionsPage,
)

router = APIRouter(
    prefix="/interactions",
    tags=["interactions"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)},
)


def public(item, customer_id: str) -> InteractionPublic:  # type: ignore[no-untyped-def]
    return InteractionPublic(
        id=item.id,
        interaction_id=item.interaction_id,
        customer_id=customer_id,
        occurred_at=aware(item.occurred_at),
        channel=item.channel,
        kind=item.kind,
        summary=item.summary,
        is_service=item.is_service,
        staff=item.staff,
    )


@router.get("", response_model=InteractionsPage)
def list_interactions(
    session: SessionDep,
    actor: Allowed("customers:read"),
    customer_id: Annotated[str | None, Query(max_length=128, pattern=r"^[^\x00]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InteractionsPage:
    """Interactions, newest first, optionally of one customer."""
    found = activity.list_interactions(
        session, actor, customer_id=customer_id, page=page, page_size=page_size
    )
    return InteractionsPage(
        items=[public(i, cid) for i, cid in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post("", response_model=InteractionPublic, status_code=201)
def create_interaction(
    body: InteractionCreate, session: SessionDep, actor: Allowed("activity:write")
) -> InteractionPublic:
    """Record a contact at a touchpoint."""
    item = activity.record_interaction(session, actor, **body.model_dump())
    return public(item, body.customer_id)
