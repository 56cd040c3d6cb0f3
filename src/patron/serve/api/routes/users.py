"""Users and API tokens (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from patron.collect import users as service
from patron.collect.times import aware
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import (
    ErrorBody,
    TokenCreate,
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


def public(user) -> UserPublic:  # type: ignore[no-untyped-def]
    return UserPublic(
        username=user.username,
        role=user.role,
        active=user.active,
        email=user.email,
        full_name=user.full_name,
        language=user.language,
        locked_until=aware(user.locked_until),
    )


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, actor: Allowed("users:manage")) -> list[UserPublic]:
    return [public(u) for u in service.list_users(session)]


@router.post("", response_model=UserPublic, status_code=201)
def create_user(
    body: UserCreate, session: SessionDep, actor: Allowed("users:manage")
) -> UserPublic:
    return public(service.create_user(session, actor, **body.model_dump()))


@router.patch("/{username}", response_model=UserPublic)
def update_user(
    username: Username, body: UserUpdate, session: SessionDep, actor: Allowed("users:manage")
) -> UserPublic:
    """Change role, state, password or language (a new password also unlocks)."""
    return public(
        service.update_user(session, actor, username, **body.model_dump(exclude_none=True))
    )


@router.post("/{username}/tokens", response_model=TokenPublic, status_code=201)
def create_token(
    username: Username, body: TokenCreate, session: SessionDep, actor: Allowed("users:manage")
) -> TokenPublic:
    """A new API token for a system acting as ``username`` (shown only once)."""
    token = service.create_api_token(session, actor, username, body.name)
    return TokenPublic(username=username, name=body.name, token=token)
