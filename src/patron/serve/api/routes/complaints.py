"""Complaints: the queue, opening one, and the workflow actions (assign … resolve, close)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from patron.collect import complaints as service
from patron.serve.api.deps import Allowed, SessionDep, WorkspaceDep
from patron.serve.api.schemas import (
    AssignRequest,
    CloseRequest,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintEventPublic,
    ComplaintPublic,
    ComplaintsPage,
    ErrorBody,
    EscalatedList,
    EscalateRequest,
    NoteRequest,
    ResolveRequest,
    Severity,
)

router = APIRouter(
    prefix="/complaints",
    tags=["complaints"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 412, 422)},
)
ComplaintPk = Annotated[int, Path(ge=1, le=2**62)]


def sla_hours(workspace) -> dict | None:  # type: ignore[no-untyped-def]
    return workspace.setting("complaints", "sla_hours")


def detail(session, actor, pk: int, link: str | None = None) -> ComplaintDetail:  # type: ignore[no-untyped-def]
    data = service.complaint_detail(session, actor, pk)
    data["events"] = [ComplaintEventPublic(**e) for e in data["events"]]
    return ComplaintDetail(**data, followup_link=link)


@router.get("", response_model=ComplaintsPage, summary="Complaint queue")
def complaint_queue(
    session: SessionDep,
    actor: Allowed("complaints:read"),
    status: Literal["active", "all", "open", "assigned", "resolved", "closed"] = "active",
    severity: Severity | None = None,
    assigned_to: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    breached: bool | None = None,
    customer_id: Annotated[str | None, Query(max_length=128, pattern=r"^[^\x00]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintsPage:
    """Complaints, earliest SLA due time first; ``status=active`` is open plus assigned."""
    found = service.queue(
        session,
        actor,
        status=status,
        severity=severity,
        assigned_to=assigned_to,
        breached=breached,
        customer_id=customer_id,
        page=page,
        page_size=page_size,
    )
    return ComplaintsPage(
        items=[ComplaintPublic(**c) for c in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post("", response_model=ComplaintDetail, status_code=201)
def open_complaint(
    body: ComplaintCreate,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    """Open a complaint; its SLA due time follows from the severity."""
    complaint = service.open_complaint(
        session, actor, **body.model_dump(), sla_hours=sla_hours(workspace)
    )
    return detail(session, actor, complaint.id)


@router.post("/escalate-overdue", response_model=EscalatedList)
def escalate_overdue(session: SessionDep, actor: Allowed("complaints:write")) -> EscalatedList:
    """Escalate every open complaint past its SLA that was not escalated yet."""
    return EscalatedList(escalated=service.escalate_overdue(session, actor))


@router.get("/{complaint_pk:int}", response_model=ComplaintDetail)
def read_complaint(
    complaint_pk: ComplaintPk, session: SessionDep, actor: Allowed("complaints:read")
) -> ComplaintDetail:
    """One complaint with its SLA state and history."""
    return detail(session, actor, complaint_pk)


@router.post("/{complaint_pk:int}/assign", response_model=ComplaintDetail)
def assign(
    complaint_pk: ComplaintPk,
    body: AssignRequest,
    session: SessionDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    service.assign(session, actor, complaint_pk, body.assignee, expected_version=body.version)
    return detail(session, actor, complaint_pk)


@router.post("/{complaint_pk:int}/notes", response_model=ComplaintDetail)
def add_note(
    complaint_pk: ComplaintPk,
    body: NoteRequest,
    session: SessionDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    service.add_note(session, actor, complaint_pk, body.note)
    return detail(session, actor, complaint_pk)


@router.post("/{complaint_pk:int}/escalate", response_model=ComplaintDetail)
def escalate(
    complaint_pk: ComplaintPk,
    body: EscalateRequest,
    session: SessionDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    service.escalate(session, actor, complaint_pk, body.reason)
    return detail(session, actor, complaint_pk)


@router.post("/{complaint_pk:int}/resolve", response_model=ComplaintDetail)
def resolve(
    complaint_pk: ComplaintPk,
    body: ResolveRequest,
    request: Request,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    """Resolve; the follow-up question's link is returned once (``followup_link``)."""
    result = service.resolve(
        session,
        actor,
        complaint_pk,
        body.resolution,
        secret_key=workspace.secret_key,
        expected_version=body.version,
        followup=body.followup,
    )
    link = f"{request.base_url}s/{result.followup_token}" if result.followup_token else None
    return detail(session, actor, complaint_pk, link)


@router.post("/{complaint_pk:int}/close", response_model=ComplaintDetail)
def close_unresolved(
    complaint_pk: ComplaintPk,
    body: CloseRequest,
    session: SessionDep,
    actor: Allowed("complaints:write"),
) -> ComplaintDetail:
    service.close_unresolved(
        session, actor, complaint_pk, body.reason, expected_version=body.version
    )
    return detail(session, actor, complaint_pk)
