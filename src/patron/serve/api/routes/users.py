"""Users and API tokens (admins only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response

from patron.collect import throttle
from patron.collect import users as service
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import (
    ErrorBody,
    TokenCreate,
    TokenInfoPublic,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(
    prefix="/users",
    tags=["users"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)},
)
Username = Annotated[str, Path(min_length=1, max_length=100)]


def public(user, session) -> UserPublic:  # type: ignore[no-untyped-def]
    # The lock lives in the sign-in throttle (``users.locked_until`` is no longer written).
    until = throttle.locked_until(session, throttle.account_key(user.username))
    return UserPublic(
        username=user.username,
        role=user.role,
        active=user.active,
        email=user.email,
        full_name=user.full_name,
        language=user.language,
        unit=service.user_unit(session, user),
        locked_until=datetime.fromtimestamp(until, UTC) if until else None,
    )


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, actor: Allowed("users:manage")) -> list[UserPublic]:
    return [public(u, session) for u in service.list_users(session)]


@router.post("", response_model=UserPublic, status_code=201)
def create_user(
    body: UserCreate, session: SessionDep, actor: Allowed("users:manage")
) -> UserPublic:
    return public(service.create_user(session, actor, **body.model_dump()), session)


@router.patch("/{username}", response_model=UserPublic)
def update_user(
    username: Username, body: UserUpdate, session: SessionDep, actor: Allowed("users:manage")
) -> UserPublic:
    """Change role, state, password or language (a new password also unlocks)."""
    return public(
        service.update_user(session, actor, username, **body.model_dump(exclude_none=True)),
        session,
    )


@router.post("/{username}/tokens", response_model=TokenPublic, status_code=201)
def create_token(
    username: Username, body: TokenCreate, session: SessionDep, actor: Allowed("users:manage")
) -> TokenPublic:
    """A new API token for a system acting as ``username`` (shown only once)."""
    token = service.create_api_token(
        session, actor, username, body.name, expires_in_days=body.expires_in_days
    )
    created = service.list_api_tokens(session, username)[0]
    return TokenPublic(
        username=username, name=body.name, token=token, expires_at=created.expires_at
    )


@router.get("/{username}/tokens", response_model=list[TokenInfoPublic])
def list_tokens(
    username: Username, session: SessionDep, actor: Allowed("users:manage")
) -> list[TokenInfoPublic]:
    """The user's API tokens, newest first: names, dates and state, never the tokens."""
    return [
        TokenInfoPublic(**{**vars(t), "active": t.active})
        for t in service.list_api_tokens(session, username)
    ]


@router.delete("/{username}/tokens/{name}", status_code=204, response_class=Response)
def revoke_token(
    username: Username,
    name: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    actor: Allowed("users:manage"),
) -> Response:
    """Revoke the user's active tokens of that name: they stop working with the next request."""
    service.revoke_api_token(session, actor, username, name)
    return Response(status_code=204)
