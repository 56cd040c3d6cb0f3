"""The staff lists' shared web part: read the query, render a page, export CSV, saved filters."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from patron.collect import listing, staff_lists
from patron.collect.errors import NotFoundError
from patron.collect.listing import ListPage, ListQuery
from patron.collect.roles import Actor
from patron.core.i18n import N_, _
from patron.serve.api.deps import SessionDep, WebActor, WebAllowed
from patron.serve.web.labels import labels
from patron.serve.web.render import render

router = APIRouter()
ListName = Annotated[str, Path(min_length=1, max_length=40)]


def staff_list(name: str) -> staff_lists.StaffList:
    if name not in staff_lists.LISTS:
        raise NotFoundError(_("no list {name}").format(name=name[:40]))
    return staff_lists.LISTS[name]


def list_query(request: Request, name: str) -> ListQuery:
    """The list's query from the request (a bad parameter answers 400 naming it)."""
    return listing.parse_query(staff_list(name).spec, request.query_params.multi_items())


def list_context(
    request: Request, session: Session, actor: Actor, name: str, query: ListQuery | None = None
) -> dict[str, Any]:
    """What a list page's template needs: the page, the spec, saved filters, labels."""
    query = query or list_query(request, name)
    found: ListPage = staff_lists.page(session, actor, name, query)
    return {
        "found": found,
        "spec": staff_list(name).spec,
        "list_name": name,
        "list_path": request.url.path,
        "saved": listing.saved_filters(session, actor, name),
        "page_sizes": listing.PAGE_SIZES,
        "labels": labels(),
    }


@router.get("/lists/{name}.csv")
def export_list(request: Request, name: ListName, session: SessionDep, actor: WebActor) -> Response:
    """The filtered list as CSV (every matching row up to 100 000, formulas neutralised)."""
    query = list_query(request, name)
    text = staff_lists.export(session, actor, name, query)
    return Response(
        "\ufeff" + text,  # a BOM so spreadsheets read the Chinese names as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/lists/{name}")
def list_page(request: Request, name: ListName, session: SessionDep, actor: WebActor) -> Response:
    """Any staff list as a plain table (tasks, campaigns, responses)."""
    context = list_context(request, session, actor, name)
    context["title"] = _(LIST_TITLES.get(name, name))
    context["status_words"] = {k: _(v) for k, v in staff_lists.STATUS_WORDS.items()}
    template = "_list_table.html" if request.headers.get("hx-request") else "list_page.html"
    return render(request, template, context, actor=actor)


LIST_TITLES = {
    "customers": N_("Customers"),
    "complaints": N_("Complaints"),
    "surveys": N_("Surveys"),
    "responses": N_("Survey answers"),
    "campaigns": N_("Campaigns"),
    "tasks": N_("Tasks"),
}


@router.post("/lists/tasks/{task_pk}/done")
def task_done(
    task_pk: Annotated[int, Path(ge=1, le=2**62)],
    session: SessionDep,
    actor: WebAllowed("customers:write"),
    back: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    staff_lists.finish_task(session, actor, task_pk)
    target = back if back.startswith("?") else ""
    return RedirectResponse(f"/lists/tasks{target}", status_code=303)


@router.post("/lists/{name}/filters")
def save_filter(
    name: ListName,
    session: SessionDep,
    actor: WebActor,
    filter_name: Annotated[str, Form(alias="name", min_length=1, max_length=100)],
    query: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    """Keep the list's current filters under a name (for this user only)."""
    spec = staff_list(name).spec
    actor.require(staff_list(name).permission)
    saved = listing.save_filter(session, actor, spec, filter_name, query)
    return RedirectResponse(f"{_back(back, name)}?{saved.query}", status_code=303)


@router.post("/lists/{name}/filters/{filter_pk}/delete")
def delete_filter(
    name: ListName,
    filter_pk: Annotated[int, Path(ge=1, le=2**62)],
    session: SessionDep,
    actor: WebActor,
    back: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    listing.delete_filter(session, actor, filter_pk)
    return RedirectResponse(_back(back, name), status_code=303)


def _back(back: str, name: str) -> str:
    """Where to go after a form on a list: the list's own page (never another site)."""
    pages = {"customers": "/customers", "complaints": "/complaints", "surveys": "/surveys"}
    allowed = {pages.get(name, f"/lists/{name}"), f"/lists/{name}"}
    return back if back in allowed else pages.get(name, f"/lists/{name}")


# --- one-time messages after a redirect (Post/Redirect/Get) --------------------------------

FLASH_COOKIE = "patron_flash"


def set_flash(request: Request, response: Response, path: str, **values: str | int) -> Response:
    """Carry a message to the page the POST redirects to (read once, then dropped)."""
    response.set_cookie(
        FLASH_COOKIE,
        urlencode({k: str(v) for k, v in values.items()}),
        max_age=120,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def take_flash(request: Request) -> dict[str, str]:
    """The message a redirecting POST left for this page (empty when none)."""
    raw = request.cookies.get(FLASH_COOKIE)
    return dict(parse_qsl(raw)) if raw else {}


def drop_flash(request: Request, response: Response, path: str) -> Response:
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path=path)
    return response
