"""Who the users are: accounts, sign-in with lockout, API tokens.

The roles and what each may do are in ``patron.collect.roles``.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.errors import (
    AccountLockedError,
    AuthenticationError,
    DuplicateError,
    NotFoundError,
)
from patron.collect.roles import ROLES, Actor
from patron.collect.roles import SYSTEM as SYSTEM  # the system actor, reached through users too
from patron.collect.store.models import ApiToken, User
from patron.collect.times import aware, now
from patron.core import security
from patron.core.i18n import _
from patron.exceptions import InputError

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(
            _("unknown role {role}: use one of {roles}").format(role=role, roles=", ".join(ROLES))
        )


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InputError(_("the password must have at least 8 characters"))


def get_user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(_("no user {username}").format(username=username))
    return user


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    email: str | None = None,
    full_name: str | None = None,
    language: str | None = None,
) -> User:
    """Add a user with a hashed password."""
    _check_role(role)
    _check_password(password)
    username = username.strip()
    if not username:
        raise InputError(_("the user name is empty"))
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise DuplicateError(_("the user {username} already exists").format(username=username))
    user = User(
        username=username,
        password_hash=security.hash_password(password),
        role=role,
        email=email,
        full_name=full_name,
        language=language,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", username, detail={"role": role})
    session.commit()
    return user


def update_user(
    session: Session,
    actor: Actor,
    username: str,
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    language: str | None = None,
    full_name: str | None = None,
    email: str | None = None,
) -> User:
    """Change a user's role, state, password or language; unlocks on a new password."""
    user = get_user(session, username)
    changed: list[str] = []
    if role is not None:
        _check_role(role)
        user.role = role
        changed.append("role")
    if active is not None:
        user.active = active
        changed.append("active")
    if password is not None:
        _check_password(password)
        user.password_hash = security.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        changed.append("password")
    for name, value in (("language", language), ("full_name", full_name), ("email", email)):
        if value is not None:
            setattr(user, name, value)
            changed.append(name)
    audit.record(session, actor, "update", "user", username, detail={"fields": changed})
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str, *, ip: str | None = None) -> User:
    """Check a sign-in; locks the account for 15 minutes after 5 failures in a row.

    Takes the same time for unknown user names (a dummy hash is verified). Every
    attempt is written to the audit log.
    """
    user = session.scalar(sa.select(User).where(User.username == username))
    moment = now()
    locked_until = aware(user.locked_until) if user is not None else None
    if user is not None and locked_until is not None and locked_until > moment:
        security.authenticate_password(password, None)  # same cost as a real check
        audit.record(session, Actor(username, user.role, ip=ip), "login_locked", "user", username)
        session.commit()
        raise AccountLockedError(
            _("too many failed sign-ins: try again in {minutes} minutes").format(
                minutes=max(1, int((locked_until - moment).total_seconds() // 60) + 1)
            ),
            retry_after_s=int((locked_until - moment).total_seconds()) + 1,
        )
    ok, new_hash = security.authenticate_password(
        password, user.password_hash if user is not None else None
    )
    if user is None or not ok or not user.active:
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = moment + LOCKOUT
                user.failed_logins = 0
        audit.record(
            session,
            Actor(username, user.role if user else "-", ip=ip),
            "login_failed",
            "user",
            username,
        )
        session.commit()
        raise AuthenticationError(_("wrong user name or password"))
    user.failed_logins = 0
    user.locked_until = None
    if new_hash:
        user.password_hash = new_hash
    audit.record(session, Actor(username, user.role, ip=ip), "login", "user", username)
    session.commit()
    return user


def create_api_token(session: Session, actor: Actor, username: str, name: str) -> str:
    """A new API token for ``username``; the token is returned once, only its hash is kept."""
    user = get_user(session, username)
    token, token_hash = security.new_api_token()
    session.add(ApiToken(user_pk=user.id, name=name, token_hash=token_hash))
    audit.record(session, actor, "create", "api_token", f"{username}/{name}")
    session.commit()
    return token


def revoke_api_token(session: Session, actor: Actor, username: str, name: str) -> int:
    """Revoke every active token of ``username`` called ``name``; returns how many."""
    user = get_user(session, username)
    result = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_pk == user.id, ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    audit.record(session, actor, "delete", "api_token", f"{username}/{name}")
    session.commit()
    return result.rowcount or 0


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    row = session.execute(
        sa.select(User)
        .join(ApiToken, ApiToken.user_pk == User.id)
        .where(
            ApiToken.token_hash == security.hash_token(token),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).scalar_one_or_none()
    return row


def actor_for(user: User, *, ip: str | None = None) -> Actor:
    return Actor(
        username=user.username, role=user.role, user_pk=user.id, language=user.language, ip=ip
    )
