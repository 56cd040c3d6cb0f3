"""Survey set-up pages: the builder with its phone preview, one survey's results and sending."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from patron.collect import survey_builder as builder
from patron.collect import surveys as service
from patron.collect.errors import DuplicateError
from patron.core.csvsafe import safe_row
from patron.core.i18n import _
from patron.jobs.survey_csi import survey_csi, survey_model
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.lists import drop_flash, set_flash, take_flash
from patron.serve.web.render import render, request_language

router = APIRouter(prefix="/surveys")
Code = Annotated[str, Path(min_length=1, max_length=100)]
EMPTY_ROWS = 3


def qr_svg(link: str) -> Markup:
    """The link as a QR code, inline SVG (made here: no network, no script)."""
    code = segno.make(link, error="m")
    return Markup(code.svg_inline(scale=4, title=str(escape(_("QR code of the survey link")))))


async def _draft(request: Request) -> builder.Draft:
    form = await request.form()
    values: dict[str, Any] = {
        k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 2000
    }
    values["preset"] = [p for p in form.getlist("preset") if isinstance(p, str)]
    return builder.read_draft(values)


def _builder_page(request: Request, actor, draft: builder.Draft, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    lang = request_language(request, actor)
    rows = max(EMPTY_ROWS, len(draft.items) + 1)
    return render(
        request,
        "survey_builder.html",
        {
            "draft": draft,
            "rows": rows,
            "presets": builder.PRESETS,
            "preview": builder.preview_items(draft, lang),
        },
        actor=actor,
        status_code=status,
    )


@router.get("/new")
def builder_page(request: Request, actor: WebAllowed("surveys:write")) -> Response:
    return _builder_page(request, actor, builder.Draft(presets=["NPS"]))


@router.post("/preview")
async def preview(request: Request, actor: WebAllowed("surveys:write")) -> Response:
    """The phone-sized preview of what the builder holds (HTMX, on every change)."""
    draft = await _draft(request)
    lang = request_language(request, actor)
    return render(
        request,
        "_survey_preview.html",
        {"preview": builder.preview_items(draft, lang), "draft": draft},
        actor=actor,
    )


@router.post("/new")
async def build(
    request: Request, session: SessionDep, actor: WebAllowed("surveys:write")
) -> Response:
    """Create the survey; a bad field shows the builder again with its message."""
    draft = await _draft(request)
    if draft.ok:
        try:
            survey = builder.build_survey(session, actor, draft)
        except DuplicateError as exc:
            draft.errors["code"] = str(exc)
        else:
            return RedirectResponse(f"/surveys/{survey.code}", status_code=303)
    return _builder_page(request, actor, draft, status=422)


@router.get("/{code}")
def survey_page(
    request: Request, code: Code, session: SessionDep, actor: WebAllowed("surveys:read")
) -> Response:
    """One survey: its questions, response rate, live results, and how to send it."""
    survey = service.get_survey(session, code)
    lang = request_language(request, actor)
    flash = take_flash(request)
    link = flash.get("link")
    context = {
        "survey": survey,
        "sm": service.response_summary(session, code),
        "items": builder.item_results(session, survey, lang),
        "new_link": link,
        "qr": qr_svg(link) if link else None,
        "units": builder.unit_choices(session),
        "labels": labels(),
        "flash": flash,
        "csi_model": survey_model(survey),
    }
    response = render(request, "survey.html", context, actor=actor)
    return drop_flash(request, response, f"/surveys/{code}")


@router.get("/{code}/csi")
def survey_index(
    request: Request, code: Code, session: SessionDep, actor: WebAllowed("surveys:read")
) -> Response:
    """The satisfaction index and its drivers, fitted on the answers now (loaded lazily by
    the survey's page; a person who opens this address is sent to that page)."""
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/surveys/{quote(code, safe='')}#survey-csi", status_code=303)
    result = survey_csi(session, code, lang=request_language(request, actor))
    return render(request, "_survey_csi.html", {"csi": result}, actor=actor)


@router.post("/{code}/link")
def personal_link(
    request: Request,
    code: Code,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("surveys:write"),
    customer_id: Annotated[str | None, Form(max_length=128)] = None,
) -> RedirectResponse:
    """One single-use link (for a customer or anyone), shown once with its QR code."""
    _invitation, token = service.create_invitation(
        session,
        actor,
        survey_code=code,
        customer_id=(customer_id or "").strip() or None,
        channel="web",
        secret_key=workspace.secret_key,
    )
    response = RedirectResponse(f"/surveys/{code}", status_code=303)
    return set_flash(request, response, f"/surveys/{code}", link=f"{request.base_url}s/{token}")


def _links_csv(code: str, links: list[builder.PersonalLink], what: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_id", "name", "email", "link"])
    for link in links:
        writer.writerow(safe_row([link.customer_id, link.name, link.email, link.link]))
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}-{what}.csv"'},
    )


@router.post("/{code}/batch")
def batch(
    request: Request,
    code: Code,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("surveys:write"),
    segment: Annotated[str | None, Form(max_length=60)] = None,
    unit: Annotated[str | None, Form(max_length=64)] = None,
    tag: Annotated[str | None, Form(max_length=60)] = None,
) -> Response:
    """Personal links for a segment, unit or tag, as a CSV to hand to the mailer (once)."""
    links = builder.invite_batch(
        session,
        actor,
        code,
        secret_key=workspace.secret_key,
        base_url=str(request.base_url),
        segment=segment or None,
        unit=unit or None,
        tag=tag or None,
    )
    return _links_csv(code, links, "links")


@router.post("/{code}/remind")
def remind(
    request: Request,
    code: Code,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("surveys:write"),
    after_days: Annotated[int, Form(ge=0, le=60)] = 3,
) -> Response:
    """New links for those who have not answered yet (their old link stops working)."""
    links = builder.remind(
        session,
        actor,
        code,
        secret_key=workspace.secret_key,
        base_url=str(request.base_url),
        after_days=after_days,
    )
    return _links_csv(code, links, "reminders")
