"""How a complaint runs to resolution: open → assigned → resolved, or closed unresolved.

Each complaint gets an SLA due time from its severity; a complaint still open after its
due time is *breached* and can be escalated (by hand, or by ``escalate_overdue``). Every
step is a ``ComplaintEvent`` row (the complaint's history). Resolving a complaint sends
an automatic follow-up question — "how satisfied are you with how we handled it?" — as a
single-use survey link whose answer is stored as a survey response.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.customers import get_customer
from patron.collect.errors import ConflictError, NotFoundError, StateError
from patron.collect.roles import Actor
from patron.collect.store.models import Complaint, ComplaintEvent, Customer
from patron.collect.times import Page, aware, now
from patron.core.i18n import N_, _
from patron.core.vocabulary import DEFAULT_VOCABULARY
from patron.exceptions import InputError

SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("open", "assigned", "resolved", "closed")
# Categories offered in the forms (any other word may still be typed).
CATEGORIES = {
    "service": N_("service"),
    "staff": N_("staff"),
    "product": N_("product"),
    "billing": N_("billing"),
    "room": N_("room"),
    "food": N_("food and drink"),
    "cleanliness": N_("cleanliness"),
    "noise": N_("noise"),
    "delivery": N_("delivery"),
    "other": N_("other"),
}
# What counts as open is the vocabulary's definition (core/vocabulary.py).
OPEN_STATUSES = DEFAULT_VOCABULARY.open_complaint_statuses
# Hours from opening to the SLA due time; a workspace can override them in
# patron.toml: [complaints] sla_hours = {critical = 2, ...}.
DEFAULT_SLA_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 168}
DUE_SOON_SHARE = 0.25  # "due soon" when less than a quarter of the SLA window is left
FOLLOWUP_SURVEY = "complaint-followup"

SLA_LABELS = {
    "ok": N_("on time"),
    "due_soon": N_("due soon"),
    "breached": N_("breached"),
    "met": N_("SLA met"),
    "missed": N_("SLA missed"),
    "none": N_("no SLA"),
}
EVENT_LABELS = {
    "opened": N_("opened"),
    "assigned": N_("assigned"),
    "note": N_("note"),
    "escalated": N_("escalated"),
    "resolved": N_("resolved"),
    "closed": N_("closed unresolved"),
    "followup_sent": N_("follow-up question sent"),
    "followup_answered": N_("follow-up answered"),
}


def sla_due(
    opened_at: datetime, severity: str, sla_hours: dict[str, float] | None = None
) -> datetime:
    """When a complaint of ``severity`` opened at ``opened_at`` must be resolved."""
    hours = {**DEFAULT_SLA_HOURS, **(sla_hours or {})}
    return opened_at + timedelta(hours=float(hours[severity]))


def sla_state(complaint: Complaint, moment: datetime) -> str:
    """``ok``, ``due_soon`` or ``breached`` while open; ``met`` or ``missed`` once done."""
    due = aware(complaint.sla_due_at)
    if due is None:
        return "none"
    if complaint.status in OPEN_STATUSES:
        if moment > due:
            return "breached"
        window = (due - aware(complaint.opened_at)).total_seconds()
        left = (due - moment).total_seconds()
        return "due_soon" if window > 0 and left < DUE_SOON_SHARE * window else "ok"
    done = aware(complaint.resolved_at) or moment
    return "met" if done <= due else "missed"


def is_breached(complaint: Complaint, moment: datetime) -> bool:
    return sla_state(complaint, moment) in ("breached", "missed")


def _event(
    session: Session, complaint: Complaint, actor: Actor, kind: str, note: str | None = None
) -> None:
    session.add(
        ComplaintEvent(
            complaint_pk=complaint.id, actor=actor.username, kind=kind, note=note, at=now()
        )
    )


def get_complaint(session: Session, complaint_pk: int) -> Complaint:
    complaint = session.get(Complaint, complaint_pk)
    if complaint is None:
        raise NotFoundError(_("no complaint {id}").format(id=complaint_pk))
    return complaint


def _check_version(complaint: Complaint, expected_version: int | None) -> None:
    if expected_version is not None and complaint.version != expected_version:
        raise ConflictError(
            _(
                "complaint {id} was changed by someone else (version {current}): reload and try again"
            ).format(id=complaint.id, current=complaint.version),
            current_version=complaint.version,
        )


def open_complaint(
    session: Session,
    actor: Actor,
    *,
    customer_id: str,
    description: str,
    severity: str = "medium",
    category: str | None = None,
    channel: str | None = None,
    opened_at: datetime | None = None,
    sla_hours: dict[str, float] | None = None,
) -> Complaint:
    """Record a new complaint with its SLA due time."""
    if severity not in SEVERITIES:
        raise InputError(
            _("unknown severity {severity}: use one of {options}").format(
                severity=severity, options=", ".join(SEVERITIES)
            )
        )
    if not description or not description.strip():
        raise InputError(_("the complaint has no description"))
    customer = get_customer(session, customer_id, allow_erased=False)
    opened = aware(opened_at) or now()
    complaint = Complaint(
        complaint_id=f"K{uuid.uuid4().hex[:12].upper()}",
        content_hash=hashlib.sha1(uuid.uuid4().bytes).hexdigest(),
        customer_pk=customer.id,
        opened_at=opened,
        channel=channel,
        category=category,
        severity=severity,
        status="open",
        description=description.strip(),
        sla_due_at=sla_due(opened, severity, sla_hours),
    )
    session.add(complaint)
    session.flush()
    _event(session, complaint, actor, "opened")
    audit.record(session, actor, "create", "complaint", complaint.id, customer_pk=customer.id)
    session.commit()
    return complaint


def assign(
    session: Session,
    actor: Actor,
    complaint_pk: int,
    assignee: str,
    *,
    expected_version: int | None = None,
) -> Complaint:
    """Give the complaint to a person; an open complaint becomes assigned."""
    complaint = get_complaint(session, complaint_pk)
    _check_version(complaint, expected_version)
    if complaint.status not in OPEN_STATUSES:
        raise StateError(
            _("complaint {id} is {status}: only open complaints can be assigned").format(
                id=complaint.id, status=complaint.status
            )
        )
    if not assignee.strip():
        raise InputError(_("assign to whom? the name is empty"))
    complaint.assigned_to = assignee.strip()
    complaint.status = "assigned"
    _event(session, complaint, actor, "assigned", assignee.strip())
    _audit_update(session, actor, complaint, {"assigned_to": assignee})
    session.commit()
    return complaint


def add_note(session: Session, actor: Actor, complaint_pk: int, note: str) -> ComplaintEvent:
    """Add a note to the complaint's history."""
    complaint = get_complaint(session, complaint_pk)
    if not note.strip():
        raise InputError(_("the note is empty"))
    event = ComplaintEvent(
        complaint_pk=complaint.id, actor=actor.username, kind="note", note=note.strip(), at=now()
    )
    session.add(event)
    _audit_update(session, actor, complaint, {"note": True})
    session.commit()
    return event


