"""Complaint pages: the queue coloured by SLA state, and one complaint with its actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import complaint_work
from patron.collect import complaints as service
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.lists import drop_flash, list_context, set_flash, take_flash
from patron.serve.web.render import render

router = APIRouter(prefix="/complaints")
ComplaintPk = Annotated[int, Path(ge=1, le=2**62)]
Version = Annotated[int | None, Form(ge=1, le=2**31 - 1)]


@router.get("")
def queue_page(
    request: Request, session: SessionDep, actor: WebAllowed("complaints:read")
) -> Response:
    """The complaint queue: filters, sorting (most urgent first), pages, bulk actions."""
    context = list_context(request, session, actor, "complaints")
    context["flash"] = take_flash(request)
    context["assignees"] = complaint_work.assignable_users(session)
    context["categories"] = service.CATEGORIES
    template = "_complaint_rows.html" if request.headers.get("hx-request") else "complaints.html"
    return drop_flash(request, render(request, template, context, actor=actor), "/complaints")


@router.post("/bulk")
async def bulk(
    request: Request, session: SessionDep, actor: WebAllowed("complaints:write")
) -> RedirectResponse:
    """Assign, escalate or close the ticked complaints; back to the same queue view."""
    form = await request.form()
    picked = [v for v in form.getlist("pk") if isinstance(v, str)]
    if any(not v.isdigit() or len(v) > 18 for v in picked):
        raise InputError(_("pk: complaint numbers are whole numbers"))
    text = {k: form.get(k) for k in ("action", "assignee", "reason", "back")}
    text = {k: v if isinstance(v, str) else "" for k, v in text.items()}
    result = complaint_work.bulk_action(
        session,
        actor,
        text["action"][:20],
        [int(v) for v in picked],
        assignee=text["assignee"][:100] or None,
        reason=text["reason"][:2000] or None,
    )
    back = text["back"] if text["back"].startswith("?") and len(text["back"]) < 2000 else ""
    response = RedirectResponse(f"/complaints{back}", status_code=303)
    first_refusal = next(iter(result.refused.values()), "")
    return set_flash(
        request,
        response,
        "/complaints",
        action=result.action,
        done=len(result.done),
        refused=len(result.refused),
        why=first_refusal[:300],
    )


@router.post("/new")
def open_complaint(
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("complaints:write"),
    customer_id: Annotated[str, Form(min_length=1, max_length=128)],
    description: Annotated[str, Form(min_length=1, max_length=10_000)],
    severity: Annotated[str, Form(max_length=20)] = "medium",
    category: Annotated[str | None, Form(max_length=100)] = None,
) -> RedirectResponse:
    """Open a complaint from the queue for the customer with this id."""
    complaint = service.open_complaint(
        session,
        actor,
        customer_id=customer_id.strip(),
        description=description,
        severity=severity,
        category=(category or "").strip() or None,
        sla_hours=workspace.setting("complaints", "sla_hours"),
    )
    return RedirectResponse(f"/complaints/{complaint.id}", status_code=303)


@router.post("/escalate-overdue")
def escalate_overdue(session: SessionDep, actor: WebAllowed("complaints:write")) -> Response:
    service.escalate_overdue(session, actor)
    return RedirectResponse("/complaints", status_code=303)


def _detail(request: Request, session, actor, pk: int) -> Response:  # type: ignore[no-untyped-def]
    data = service.complaint_detail(session, actor, pk)
    complaint = service.get_complaint(session, pk)
    flash = take_flash(request)
    context = {
        "c": data,
        "labels": labels(),
        "followup_link": flash.get("followup"),
        "assignees": complaint_work.assignable_users(session, complaint.unit_pk),
        "categories": service.CATEGORIES,
    }
    response = render(request, "complaint.html", context, actor=actor)
    return drop_flash(request, response, f"/complaints/{pk}")


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
    """Give the complaint to a user chosen from the list of those who handle complaints."""
    complaint_work.assign_to_user(session, actor, complaint_pk, assignee, expected_version=version)
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
    response = RedirectResponse(f"/complaints/{complaint_pk}", status_code=303)
    if result.followup_token:  # shown once on the page the browser is sent to
        link = f"{request.base_url}s/{result.followup_token}"
        set_flash(request, response, f"/complaints/{complaint_pk}", followup=link)
    return response


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
