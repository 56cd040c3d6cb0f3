"""Who may do what: users, roles, the permission matrix, sign-in, sessions, API tokens.

Sign-in goes through the atomic throttle (``patron.collect.throttle``): 5 failed attempts
lock an account for 15 minutes, 20 lock an address. A web session lives in the store
(``user_sessions``): signing out, deactivating the user or changing the password ends it
at once. API tokens expire (90 days unless asked otherwise), can be revoked, and stop
working the moment their user is deactivated; their ``last_used_at`` is kept to the minute.

Roles: ``agent`` (front-line staff: the customer 360 and complaints), ``analyst``
(analytics and surveys), ``admin`` (everything, plus users, export and erasure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit, throttle
from patron.collect.errors import (
    AccountLockedError,
    AuthenticationError,
    DuplicateError,
    NotFoundError,
)
from patron.collect.roles import ROLES, Actor
from patron.collect.roles import SYSTEM as SYSTEM  # the system actor, reached through users too
from patron.collect.store.models import ApiToken, User, UserSession
from patron.collect.times import aware as _aware
from patron.collect.times import now as _now
from patron.core import security
from patron.core.emails import check_email
from patron.core.i18n import _
from patron.exceptions import InputError

MAX_FAILED_LOGINS = throttle.ACCOUNT_LIMIT
LOCKOUT = timedelta(seconds=throttle.LOCKOUT_S)
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_LIFETIME_DAYS = 90  # a new API token's default life
TOKEN_MAX_DAYS = 3650
LAST_USED_EVERY = timedelta(minutes=1)  # ``last_used_at`` is written at most this often


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(
            _("unknown role {role}: use one of {roles}").format(role=role, roles=", ".join(ROLES))
        )


def _check_password(password: str, username: str | None = None) -> None:
    problem = security.password_problem(password, username=username)
    if problem:
        raise InputError(problem)


def _unit_pk(session: Session, unit: str | None) -> int | None:
    """The unit a user works in; none, "" or "all" for the whole organisation."""
    from patron.collect.units import unit_pk_for

    if unit is None or unit.strip().lower() in ("", "all", "*"):
        return None
    return unit_pk_for(session, unit)


def user_unit(session: Session, user: User) -> str | None:
    """The code of the unit a user works in (``None``: the whole organisation)."""
    from patron.collect.store.models import Unit

    if user.unit_pk is None:
        return None
    return session.scalar(sa.select(Unit.code).where(Unit.id == user.unit_pk))


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
    unit: str | None = None,
) -> User:
    """Add a user with a hashed password; ``unit`` (a unit's code) bounds what they see to
    that unit and everything below it (none: the whole organisation)."""
    _check_role(role)
    username = username.strip()
    _check_password(password, username)
    if not username:
        raise InputError(_("the user name is empty"))
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise DuplicateError(_("the user {username} already exists").format(username=username))
    if email:
        email = check_email(email, field="email")
    user = User(
        username=username,
        password_hash=security.hash_password(password),
        role=role,
        email=email,
        full_name=full_name,
        language=language,
        unit_pk=_unit_pk(session, unit),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "create", "user", username, detail={"role": role, "unit": unit or None}
    )
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
    unit: str | None = None,
) -> User:
    """Change a user's role, state, password, language or unit ("all" for the whole
    organisation); unlocks on a new password."""
    user = get_user(session, username)
    changed: list[str] = []
    if unit is not None:
        user.unit_pk = _unit_pk(session, unit)
        changed.append("unit")
    if role is not None:
        _check_role(role)
        user.role = role
        changed.append("role")
    if active is not None:
        user.active = active
        changed.append("active")
        if not active:
            end_user_sessions(session, user.id)
    if password is not None:
        _check_password(password, user.username)
        user.password_hash = security.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        throttle.clear(session, throttle.account_key(user.username))
        end_user_sessions(session, user.id)
        changed.append("password")
    if email:
        email = check_email(email, field="email")
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
    """Check a sign-in through the throttle; every attempt is written to the audit log.

    An attempt is first reserved atomically for the account, then the address (see
    ``patron.collect.throttle``); a refused one raises ``AccountLockedError`` without
    checking any password. The reservation is committed before the password is checked,
    so no database connection is held during the slow hash. Unknown user names cost the
    same as wrong passwords (a dummy hash is verified) and lock the same way.
    """
    address = throttle.address_key(ip)
    limits = [(throttle.account_key(username), throttle.ACCOUNT_LIMIT)]
    if address is not None:
        limits.append((address, throttle.ADDRESS_LIMIT))
    granted: list[tuple[str, int]] = []
    for key, limit in limits:
        reservation = throttle.reserve(session, key, limit)
        if not reservation.granted:
            for taken, taken_limit in granted:  # refused here: the account keeps its attempt
                throttle.release(session, taken, reset=False, limit=taken_limit)
            audit.record(session, Actor(username, "-", ip=ip), "login_locked", "user", username)
            session.commit()
            raise AccountLockedError(
                _("too many failed sign-ins: try again in {minutes} minutes").format(
                    minutes=max(1, reservation.retry_after_s // 60 + 1)
                ),
                retry_after_s=reservation.retry_after_s,
            )
        granted.append((key, limit))
    user = session.scalar(sa.select(User).where(User.username == username))
    session.commit()  # the reservation holds; the connection goes back to the pool
    ok, new_hash = security.authenticate_password(
        password, user.password_hash if user is not None else None
    )
    if user is None or not ok or not user.active:
        audit.record(
            session,
            Actor(username, user.role if user else "-", ip=ip),
            "login_failed",
            "user",
            username,
        )
        session.commit()
        raise AuthenticationError(_("wrong user name or password"))
    for key, limit in granted:
        throttle.release(session, key, reset=key.startswith("user:"), limit=limit)
    if new_hash:
        user.password_hash = new_hash
    audit.record(session, Actor(username, user.role, ip=ip), "login", "user", username)
    session.commit()
    return user


def start_session(session: Session, user: User, *, ip: str | None = None) -> str:
    """A new web session for ``user``; returns its id (the cookie carries it, signed)."""
    sid = security.new_session_id()
    session.add(
        UserSession(
            sid_hash=security.hash_token(sid),
            user_pk=user.id,
            expires_at=_now() + SESSION_LIFETIME,
            ip=ip[:64] if ip else None,
        )
    )
    session.commit()
    return sid


def user_for_session(session: Session, sid: str) -> User | None:
    """The active user of a live session (not ended, not expired), or None."""
    return session.execute(
        sa.select(User)
        .join(UserSession, UserSession.user_pk == User.id)
        .where(
            UserSession.sid_hash == security.hash_token(sid),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > _now(),
            User.active.is_(True),
        )
    ).scalar_one_or_none()


def end_session(session: Session, sid: str) -> None:
    """Sign out: the session's cookie stops working at once."""
    session.execute(
        sa.update(UserSession)
        .where(UserSession.sid_hash == security.hash_token(sid), UserSession.ended_at.is_(None))
        .values(ended_at=_now())
    )
    session.commit()