def escalate(
    session: Session, actor: Actor, complaint_pk: int, reason: str | None = None
) -> Complaint:
    """Raise the complaint one escalation level (to a supervisor, then a manager …)."""
    complaint = get_complaint(session, complaint_pk)
    if complaint.status not in OPEN_STATUSES:
        raise StateError(
            _("complaint {id} is {status}: only open complaints can be escalated").format(
                id=complaint.id, status=complaint.status
            )
        )
    complaint.escalation_level += 1
    complaint.escalated_at = now()
    _event(session, complaint, actor, "escalated", reason)
    _audit_update(session, actor, complaint, {"escalation_level": complaint.escalation_level})
    session.commit()
    return complaint


def escalate_overdue(
    session: Session, actor: Actor, *, moment: datetime | None = None
) -> list[int]:
    """Escalate every open complaint past its SLA that has not been escalated yet."""
    moment = moment or now()
    overdue = session.scalars(
        sa.select(Complaint).where(
            Complaint.status.in_(OPEN_STATUSES),
            Complaint.sla_due_at < moment,
            Complaint.escalation_level == 0,
        )
    ).all()
    for complaint in overdue:
        complaint.escalation_level = 1
        complaint.escalated_at = moment
        _event(session, complaint, actor, "escalated", _("SLA breached"))
        _audit_update(session, actor, complaint, {"escalation_level": 1, "auto": True})
    session.commit()
    return [c.id for c in overdue]


