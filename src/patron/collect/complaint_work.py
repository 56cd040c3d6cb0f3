"""Who may take a complaint, and the queue's bulk actions (assign, escalate, close many at once).

A complaint is assigned to a user of the workspace (chosen from a list), not to free
text: :func:`assignable_users` lists the active users whose role handles complaints and
who work in the complaint's unit (or above it, or in no unit). A bulk action applies to
each complaint in turn; one complaint that cannot take the action (already closed,
changed meanwhile) is reported with its reason and never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import complaints
from patron.collect.errors import NotFoundError
from patron.collect.roles import PERMISSIONS, Actor
from patron.collect.store.models import Complaint, Unit, User
from patron.core.i18n import _
from patron.core.progress import ProgressCallback
from patron.exceptions import InputError, PatronError

BULK_ACTIONS = ("assign", "escalate", "close")
MAX_BULK = 500


@dataclass(frozen=True)
class Assignee:
    """A user a complaint may be given to."""

    username: str
    full_name: str | None

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username


def _handler_roles() -> tuple[str, ...]:
    return ("admin", *sorted(PERMISSIONS["complaints:write"] - {"admin"}))


def assignable_users(session: Session, unit_pk: int | None = None) -> list[Assignee]:
    """Active users who handle complaints, in ``unit_pk``, a unit above it, or in no unit."""
    conditions = [User.active.is_(True), User.role.in_(_handler_roles())]
    if unit_pk is not None:
        path = session.scalar(sa.select(Unit.path).where(Unit.id == unit_pk))
        above = [int(p) for p in (path or "").strip("/").split("/") if p.isdigit()]
        conditions.append(sa.or_(User.unit_pk.is_(None), User.unit_pk.in_([unit_pk, *above])))
    rows = session.execute(
        sa.select(User.username, User.full_name).where(*conditions).order_by(User.username)
    ).all()
    return [Assignee(username=u, full_name=n) for u, n in rows]


def assign_to_user(
    session: Session,
    actor: Actor,
    complaint_pk: int,
    username: str,
    *,
    expected_version: int | None = None,
) -> Complaint:
    """Give the complaint to ``username``, who must be one of :func:`assignable_users`."""
    complaint = complaints.get_complaint(session, complaint_pk)
    allowed = {a.username for a in assignable_users(session, complaint.unit_pk)}
    if username not in allowed:
        raise InputError(
            _("assignee: {name} is not an active user who handles complaints here").format(
                name=username[:100]
            )
        )
    return complaints.assign(
        session, actor, complaint_pk, username, expected_version=expected_version
    )


@dataclass
class BulkResult:
    """What a bulk action did: the complaints changed and, per refused one, why."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def bulk_action(
    session: Session,
    actor: Actor,
    action: str,
    complaint_pks: list[int],
    *,
    assignee: str | None = None,
    reason: str | None = None,
    progress: ProgressCallback | None = None,
) -> BulkResult:
    """Apply ``action`` (assign, escalate, close) to each complaint; refusals are reported."""
    if action not in BULK_ACTIONS:
        raise InputError(
            _("action: {value} is not one of {options}").format(
                value=action[:20], options=", ".join(BULK_ACTIONS)
            )
        )
    if not complaint_pks:
        raise InputError(_("complaints: tick at least one complaint"))
    if len(complaint_pks) > MAX_BULK:
        raise InputError(_("complaints: at most {n} at once").format(n=MAX_BULK))
    if action == "assign" and not (assignee or "").strip():
        raise InputError(_("assignee: choose the person to assign to"))
    if action == "close" and not (reason or "").strip():
        raise InputError(_("reason: say why these complaints are closed unresolved"))
    result = BulkResult(action=action)
    unique = list(dict.fromkeys(complaint_pks))
    for i, pk in enumerate(unique):
        try:
            if action == "assign":
                assign_to_user(session, actor, pk, (assignee or "").strip())
            elif action == "escalate":
                complaints.escalate(session, actor, pk, reason or None)
            else:
                complaints.close_unresolved(session, actor, pk, reason or "")
        except (PatronError, NotFoundError) as exc:
            session.rollback()
            result.refused[pk] = str(exc)
        else:
            result.done.append(pk)
        if progress is not None:
            progress("bulk " + action, i + 1, len(unique))
    return result
