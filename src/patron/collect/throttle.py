"""The sign-in throttle: a few attempts per account and per address, then a lockout.

A sign-in first *reserves* an attempt with one atomic ``UPDATE … SET attempts =
attempts + 1 … WHERE attempts < limit`` on the account's row and on the address's row;
only a reserved attempt may check the password. Parallel attempts therefore cannot all
pass a read-then-write check: with a limit of 5, at most 5 passwords are checked however
many requests arrive at once, on SQLite and PostgreSQL alike. The reservation that
reaches the limit locks the key for ``LOCKOUT_S``; a successful sign-in frees the
account (and gives the address back its attempt); after the lockout, or ``LOCKOUT_S``
after the first attempt of a window, the count starts again.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect.store.models import SignInThrottle

ACCOUNT_LIMIT = 5  # failed sign-ins in a row before an account is locked
ADDRESS_LIMIT = 20  # failed sign-ins from one address (any accounts) before it is locked
LOCKOUT_S = 15 * 60


@dataclass(frozen=True)
class Reservation:
    """The outcome of asking for an attempt: granted, or refused until a time."""

    granted: bool
    retry_after_s: int = 0


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:150]


def address_key(ip: str | None) -> str | None:
    return "ip:" + ip[:100] if ip else None


def _ensure_row(session: Session, key: str, now: float) -> None:
    table = SignInThrottle.__table__
    values = {"key": key, "attempts": 0, "window_start_s": now, "locked_until_s": None}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def reserve(session: Session, key: str, limit: int, *, now: float | None = None) -> Reservation:
    """Take one attempt for ``key`` atomically, unless ``limit`` are already taken."""
    now = time.time() if now is None else now
    _ensure_row(session, key, now)
    t = SignInThrottle.__table__.c
    lock_over = sa.and_(t.locked_until_s.is_not(None), t.locked_until_s <= now)
    window_over = sa.and_(t.locked_until_s.is_(None), t.window_start_s <= now - LOCKOUT_S)
    fresh = sa.or_(lock_over, window_over)
    result = session.execute(
        sa.update(SignInThrottle.__table__)
        .where(t.key == key, sa.or_(fresh, t.attempts < limit))
        .values(
            attempts=sa.case((fresh, 1), else_=t.attempts + 1),
            window_start_s=sa.case((fresh, now), else_=t.window_start_s),
            locked_until_s=sa.case(
                (fresh, None),
                (t.attempts + 1 >= limit, now + LOCKOUT_S),
                else_=t.locked_until_s,
            ),
        )
    )
    if result.rowcount == 1:
        return Reservation(True)
    locked_until = session.scalar(sa.select(t.locked_until_s).where(t.key == key))
    wait = (locked_until or now + LOCKOUT_S) - now
    return Reservation(False, max(1, math.ceil(wait)))


def release(session: Session, key: str, *, reset: bool, limit: int) -> None:
    """After a successful sign-in: clear the key (``reset``) or give back one attempt."""
    t = SignInThrottle.__table__.c
    if reset:
        values = {"attempts": 0, "locked_until_s": None}
    else:
        remaining = sa.case((t.attempts > 0, t.attempts - 1), else_=0)
        values = {
            "attempts": remaining,
            "locked_until_s": sa.case((remaining < limit, None), else_=t.locked_until_s),
        }
    session.execute(sa.update(SignInThrottle.__table__).where(t.key == key).values(**values))


def clear(session: Session, key: str) -> None:
    """Forget a key's attempts (an admin set a new password: the account is unlocked)."""
    session.execute(sa.delete(SignInThrottle.__table__).where(SignInThrottle.key == key))


def locked_until(session: Session, key: str, *, now: float | None = None) -> float | None:
    """When ``key``'s lockout ends (seconds since the epoch), or None when it is not locked."""
    now = time.time() if now is None else now
    t = SignInThrottle.__table__.c
    value = session.scalar(sa.select(t.locked_until_s).where(t.key == key))
    return value if value is not None and value > now else None