@dataclass(frozen=True)
class Resolution:
    """A resolved complaint and the follow-up survey link sent to the customer."""

    complaint: Complaint
    followup_token: str | None


def resolve(
    session: Session,
    actor: Actor,
    complaint_pk: int,
    resolution: str,
    *,
    secret_key: str,
    expected_version: int | None = None,
    followup: bool = True,
) -> Resolution:
    """Close the complaint as resolved and send the follow-up satisfaction question."""
    from patron.collect.surveys import create_invitation, ensure_survey

    if not resolution or not resolution.strip():
        raise InputError(_("say how the complaint was resolved"))
    complaint = _close(
        session,
        actor,
        complaint_pk,
        resolution,
        expected_version=expected_version,
        status="resolved",
        outcome="resolved",
    )
    token = None
    if followup:
        ensure_survey(session, FOLLOWUP_SURVEY)
        customer = session.get(Customer, complaint.customer_pk)
        _invitation, token = create_invitation(
            session,
            actor,
            survey_code=FOLLOWUP_SURVEY,
            customer_id=customer.customer_id if customer else None,
            channel="complaint",
            context={"complaint_id": complaint.id},
            secret_key=secret_key,
            valid_days=14,
        )
        _event(session, complaint, actor, "followup_sent")
        session.commit()
    return Resolution(complaint=complaint, followup_token=token)


def close_unresolved(
    session: Session,
    actor: Actor,
    complaint_pk: int,
    reason: str,
    *,
    expected_version: int | None = None,
) -> Complaint:
    """Close the complaint without a resolution (the customer withdrew, no fix possible …)."""
    if not reason or not reason.strip():
        raise InputError(_("say why the complaint is closed unresolved"))
    return _close(
        session,
        actor,
        complaint_pk,
        reason,
        expected_version=expected_version,
        status="closed",
        outcome="unresolved",
    )


def _close(
    session: Session,
    actor: Actor,
    complaint_pk: int,
    text: str,
    *,
    expected_version: int | None,
    status: str,
    outcome: str,
) -> Complaint:
    """End an open complaint with ``status``/``outcome``; the event name is the status."""
    complaint = get_complaint(session, complaint_pk)
    _check_version(complaint, expected_version)
    if complaint.status not in OPEN_STATUSES:
        raise StateError(
            _("complaint {id} is already {status}").format(id=complaint.id, status=complaint.status)
        )
    complaint.status = status
    complaint.outcome = outcome
    complaint.resolution = text.strip()
    complaint.resolved_at = now()
    _event(session, complaint, actor, status, text.strip())
    _audit_update(session, actor, complaint, {"status": status})
    session.commit()
    return complaint


def events(session: Session, complaint_pk: int) -> list[ComplaintEvent]:
    return list(
        session.scalars(
            sa.select(ComplaintEvent)
            .where(ComplaintEvent.complaint_pk == complaint_pk)
            .order_by(ComplaintEvent.id)
        )
    )


def complaint_detail(session: Session, actor: Actor, complaint_pk: int) -> dict[str, Any]:
    """One complaint with its customer, SLA state and history (a read of personal data)."""
    from patron.collect.units import user_scope

    complaint = get_complaint(session, complaint_pk)
    scope = user_scope(session, actor.username)
    if not scope.is_everything and complaint.unit_pk not in (scope.unit_pks or ()):
        raise NotFoundError(_("no complaint {id} in your units").format(id=complaint_pk))
    customer = session.get(Customer, complaint.customer_pk)
    moment = now()
    data = complaint_view(complaint, customer, moment)
    data["events"] = [
        {"at": aware(e.at), "actor": e.actor, "kind": e.kind, "note": e.note}
        for e in events(session, complaint.id)
    ]
    audit.record(
        session, actor, "read", "complaint", complaint.id, customer_pk=complaint.customer_pk
    )
    session.commit()
    return data


