"""Secrets as pure functions: password hashes, API tokens, signed survey links, sessions, CSRF.

Nothing here touches the web framework or the store. Passwords are hashed with Argon2id
through pwdlib; API tokens are random and only their SHA-256 is stored; survey links and
session cookies are signed with the workspace's secret key (itsdangerous), so a link
cannot be forged or altered and expires on its own; CSRF tokens are an HMAC of the
session id, so a page from another site cannot produce one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from patron.core.i18n import _

API_TOKEN_PREFIX = "ptn_"
SURVEY_SALT = "patron.survey-link"
SESSION_SALT = "patron.session"
CSRF_SALT = b"patron.csrf"

# At most this many Argon2 computations at once in a process: each takes ~64 MB and a core
# for a few hundred milliseconds, so a burst of sign-ins queues here instead of
# exhausting memory and CPU (the service also bounds sign-ins before they reach the store).
HASH_SLOTS = max(2, os.cpu_count() or 2)
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)

# Argon2id cost; tests lower it with ``set_password_cost`` (hashes carry their own cost,
# so verifying always uses the cost a hash was made with).
_cost: dict[str, int] = {"time_cost": 3, "memory_cost": 65536}


def set_password_cost(*, time_cost: int = 3, memory_cost: int = 65536) -> None:
    """Change the Argon2 cost of new hashes (lower only in tests)."""
    _cost.update(time_cost=time_cost, memory_cost=memory_cost)
    _hasher.cache_clear()
    _dummy_hash.cache_clear()


@cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(**_cost),))


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; safe to store)."""
    with _hash_slots:
        return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and a new hash when the stored one uses old parameters."""
    with _hash_slots:
        try:
            return _hasher().verify_and_update(password, password_hash)
        except Exception:  # an unreadable hash counts as a mismatch, never as a crash
            return False, None


def authenticate_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password in the same time whether or not the account exists.

    With no account (``password_hash`` None) a dummy hash is verified and the answer is
    False, so response times do not tell which user names are registered.
    """
    if password_hash is None:
        verify_password(password, _dummy_hash())
        return False, None
    return verify_password(password, password_hash)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token (API token or survey link); what the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A new API token and its hash: show the token once, store only the hash."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make_survey_token(secret_key: str, *, survey_code: str) -> str:
    """A signed, unguessable survey link token; single use is enforced by the store."""
    return _serializer(secret_key, SURVEY_SALT).dumps(
        {"s": survey_code, "n": secrets.token_urlsafe(16)}
    )


@dataclass(frozen=True)
class SurveyTokenCheck:
    """What reading a survey token found: its payload, or why it cannot be used."""

    payload: dict[str, Any] | None
    problem: str | None  # None, "expired" or "invalid"


def read_survey_token(secret_key: str, token: str, *, max_age_s: int | None) -> SurveyTokenCheck:
    """Verify a survey token's signature (and age when ``max_age_s`` is given)."""
    try:
        payload = _serializer(secret_key, SURVEY_SALT).loads(token, max_age=max_age_s)
    except SignatureExpired:
        return SurveyTokenCheck(None, "expired")
    except BadSignature:
        return SurveyTokenCheck(None, "invalid")
    if not isinstance(payload, dict) or "s" not in payload:
        return SurveyTokenCheck(None, "invalid")
    return SurveyTokenCheck(payload, None)


def make_session_cookie(secret_key: str, *, user_pk: int, session_id: str | None = None) -> str:
    """A signed session cookie value naming the user and a random session id."""
    return _serializer(secret_key, SESSION_SALT).dumps(
        {"u": user_pk, "sid": session_id or secrets.token_urlsafe(18)}
    )


def read_session_cookie(secret_key: str, value: str, *, max_age_s: int) -> dict[str, Any] | None:
    """The session's payload, or None when the cookie is forged, altered or too old."""
    try:
        payload = _serializer(secret_key, SESSION_SALT).loads(value, max_age=max_age_s)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or "u" not in payload or "sid" not in payload:
        return None
    return payload


def make_csrf_token(secret_key: str, session_id: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of its id under the workspace key."""
    return hmac.new(
        secret_key.encode("utf-8"), CSRF_SALT + session_id.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def check_csrf_token(secret_key: str, session_id: str, token: str | None) -> bool:
    """Whether ``token`` is this session's CSRF token (constant-time comparison)."""
    if not token:
        return False
    return hmac.compare_digest(make_csrf_token(secret_key, session_id), token)


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 12


def new_secret_key() -> str:
    """A random key for signing links and cookies (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign cookies and links, or None when it is strong enough.

    The rule: at least 32 characters, at least 12 of them different (a random key of
    ``new_secret_key()`` passes; ``a``, ``changeme`` or 40 × ``x`` do not).
    """
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return "length"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return "distinct"
    return None


PASSWORD_MIN_LENGTH = 10
PASSWORD_MIN_DISTINCT = 5
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (see ``common_passwords.txt``)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """Why ``password`` is too weak (a sentence to show), or None when it may be used.

    At least 10 characters, 5 of them different, not one of the ~11,600 most common
    passwords (also with digits appended or case changed), and not the user name.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("the password must have at least {n} characters").format(n=PASSWORD_MIN_LENGTH)
    if len(set(password)) < PASSWORD_MIN_DISTINCT:
        return _("the password must use at least {n} different characters").format(
            n=PASSWORD_MIN_DISTINCT
        )
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!.?*#@$ ")
    if lowered in common_passwords() or (len(stem) >= 4 and stem in common_passwords()):
        return _("this password is one of the most common passwords: choose another")
    if username and len(username) >= 3 and username.lower() in lowered:
        return _("the password must not contain the user name")
    return None
