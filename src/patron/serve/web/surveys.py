"""Survey pages: set-up (instruments, invitation links) and the public answer page."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from patron.collect import surveys as service
from patron.collect.errors import TokenError
from patron.collect.store.models import Customer
from patron.core.i18n import normalize_language
from patron.exceptions import InputError
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.lists import list_context, set_flash
from patron.serve.web.render import render, request_language

router = APIRouter()
Token = Annotated[str, Path(min_length=1, max_length=500)]


def _setup_page(request: Request, session: Session, actor, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
    """The survey list (one list component) with each survey's headline figures."""
    context = list_context(request, session, actor, "surveys")
    context["summaries"] = {
        s.code: service.response_summary(session, s.code) for s in context["found"].items
    }
    context["kinds"] = service.KINDS
    context.update(extra)
    if request.headers.get("hx-request"):
        return render(request, "_survey_rows.html", context, actor=actor)
    return render(request, "surveys.html", context, actor=actor, status_code=status)


@router.get("/surveys")
def surveys_page(
    request: Request, session: SessionDep, actor: WebAllowed("surveys:read")
) -> Response:
    return _setup_page(request, session, actor)


@router.post("/surveys")
def create_survey(
    request: Request,
    session: SessionDep,
    actor: WebAllowed("surveys:write"),
    code: Annotated[str, Form(min_length=1, max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    kind: Annotated[str, Form(max_length=20)] = "NPS",
) -> Response:
    """A survey from one preset, in one step (the builder does more)."""
    service.create_survey(session, actor, code=code, name=name, kind=kind)
    return RedirectResponse(f"/surveys/{quote(code)}", status_code=303)


@router.post("/surveys/{code}/invitations")
def create_invitation(
    request: Request,
    code: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("surveys:write"),
    customer_id: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    """Make a single-use link; the survey's page shows it once, with its QR code."""
    _invitation, token = service.create_invitation(
        session,
        actor,
        survey_code=code,
        customer_id=customer_id or None,
        channel="web",
        secret_key=workspace.secret_key,
    )
    response = RedirectResponse(f"/surveys/{quote(code)}", status_code=303)
    return set_flash(
        request, response, f"/surveys/{quote(code)}", link=f"{request.base_url}s/{token}"
    )


def _answer_language(request: Request, session: Session, customer_pk: int | None) -> str:
    """``?lang=`` or the reader's cookie first, then the customer's language, then the browser's."""
    if request.query_params.get("lang") or request.cookies.get("patron_lang"):
        return request_language(request)
    customer = session.get(Customer, customer_pk) if customer_pk is not None else None
    if customer is not None and customer.language:
        return normalize_language(customer.language)
    return request_language(request)


@router.get("/s/{token}")
def answer_page(
    request: Request, token: Token, session: SessionDep, workspace: WorkspaceDep
) -> Response:
    """The public, phone-sized answer page (English or Chinese)."""
    try:
        invitation, survey = service.open_invitation(
            session, token, secret_key=workspace.secret_key
        )
    except TokenError as exc:
        lang = request_language(request)
        return render(
            request,
            "survey_done.html",
            {"message": str(exc), "ok": False},
            status_code=exc.status,
            lang=lang,
        )
    lang = _answer_language(request, session, invitation.customer_pk)
    return render(
        request,
        "survey_answer.html",
        {
            "survey": survey,
            "questions": service.survey_items(survey, lang),
            "token": token,
            "error": None,
            "values": {},
        },
        lang=lang,
    )


@router.post("/s/{token}")
async def submit_answers(request: Request, token: Token) -> Response:
    """Store the answers once; a second submit shows that they are already recorded."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    answers = {
        key[2:]: form_number(value)
        for key, value in form.items()
        if key.startswith("q_") and isinstance(value, str) and len(key) <= 62
    }
    comment = form.get("comment")
    comment = comment[:4000] if isinstance(comment, str) else None
    return await run_in_threadpool(_submit, request, token, answers, comment)


def form_number(value: str) -> int | float | str:
    """A form's answer as a number (``int`` when whole); other text as typed (refused later)."""
    text = value.strip()
    if re.fullmatch(r"[+-]?\d{1,6}", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d{0,6}\.\d{1,6}", text):
        return float(text)
    return value


def _submit(request: Request, token: str, answers: dict, comment: str | None) -> Response:  # type: ignore[type-arg]
    from patron.collect.store.db import session_factory

    session = session_factory(request.app.state.database_url)()
    lang = request_language(request)
    try:
        try:
            service.submit_response(
                session,
                token,
                answers,
                secret_key=request.app.state.secret_key,
                source="web",
                comment=comment,
            )
        except TokenError as exc:
            return render(
                request,
                "survey_done.html",
                {"message": str(exc), "ok": False},
                status_code=exc.status,
                lang=lang,
            )
        except InputError as exc:
            _invitation, survey = service.open_invitation(
                session, token, secret_key=request.app.state.secret_key
            )
            return render(
                request,
                "survey_answer.html",
                {
                    "survey": survey,
                    "questions": service.survey_items(survey, lang),
                    "token": token,
                    "error": str(exc),
                    "values": answers,
                },
                status_code=422,
                lang=lang,
            )
        return render(request, "survey_done.html", {"message": None, "ok": True}, lang=lang)
    finally:
        session.close()
