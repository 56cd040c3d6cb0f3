"""Complaint pages: the queue coloured by SLA state, and one complaint with its actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import complaints as service
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.render import render

router = APIRouter(prefix="/complaints")
ComplaintPk = Annotated[int, Path(ge=1, le=2**62)]
Version = Annotated[int | None, Form(ge=1, le=2**31 - 1)]


@router.get("")
def queue_page(
    request: Request,
    session: SessionDep,
    actor: WebAllowed("complaints:read"),
    status: Annotated[str, Query(max_length=20)] = "active",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Open complaints, most urgent first; rows coloured by SLA state."""
    found = service.queue(session, actor, status=status, page=page, page_size=50)
    context = {"found": found, "status": status, "labels": labels()}
    if request.headers.get("hx-request"):
        return render(request, "_complaint_rows.html", context, actor=actor)
    return render(request, "complaints.html", context, actor=actor)


@router.post("/escalate-overdue")
def escalate_overdue(session: SessionDep, actor: WebAllowed("complaints:write")) -> Response:
    service.escalate_overdue(session, actor)
    return RedirectResponse("/complaints", status_code=303)


def _detail(
    request: Request, session, actor, pk: int, followup_link: str | None = None
) -> Response:  # type: ignore[no-untyped-def]
    data = service.complaint_detail(session, actor, pk)
    return render(
        request,
        "complaint.html",
        {"c": data, "labels": labels(), "followup_link": followup_link},
        actor=actor,
    )


@router.get("/{complaint_pk}")
def complaint_page(
    request: Request,
    complaint_pk: ComplaintPk,
    session: SessionDep,
    actor: WebAllowed("complaints:read"),
) -> Response:
    return _detail(request, session, actor, complaint_pk)


@router.post("/{complaint_pk}/assign")
def assign(
    complaint_pk: ComplaintPk,
    session: SessionDep,
    actor: WebAllowed("complaints:write"),
    assignee: Annotated[str, Form(min_length=1, max_length=100)],
    version: Version = None,
) -> RedirectResponse:
    service.assign(session, actor, complaint_pk, assignee, expected_version=version)
    return RedirectResponse(f"/complaints/{complaint_pk}", status_code=303)


@router.post("/{complaint_pk}/note")
def note(
    complaint_pk: ComplaintPk,
    session: SessionDep,
    actor: WebAllowed("complaints:write"),
    note: Annotated[str, Form(min_length=1, max_length=10_000)],
) -> RedirectResponse:
    service.add_note(session, actor, complaint_pk, note)
    return RedirectResponse(f"/complaints/{complaint_pk}", status_code=303)


@router.post("/{complaint_pk}/escalate")
def escalate(
    complaint_pk: ComplaintPk,
    session: SessionDep,
    actor: WebAllowed("complaints:write"),
    reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> RedirectResponse:
    service.escalate(session, actor, complaint_pk, reason or None)
    return RedirectResponse(f"/complaints/{complaint_pk}", status_code=303)


@router.post("/{complaint_pk}/resolve")
def resolve(
    request: Request,
    complaint_pk: ComplaintPk,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("complaints:write"),
    resolution: Annotated[str, Form(min_length=1, max_length=10_000)],
    version: Version = None,
) -> Response:
    """Resolve and show the follow-up question's link (shown only now)."""
    result = service.resolve(
        session,
        actor,
        complaint_pk,
        resolution,
        secret_key=workspace.secret_key,
        expected_version=version,
    )
    link = f"{request.base_url}s/{result.followup_token}" if result.followup_token else None
    return _detail(request, session, actor, complaint_pk, link)


@router.post("/{complaint_pk}/close")
def close(
    complaint_pk: ComplaintPk,
    session: SessionDep,
    actor: WebAllowed("complaints:write"),
    reason: Annotated[str, Form(min_length=1, max_length=10_000)],
    version: Version = None,
) -> RedirectResponse:
    service.close_unresolved(session, actor, complaint_pk, reason, expected_version=version)
    return RedirectResponse(f"/complaints/{complaint_pk}", status_code=303)
