"""The errors the service functions raise, each mapped to one HTTP status by the web layer.

The service modules never import the web framework: they raise these, and
``patron.serve`` turns them into consistent error bodies.
"""

from __future__ import annotations

from patron.exceptions import PatronError


class NotFoundError(PatronError, LookupError):
    """The customer, complaint, survey or user named does not exist (HTTP 404)."""

    status = 404
    code = "not_found"


class ConflictError(PatronError):
    """Someone else changed the record first: the version sent is not the current one (412)."""

    status = 412
    code = "version_conflict"

    def __init__(self, message: str, *, current_version: int | None = None):
        super().__init__(message)
        self.current_version = current_version


class DuplicateError(PatronError):
    """A record with this natural key already exists (HTTP 409)."""

    status = 409
    code = "duplicate"


class StateError(PatronError):
    """The action does not fit the record's state, e.g. resolving a closed complaint (409)."""

    status = 409
    code = "invalid_state"


class TokenError(PatronError):
    """A survey link that is forged (HTTP 404: no such link), expired or already used (410)."""

    code = "invalid_token"

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason  # "invalid", "expired" or "used"
        self.status = 404 if reason == "invalid" else 410


class AuthenticationError(PatronError):
    """Wrong user name or password, or no valid credentials at all (HTTP 401)."""

    status = 401
    code = "not_authenticated"


class AccountLockedError(AuthenticationError):
    """Too many failed sign-ins: the account is locked for a while (HTTP 429)."""

    status = 429
    code = "account_locked"

    def __init__(self, message: str, *, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermissionDeniedError(PatronError):
    """The user's role does not allow this action (HTTP 403)."""

    status = 403
    code = "forbidden"


class PreconditionRequiredError(PatronError):
    """An update sent without the version it is based on (HTTP 428)."""

    status = 428
    code = "precondition_required"
