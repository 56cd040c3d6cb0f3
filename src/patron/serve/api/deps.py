"""What a request needs before a route runs: the workspace, a store session, the actor, guards.

Authentication: ``Authorization: Bearer <API token>`` for systems, the signed session
cookie for people using the web pages. Both are checked against the store on every
request (no cache; the customer 360 checks its token in the same round trip as its read): a revoked or expired token, an ended session or a deactivated user
stops working at once. Authorisation is a dependency per permission
(``Allowed("customers:read")``). CSRF: requests that carry the session cookie (or post a
web form) must send the session's CSRF token (``X-CSRF-Token`` header or ``csrf_token``
form field); bearer-token calls need none, since a browser never adds them by itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from patron.collect.errors import AuthenticationError, PermissionDeniedError
from patron.collect.roles import Actor
from patron.collect.store.db import session_factory
from patron.collect.users import actor_for, user_for_session, user_for_token
from patron.core import security
from patron.core.i18n import _
from patron.core.workspace import Workspace

SESSION_COOKIE = "patron_session"
ANON_COOKIE = "patron_anon"
SESSION_MAX_AGE_S = 12 * 3600  # the cookie's age limit; the store's session also expires
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """A web page needs a signed-in user: the app redirects to the sign-in page."""


class CsrfError(Exception):
    """A state-changing request without this session's CSRF token."""


# Cheap dependencies are ``async def``: FastAPI runs plain ``def`` ones in the thread
# pool, and each hop there cost more than the work itself.
async def get_workspace(request: Request) -> Workspace:
    return request.app.state.workspace


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Creating a session opens no connection (that happens at its first query, in the
    # route's thread); closing it after a committed request touches no network either.
    session = session_factory(request.app.state.database_url)()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def session_payload(request: Request) -> dict | None:
    """The valid session cookie's payload (user and session id), or None."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    return security.read_session_cookie(
        request.app.state.secret_key, value, max_age_s=SESSION_MAX_AGE_S
    )


def request_sid(request: Request) -> str | None:
    """The id CSRF tokens are bound to: the session's, else the anonymous visitor's."""
    payload = session_payload(request)
    if payload:
        return payload["sid"]
    return request.cookies.get(ANON_COOKIE)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def actor_or_none(request: Request, session: Session) -> Actor | None:
    """The bearer token's or the signed-in session's actor (checked in the store), or None."""
    token = bearer_token(request)
    ip = client_ip(request)
    if token:
        user = user_for_token(session, token)
        if user is None:
            raise AuthenticationError(_("the API token is not valid"))
        return actor_for(user, ip=ip)
    payload = session_payload(request)
    if payload:
        user = user_for_session(session, str(payload["sid"]))
        if user is not None and str(user.id) == str(payload["u"]):
            return actor_for(user, ip=ip)
    return None


async def current_actor(request: Request, session: SessionDep) -> Actor:
    """The signed-in user or token holder; 401 for the API when there is none."""
    if bearer_token(request) is None and session_payload(request) is None:
        actor = None  # nothing to look up
    else:  # the store is needed: do it in the thread pool, off the event loop
        actor = await run_in_threadpool(actor_or_none, request, session)
    if actor is None:
        raise AuthenticationError(_("sign in or send an API token"))
    return actor


def web_actor(request: Request, session: SessionDep) -> Actor:
    """The signed-in user of a web page; redirects to the sign-in page when there is none."""
    actor = actor_or_none(request, session)
    if actor is None:
        raise LoginRequired()
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
WebActor = Annotated[Actor, Depends(web_actor)]


def Allowed(permission: str) -> type[Actor]:  # noqa: N802 - reads like a type in signatures
    """An API actor holding ``permission`` (403 otherwise)."""

    async def guard(actor: CurrentActor) -> Actor:
        actor.require(permission)
        return actor

    guard.__name__ = f"allowed_{permission.replace(':', '_')}"
    return Annotated[Actor, Depends(guard)]  # type: ignore[return-value]


def WebAllowed(permission: str) -> type[Actor]:  # noqa: N802
    """A signed-in web user holding ``permission`` (403 page otherwise)."""

    async def guard(actor: WebActor) -> Actor:
        if not actor.can(permission):
            raise PermissionDeniedError(_("your role may not open this page"))
        return actor

    guard.__name__ = f"web_allowed_{permission.replace(':', '_')}"
    return Annotated[Actor, Depends(guard)]  # type: ignore[return-value]


async def verify_csrf(request: Request) -> None:
    """Refuse state-changing requests that ride on the cookie without the CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    path = request.url.path
    has_session = SESSION_COOKIE in request.cookies
    if path.startswith("/api/public/"):
        return  # the single-use survey token is the credential
    if path.startswith("/api/") and not has_session:
        return  # bearer calls (or none at all: authentication answers 401)
    token = request.headers.get("x-csrf-token")
    if not token and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    sid = request_sid(request)
    if not sid or not security.check_csrf_token(request.app.state.secret_key, sid, token):
        raise CsrfError()