def end_user_sessions(session: Session, user_pk: int) -> int:
    """End every live session of a user (in the caller's transaction); returns how many."""
    result = session.execute(
        sa.update(UserSession)
        .where(UserSession.user_pk == user_pk, UserSession.ended_at.is_(None))
        .values(ended_at=_now())
    )
    return result.rowcount or 0


def create_api_token(
    session: Session,
    actor: Actor,
    username: str,
    name: str,
    *,
    expires_in_days: int = TOKEN_LIFETIME_DAYS,
) -> str:
    """A new API token for ``username``; the token is returned once, only its hash is kept."""
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise InputError(
            _("a token lives between 1 and {most} days, not {days}").format(
                most=TOKEN_MAX_DAYS, days=expires_in_days
            )
        )
    user = get_user(session, username)
    token, token_hash = security.new_api_token()
    session.add(
        ApiToken(
            user_pk=user.id,
            name=name,
            token_hash=token_hash,
            expires_at=_now() + timedelta(days=expires_in_days),
        )
    )
    audit.record(
        session,
        actor,
        "create",
        "api_token",
        f"{username}/{name}",
        detail={"expires_in_days": expires_in_days},
    )
    session.commit()
    return token


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of an API token (never the token itself)."""

    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > _now())


def list_api_tokens(session: Session, username: str | None = None) -> list[TokenInfo]:
    """The API tokens of ``username`` (of everyone when None), newest first."""
    query = sa.select(User.username, ApiToken).join(ApiToken, ApiToken.user_pk == User.id)
    if username is not None:
        query = query.where(User.id == get_user(session, username).id)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        TokenInfo(
            username=name,
            name=token.name,
            created_at=_aware(token.created_at),  # type: ignore[arg-type]
            expires_at=_aware(token.expires_at),
            last_used_at=_aware(token.last_used_at),
            revoked_at=_aware(token.revoked_at),
        )
        for name, token in rows
    ]


def revoke_api_token(session: Session, actor: Actor, username: str, name: str) -> int:
    """Revoke every active token of ``username`` called ``name``; returns how many.

    Takes effect on the next request: tokens are checked against the store every time.
    """
    user = get_user(session, username)
    result = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_pk == user.id, ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    count = result.rowcount or 0
    if count == 0:
        session.rollback()
        raise NotFoundError(
            _("{username} has no active token called {name}").format(username=username, name=name)
        )
    audit.record(session, actor, "delete", "api_token", f"{username}/{name}")
    session.commit()
    return count


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live bearer token belongs to (not revoked, not expired), or None.

    Notes the token's use in ``last_used_at`` when the last note is a minute old or more
    (one small write a minute per token, not one per request).
    """
    now = _now()
    row = session.execute(
        sa.select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_pk == User.id)
        .where(
            ApiToken.token_hash == security.hash_token(token),
            ApiToken.revoked_at.is_(None),
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            User.active.is_(True),
        )
    ).one_or_none()
    if row is None:
        return None
    user, token_pk, last_used = row
    if note_token_use(session, token_pk, last_used, now):
        session.commit()
    return user


def note_token_use(
    session: Session | sa.Connection, token_pk: int, last_used: datetime | None, now: datetime
) -> bool:
    """Write ``last_used_at`` when the last note is ``LAST_USED_EVERY`` old; True if written.

    The caller commits. Of concurrent requests, the first one's note wins (the WHERE
    repeats the staleness test), so a busy token costs one small write a minute.
    """
    stale = now - LAST_USED_EVERY
    if last_used is not None and _aware(last_used) > stale:  # type: ignore[operator]
        return False
    session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_pk,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale),
        )
        .values(last_used_at=now)
    )
    return True


def actor_for(user: User, *, ip: str | None = None) -> Actor:
    return Actor(
        username=user.username, role=user.role, user_pk=user.id, language=user.language, ip=ip
    )
