"""Survey pages: set-up (instruments, invitation links) and the public answer page."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from patron.collect import surveys as service
from patron.collect.errors import TokenError
from patron.collect.store.models import Customer
from patron.core.i18n import normalize_language
from patron.exceptions import InputError
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.render import render, request_language

router = APIRouter()
Token = Annotated[str, Path(min_length=1, max_length=500)]


def _setup_page(request: Request, session: Session, actor, **extra) -> Response:  # type: ignore[no-untyped-def]
    surveys = service.list_surveys(session)
    summaries = {s.code: service.response_summary(session, s.code) for s in surveys}
    return render(
        request,
        "surveys.html",
        {"surveys": surveys, "summaries": summaries, "kinds": service.KINDS, **extra},
        actor=actor,
    )


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
    try:
        service.create_survey(session, actor, code=code, name=name, kind=kind)
    except InputError as exc:
        return _setup_page(request, session, actor, error=str(exc))
    return RedirectResponse("/surveys", status_code=303)


@router.post("/surveys/{code}/invitations")
def create_invitation(
    request: Request,
    code: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("surveys:write"),
    customer_id: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    """Make a single-use link and show it once."""
    _invitation, token = service.create_invitation(
        session,
        actor,
        survey_code=code,
        customer_id=customer_id or None,
        channel="web",
        secret_key=workspace.secret_key,
    )
    return _setup_page(
        request, session, actor, new_link=f"{request.base_url}s/{token}", link_survey=code
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
