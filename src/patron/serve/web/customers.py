"""Customer pages: search (HTMX live results) and the 360 view with the guest card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import complaints as complaint_service
from patron.collect import customer_search, customer_view
from patron.collect import customers as service
from patron.collect.questions import item_questions
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.render import render

router = APIRouter(prefix="/customers")
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("")
def search_page(
    request: Request,
    session: SessionDep,
    actor: WebAllowed("customers:read"),
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The search page; an HTMX request gets only the results fragment."""
    found = (
        customer_search.search_customers(session, actor, q=q, page=page, page_size=20)
        if q and q.strip()
        else None
    )
    context = {"q": q or "", "found": found}
    if request.headers.get("hx-request"):
        return render(request, "_customer_results.html", context, actor=actor)
    return render(request, "customers.html", context, actor=actor)


@router.get("/{customer_id}")
def customer_page(
    request: Request,
    customer_id: CustomerId,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("customers:read"),
) -> Response:
    """The customer 360: guest card, scores, preferences, dates, timeline."""
    view = customer_view.customer_360(session, actor, customer_id, store_url=workspace.database_url)
    return render(
        request,
        "customer.html",
        {
            "view": view,
            "labels": labels(),
            "severities": complaint_service.SEVERITIES,
            # Survey answers under their questions' words, not their item codes.
            "questions": item_questions(
                workspace.database_url,
                {code for e in view["timeline"] for code in (e.get("answers") or {})},
            ),
        },
        actor=actor,
    )


@router.post("/{customer_id}/preferences")
def add_preference(
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:write"),
    key: Annotated[str, Form(min_length=1, max_length=100)],
    value: Annotated[str, Form(min_length=1, max_length=500)],
) -> RedirectResponse:
    service.add_preference(session, actor, customer_id, key=key, value=value)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/{customer_id}/complaints")
def open_complaint(
    customer_id: CustomerId,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("complaints:write"),
    description: Annotated[str, Form(min_length=1, max_length=10_000)],
    severity: Annotated[str, Form(max_length=20)] = "medium",
    category: Annotated[str | None, Form(max_length=100)] = None,
    channel: Annotated[str | None, Form(max_length=40)] = None,
) -> RedirectResponse:
    complaint = complaint_service.open_complaint(
        session,
        actor,
        customer_id=customer_id,
        description=description,
        severity=severity,
        category=category or None,
        channel=channel or None,
        sla_hours=workspace.setting("complaints", "sla_hours"),
    )
    return RedirectResponse(f"/complaints/{complaint.id}", status_code=303)
