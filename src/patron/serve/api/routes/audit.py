"""The audit log, newest first (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from patron.collect import audit as service
from patron.collect.times import aware
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import AuditEntry, AuditPage, ErrorBody

router = APIRouter(
    prefix="/audit",
    tags=["audit"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 422)},
)
Filter = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]


@router.get("", response_model=AuditPage)
def audit_log(
    session: SessionDep,
    actor: Allowed("audit:read"),
    user: Filter = None,
    action: Filter = None,
    entity: Filter = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    found = service.search(
        session, actor=user, action=action, entity=entity, page=page, page_size=page_size
    )
    return AuditPage(
        items=[
            AuditEntry(
                at=aware(e.at),
                actor=e.actor,
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                customer_pk=e.customer_pk,
                detail=e.detail,
                ip=e.ip,
            )
            for e in found.items
        ],
        total=found.total,
    )