def complaint_view(
    complaint: Complaint, customer: Customer | None, moment: datetime
) -> dict[str, Any]:
    return {
        "id": complaint.id,
        "complaint_id": complaint.complaint_id,
        "customer_id": customer.customer_id if customer else None,
        "customer_name": customer.name if customer else None,
        "opened_at": aware(complaint.opened_at),
        "channel": complaint.channel,
        "category": complaint.category,
        "severity": complaint.severity,
        "status": complaint.status,
        "description": complaint.description,
        "assigned_to": complaint.assigned_to,
        "sla_due_at": aware(complaint.sla_due_at),
        "sla": sla_state(complaint, moment),
        "breached": is_breached(complaint, moment),
        "escalation_level": complaint.escalation_level,
        "resolved_at": aware(complaint.resolved_at),
        "resolution": complaint.resolution,
        "outcome": complaint.outcome,
        "version": complaint.version,
    }


def queue(
    session: Session,
    actor: Actor,
    *,
    status: str | None = "active",
    severity: str | None = None,
    assigned_to: str | None = None,
    breached: bool | None = None,
    customer_id: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """The complaint queue, most urgent first (earliest SLA due time).

    ``status`` "active" (default) means open or assigned; "all" means every status.
    """
    if status not in (None, "", "active", "all", *STATUSES):
        raise InputError(_("unknown status {status}").format(status=status))
    if severity and severity not in SEVERITIES:
        raise InputError(
            _("unknown severity {severity}: use one of {options}").format(
                severity=severity, options=", ".join(SEVERITIES)
            )
        )
    page = max(1, page)
    page_size = min(max(1, page_size), 200)
    moment = now()
    conditions: list[Any] = []
    if status in (None, "", "active"):
        conditions.append(Complaint.status.in_(OPEN_STATUSES))
    elif status != "all":
        conditions.append(Complaint.status == status)
    if severity:
        conditions.append(Complaint.severity == severity)
    if assigned_to:
        conditions.append(Complaint.assigned_to == assigned_to)
    if customer_id:
        conditions.append(Customer.customer_id == customer_id)
    if breached is True:
        conditions.append(
            sa.or_(
                sa.and_(Complaint.status.in_(OPEN_STATUSES), Complaint.sla_due_at < moment),
                sa.and_(
                    Complaint.status.notin_(OPEN_STATUSES),
                    Complaint.resolved_at > Complaint.sla_due_at,
                ),
            )
        )
    elif breached is False:
        conditions.append(
            sa.or_(
                sa.and_(Complaint.status.in_(OPEN_STATUSES), Complaint.sla_due_at >= moment),
                sa.and_(
                    Complaint.status.notin_(OPEN_STATUSES),
                    Complaint.resolved_at <= Complaint.sla_due_at,
                ),
            )
        )
    base = (
        sa.select(Complaint, Customer)
        .join(Customer, Customer.id == Complaint.customer_pk)
        .where(*conditions)
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = session.execute(
        base.order_by(Complaint.sla_due_at, Complaint.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    items = [complaint_view(c, cust, moment) for c, cust in rows]
    audit.record(session, actor, "read", "complaint_queue", None, detail={"results": len(items)})
    session.commit()
    return Page(items=items, total=int(total or 0), page=page, page_size=page_size)


def _audit_update(session: Session, actor: Actor, complaint: Complaint, detail: dict) -> None:
    """Audit one change to a complaint (in the caller's transaction)."""
    audit.record(
        session,
        actor,
        "update",
        "complaint",
        complaint.id,
        customer_pk=complaint.customer_pk,
        detail=detail,
    )
