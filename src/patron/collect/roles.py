"""Who may do what: the roles, the permission matrix, and the actor checked against them.

Roles: ``agent`` (front-line staff: the customer 360 and complaints), ``analyst``
(analytics and surveys), ``admin`` (everything, plus users, export and erasure).
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.collect.errors import PermissionDeniedError
from patron.core.i18n import N_, _

ROLES = ("admin", "analyst", "agent")

# permission -> roles holding it (admin holds every permission).
PERMISSIONS: dict[str, frozenset[str]] = {
    "customers:read": frozenset({"admin", "agent"}),
    "customers:write": frozenset({"admin", "agent"}),
    "customers:merge": frozenset({"admin", "agent"}),
    "customers:export": frozenset({"admin"}),
    "customers:erase": frozenset({"admin"}),
    "activity:write": frozenset({"admin", "agent"}),  # interactions and orders
    "complaints:read": frozenset({"admin", "agent"}),
    "complaints:write": frozenset({"admin", "agent"}),
    "surveys:read": frozenset({"admin", "analyst"}),
    "surveys:write": frozenset({"admin", "analyst"}),
    "analytics:read": frozenset({"admin", "analyst"}),
    "imports:run": frozenset({"admin", "analyst"}),
    "users:manage": frozenset({"admin"}),
    "audit:read": frozenset({"admin"}),
}

ROLE_LABELS = {"admin": N_("admin"), "analyst": N_("analyst"), "agent": N_("agent")}


@dataclass(frozen=True)
class Actor:
    """The person or system acting: recorded in the audit log and checked against roles."""

    username: str
    role: str
    user_pk: int | None = None
    language: str | None = None
    ip: str | None = None

    def can(self, permission: str) -> bool:
        return self.role == "admin" or self.role in PERMISSIONS.get(permission, frozenset())

    def require(self, permission: str) -> None:
        """Raise ``PermissionDeniedError`` unless the role holds ``permission``."""
        if permission not in PERMISSIONS:
            raise KeyError(permission)
        if not self.can(permission):
            raise PermissionDeniedError(
                _("the role {role} may not do this ({permission})").format(
                    role=self.role, permission=permission
                )
            )


SYSTEM = Actor(username="system", role="admin")
