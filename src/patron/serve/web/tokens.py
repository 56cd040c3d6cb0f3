"""API tokens page (admins): every token's dates and state, and a button to revoke it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from patron.collect import users
from patron.serve.api.deps import SessionDep, WebAllowed
from patron.serve.web.render import render

router = APIRouter(prefix="/tokens")


@router.get("")
def tokens_page(
    request: Request, session: SessionDep, actor: WebAllowed("users:manage")
) -> Response:
    """All API tokens, newest first; active ones can be revoked."""
    return render(request, "tokens.html", {"tokens": users.list_api_tokens(session)}, actor=actor)


@router.post("/revoke")
def revoke(
    session: SessionDep,
    actor: WebAllowed("users:manage"),
    username: Annotated[str, Form(min_length=1, max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    """Revoke a token: it stops working with the next request."""
    users.revoke_api_token(session, actor, username, name)
    return RedirectResponse("/tokens", status_code=303)
