"""Customer pages: search (HTMX live results) and the 360 view with the guest card."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import activity, customer_view
from patron.collect import complaints as complaint_service
from patron.collect import customers as service
from patron.collect.customer_form import (
    CONSENTS,
    CONTACT_KINDS,
    FORM_FIELDS,
    LANGUAGES,
    CustomerForm,
    read_contact,
    read_customer_form,
)
from patron.collect.errors import ConflictError, DuplicateError
from patron.collect.questions import item_questions
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.lists import list_context
from patron.serve.web.render import render

router = APIRouter(prefix="/customers")
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("")
def search_page(
    request: Request, session: SessionDep, actor: WebAllowed("customers:read")
) -> Response:
    """The customer list: search (either script), filters, sorting, pages; HTMX gets the rows."""
    context = list_context(request, session, actor, "customers")
    if request.headers.get("hx-request"):
        return render(request, "_customer_results.html", context, actor=actor)
    return render(request, "customers.html", context, actor=actor)


def _form_page(request: Request, actor, form: CustomerForm | None, *, customer=None, status=200):  # type: ignore[no-untyped-def]
    return render(
        request,
        "customer_form.html",
        {"form": form or CustomerForm(), "customer": customer, "languages": LANGUAGES},
        actor=actor,
        status_code=status,
    )


@router.get("/new")
def new_customer_page(request: Request, actor: WebAllowed("customers:write")) -> Response:
    return _form_page(request, actor, None)


@router.post("/new")
async def create_customer(
    request: Request, session: SessionDep, actor: WebAllowed("customers:write")
) -> Response:
    """Add a customer; a bad field shows the form again with the message beside it."""
    raw = {
        k: v for k, v in (await request.form()).items() if isinstance(v, str) and k in FORM_FIELDS
    }
    form = read_customer_form(raw, new=True)
    form.values.setdefault("consent_analytics", True)
    if form.ok:
        values = dict(form.values)
        try:
            customer = service.create_customer(
                session, actor, customer_id=values.pop("customer_id"), **values
            )
        except DuplicateError as exc:
            form.errors["customer_id"] = str(exc)
        else:
            return RedirectResponse(f"/customers/{quote(customer.customer_id)}", status_code=303)
    form.values.update({k: v for k, v in raw.items() if k not in CONSENTS})
    return _form_page(request, actor, form, status=422)


@router.get("/{customer_id}/edit")
def edit_customer_page(
    request: Request,
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:write"),
) -> Response:
    customer = service.read_profile(session, actor, customer_id)
    form = CustomerForm(values=service.profile(customer))
    return _form_page(request, actor, form, customer=customer)


@router.post("/{customer_id}/edit")
async def edit_customer(
    request: Request,
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:write"),
) -> Response:
    """Save the edit (audited); someone else's edit in between is refused, never lost."""
    posted = await request.form()
    raw = {k: v for k, v in posted.items() if isinstance(v, str) and k in FORM_FIELDS}
    version = posted.get("version")
    form = read_customer_form(raw, new=False)
    customer = service.get_customer(session, customer_id, allow_erased=False)
    if form.ok:
        try:
            service.update_customer(
                session,
                actor,
                customer_id,
                form.values,
                expected_version=int(version)
                if isinstance(version, str) and version.isdigit()
                else None,
            )
        except ConflictError as exc:
            form.errors["version"] = str(exc)
        else:
            return RedirectResponse(f"/customers/{quote(customer_id)}", status_code=303)
    form.values.update({k: v for k, v in raw.items() if k not in CONSENTS})
    return _form_page(request, actor, form, customer=customer, status=422)


@router.post("/{customer_id}/contacts")
def log_contact(
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("activity:write"),
    kind: Annotated[str, Form(max_length=20)],
    summary: Annotated[str, Form(max_length=10_000)],
    occurred_at: Annotated[str | None, Form(max_length=40)] = None,
) -> RedirectResponse:
    """Log a call, visit, e-mail or note on the customer's timeline."""
    fields = read_contact(kind, summary, occurred_at)
    activity.record_interaction(session, actor, customer_id=customer_id, **fields)
    return RedirectResponse(f"/customers/{quote(customer_id)}#timeline", status_code=303)


@router.post("/{customer_id}/tags")
def add_tag(
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:write"),
    tag: Annotated[str, Form(min_length=1, max_length=60)],
) -> RedirectResponse:
    service.add_tag(session, actor, customer_id, tag)
    return RedirectResponse(f"/customers/{quote(customer_id)}", status_code=303)


@router.post("/{customer_id}/tags/remove")
def remove_tag(
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:write"),
    tag: Annotated[str, Form(min_length=1, max_length=60)],
) -> RedirectResponse:
    service.remove_tag(session, actor, customer_id, tag)
    return RedirectResponse(f"/customers/{quote(customer_id)}", status_code=303)


@router.post("/{customer_id}/merge")
def merge_duplicate(
    customer_id: CustomerId,
    session: SessionDep,
    actor: WebAllowed("customers:merge"),
    duplicate_id: Annotated[str, Form(min_length=1, max_length=128)],
) -> RedirectResponse:
    """Fold a duplicate into this customer (its history moves here; audited)."""
    service.merge_customers(session, actor, customer_id, duplicate_id.strip())
    return RedirectResponse(f"/customers/{quote(customer_id)}", status_code=303)


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
    customer = service.get_customer(session, customer_id)
    staff = {
        "tags": service.tags(session, customer),
        "contact_kinds": CONTACT_KINDS,
        "categories": complaint_service.CATEGORIES,
    }
    return render(
        request,
        "customer.html",
        {
            "view": view,
            "labels": labels(),
            "severities": complaint_service.SEVERITIES,
            "staff": staff,
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
    return RedirectResponse(f"/customers/{quote(customer_id)}", status_code=303)


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
