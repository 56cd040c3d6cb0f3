"""Sign-in and sign-out pages (session cookie: signed, HttpOnly, SameSite=Lax, Secure on https)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import users
from patron.collect.errors import AccountLockedError, AuthenticationError
from patron.core import security
from patron.core.i18n import _
from patron.serve.api.deps import (
    ANON_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    SessionDep,
    WebActor,
    client_ip,
)
from patron.serve.web.render import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
def home(actor: WebActor) -> RedirectResponse:
    if actor.can("customers:read"):
        return RedirectResponse("/customers", status_code=303)
    if actor.can("analytics:read"):
        return RedirectResponse("/analytics", status_code=303)
    return RedirectResponse("/complaints", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Check the password; after 5 failures in a row the account is locked for 15 minutes."""
    try:
        user = users.authenticate(session, username, password, ip=client_ip(request))
    except AccountLockedError as exc:
        return render(
            request, "login.html", {"next": safe_next(next), "error": str(exc)}, status_code=429
        )
    except AuthenticationError as exc:
        return render(
            request, "login.html", {"next": safe_next(next), "error": str(exc)}, status_code=401
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        security.make_session_cookie(request.app.state.secret_key, user_pk=user.id),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(ANON_COOKIE)
    if user.language:
        response.set_cookie("patron_lang", user.language, samesite="lax")
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def signed_out_message() -> str:
    return _("You are signed out.")
