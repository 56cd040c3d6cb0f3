"""Sign-in and sign-out pages (session cookie: signed, HttpOnly, SameSite=Lax, Secure on https).

Sign-ins run in worker threads behind one capacity limiter per app (``SIGN_IN_SLOTS``):
a burst of hundreds waits its turn on the event loop, holding neither a thread nor a
database connection, so other pages keep answering while the throttle turns it away.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import users
from patron.collect.errors import AccountLockedError, AuthenticationError
from patron.collect.store.models import User
from patron.core import security
from patron.core.i18n import _
from patron.serve.api.deps import (
    ANON_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    SessionDep,
    client_ip,
    session_payload,
)
from patron.serve.web.render import render

router = APIRouter()
SIGN_IN_SLOTS = security.HASH_SLOTS


def sign_in_limiter(app: FastAPI) -> anyio.CapacityLimiter:
    """The app's limiter on sign-ins being checked at once (made in the running loop)."""
    limiter = getattr(app.state, "sign_in_limiter", None)
    if limiter is None:
        limiter = app.state.sign_in_limiter = anyio.CapacityLimiter(SIGN_IN_SLOTS)
    return limiter


def _sign_in(session, username: str, password: str, ip: str | None) -> tuple[User, str]:  # type: ignore[no-untyped-def]
    user = users.authenticate(session, username, password, ip=ip)
    return user, users.start_session(session, user, ip=ip)


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Check the password; after 5 failures in a row the account is locked for 15 minutes."""
    check = partial(_sign_in, session, username, password, client_ip(request))
    try:
        user, sid = await anyio.to_thread.run_sync(check, limiter=sign_in_limiter(request.app))
    except AccountLockedError as exc:
        page = render(
            request, "login.html", {"next": safe_next(next), "error": str(exc)}, status_code=429
        )
        page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    except AuthenticationError as exc:
        return render(
            request, "login.html", {"next": safe_next(next), "error": str(exc)}, status_code=401
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        security.make_session_cookie(request.app.state.secret_key, user_pk=user.id, session_id=sid),
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
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    """Sign out: the session ends in the store, so a copy of the cookie no longer works."""
    payload = session_payload(request)
    if payload:
        users.end_session(session, str(payload["sid"]))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def signed_out_message() -> str:
    return _("You are signed out.")
