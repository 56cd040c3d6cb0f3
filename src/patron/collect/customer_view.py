"""What staff see about one customer: the 360 view (profile, timeline, scores, the guest card)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.complaints import sla_state
from patron.collect.customers import get_customer, profile
from patron.collect.errors import NotFoundError
from patron.collect.roles import Actor
from patron.collect.scores import latest_scores
from patron.collect.store.models import (
    Complaint,
    Customer,
    ImportantDate,
    Interaction,
    Order,
    Preference,
    Survey,
    SurveyResponse,
)
from patron.collect.times import aware, now
from patron.core.i18n import _
from patron.core.vocabulary import DEFAULT_VOCABULARY

# What counts as open is the vocabulary's definition (core/vocabulary.py).
OPEN_STATUSES = DEFAULT_VOCABULARY.open_complaint_statuses


def next_occurrence(day: date, today: date) -> date:
    """The next date on or after ``today`` with the month and day of ``day`` (29 Feb → 28 Feb)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    return date(today.year + 1, day.month, min(day.day, 28))


def usual_preferences(prefs: list[Preference]) -> list[dict[str, Any]]:
    """Per key, the value seen most often (then most recently): "your usual seat"."""
    best: dict[str, Preference] = {}
    for pref in prefs:
        current = best.get(pref.key)
        seen = aware(pref.observed_at) or datetime.min.replace(tzinfo=UTC)
        if current is None or (pref.times_observed, seen) > (
            current.times_observed,
            aware(current.observed_at) or datetime.min.replace(tzinfo=UTC),
        ):
            best[pref.key] = pref
    return [
        {"key": p.key, "value": p.value, "times_observed": p.times_observed}
        for p in sorted(best.values(), key=lambda p: p.key)
    ]


@functools.cache
def _timeline_query(by_customer_id: bool = False) -> Any:
    """Statistics, orders, interactions, complaints and survey answers of one customer.

    A UNION ALL of same-shaped rows (``kind`` tells them apart), newest ``limit`` of
    each kind; works on SQLite and PostgreSQL alike. Built once with bound parameters
    ``pk``, ``limit`` and ``answers_limit``: building it per request and computing its
    cache key cost more Python time than the rest of the 360 view. ``by_customer_id``:
    the customer is named by ``customer_id`` instead (a subquery finds its key), so the
    query can be sent before the customer row has come back.
    """
    pk = _pk_of_customer_id() if by_customer_id else sa.bindparam("pk", type_=sa.BigInteger)
    limit = sa.bindparam("limit", type_=sa.Integer)
    null_text = sa.cast(sa.null(), sa.Text)
    null_float = sa.cast(sa.null(), sa.Float)
    null_time = sa.cast(sa.null(), sa.DateTime(timezone=True))

    def shape(
        kind, at, id_, channel, title, detail, amount, status, severity, staff, pk_, at2, at3
    ):  # type: ignore[no-untyped-def]
        # type_coerce, not CAST, on real columns: SQLite would turn a CAST to DATETIME
        # into a number. The NULL placeholders carry a CAST so PostgreSQL knows their type.
        coerce = sa.type_coerce
        when = sa.DateTime(timezone=True)
        return [
            sa.literal(kind, sa.String).label("kind"),
            coerce(at, when).label("at"),
            coerce(id_, sa.Text).label("id"),
            coerce(channel, sa.Text).label("channel"),
            coerce(title, sa.Text).label("title"),
            coerce(detail, sa.Text).label("detail"),
            coerce(amount, sa.Float).label("amount"),
            coerce(status, sa.Text).label("status"),
            coerce(severity, sa.Text).label("severity"),
            coerce(staff, sa.Text).label("staff"),
            coerce(pk_, sa.BigInteger).label("pk"),
            coerce(at2, when).label("at2"),
            coerce(at3, when).label("at3"),
        ]

    stats = sa.select(
        *shape(
            "stats",
            sa.func.max(Order.ordered_at),
            null_text,
            null_text,
            null_text,
            null_text,
            sa.func.coalesce(sa.func.sum(Order.amount), 0.0),
            null_text,
            null_text,
            null_text,
            sa.func.count(Order.id),
            sa.func.min(Order.ordered_at),
            null_time,
        )
    ).where(Order.customer_pk == pk)
    orders = (
        sa.select(
            *shape(
                "order",
                Order.ordered_at,
                sa.func.coalesce(Order.order_id, sa.cast(Order.id, sa.Text)),
                Order.channel,
                Order.location,
                null_text,
                Order.amount,
                Order.status,
                null_text,
                null_text,
                Order.id,
                null_time,
                null_time,
            )
        )
        .where(Order.customer_pk == pk)
        .order_by(Order.ordered_at.desc())
        .limit(limit)
    )
    interactions = (
        sa.select(
            *shape(
                "interaction",
                Interaction.occurred_at,
                sa.func.coalesce(Interaction.interaction_id, sa.cast(Interaction.id, sa.Text)),
                Interaction.channel,
                Interaction.kind,
                Interaction.summary,
                null_float,
                null_text,
                null_text,
                Interaction.staff,
                Interaction.id,
                null_time,
                null_time,
            )
        )
        .where(Interaction.customer_pk == pk)
        .order_by(Interaction.occurred_at.desc())
        .limit(limit)
    )
    complaints = (
        sa.select(
            *shape(
                "complaint",
                Complaint.opened_at,
                sa.cast(Complaint.id, sa.Text),
                Complaint.channel,
                Complaint.category,
                Complaint.description,
                null_float,
                Complaint.status,
                Complaint.severity,
                Complaint.assigned_to,
                Complaint.id,
                Complaint.sla_due_at,
                Complaint.resolved_at,
            )
        )
        .where(Complaint.customer_pk == pk)
        .order_by(Complaint.opened_at.desc())
        .limit(limit)
    )
    answers = (
        sa.select(
            *shape(
                "survey",
                SurveyResponse.responded_at,
                SurveyResponse.response_id,
                SurveyResponse.source,
                Survey.code,
                SurveyResponse.item_code,
                SurveyResponse.value,
                null_text,
                null_text,
                SurveyResponse.text_value,
                SurveyResponse.id,
                null_time,
                null_time,
            )
        )
        .outerjoin(Survey, Survey.id == SurveyResponse.survey_pk)
        .where(SurveyResponse.customer_pk == pk)
        .order_by(SurveyResponse.responded_at.desc())
        .limit(sa.bindparam("answers_limit", type_=sa.Integer))
    )
    parts = [stats, orders, interactions, complaints, answers]
    return sa.union_all(*(sa.select(part.subquery()) for part in parts))


_customers = Customer.__table__
_CUSTOMER_BY_ID = sa.select(_customers).where(
    _customers.c.customer_id == sa.bindparam("customer_id")
)


def _pk_of_customer_id() -> Any:
    return (
        sa.select(_customers.c.id)
        .where(_customers.c.customer_id == sa.bindparam("customer_id"))
        .scalar_subquery()
    )


def _preferences_of(pk: Any) -> sa.Select:
    p = Preference.__table__.c
    return (
        sa.select(p.key, p.value, p.times_observed, p.observed_at)
        .where(p.customer_pk == pk)
        .order_by(p.times_observed.desc(), p.key)
    )


def _dates_of(pk: Any) -> sa.Select:
    d = ImportantDate.__table__.c
    return (
        sa.select(d.kind, d.date, d.label, d.recurring).where(d.customer_pk == pk).order_by(d.date)
    )


_PREFERENCES_OF = _preferences_of(sa.bindparam("pk"))
_DATES_OF = _dates_of(sa.bindparam("pk"))


def customer_360(
    session: Session,
    actor: Actor,
    customer_id: str,
    *,
    store_url: str,
    today: date | None = None,
    timeline_limit: int = 50,
) -> dict[str, Any]:
    """Everything staff need about one customer, newest first, with the latest scores.

    Returns ``profile``, ``preferences``, ``important_dates``, ``stats`` (orders, spend,
    first and last purchase), ``timeline`` (orders/stays, interactions, complaints and
    survey answers merged by time), ``scores`` (latest per metric) and ``card`` — the
    "recognise this guest" summary: name, usual preferences, last visit, next birthday
    and open complaints.
    """
    today = today or now().date()
    # Core reads on the session's one connection, with statements built once: the ORM's
    # object loading and per-call statement building were most of this view's CPU time.
    customer = session.execute(_CUSTOMER_BY_ID, {"customer_id": customer_id}).first()
    if customer is None or customer.merged_into_id is not None:
        get_customer(session, customer_id)  # raises "no customer" / "merged into …"
    pk = customer.id
    _check_in_units(session, actor, pk, customer_id)
    prefs = session.execute(_PREFERENCES_OF, {"pk": pk}).all()
    dates = session.execute(_DATES_OF, {"pk": pk}).all()
    # One round trip for the purchase statistics and the whole timeline: on a busy
    # server each query costs more in waiting than in work.
    rows = session.execute(
        _timeline_query(),
        {"pk": pk, "limit": timeline_limit, "answers_limit": timeline_limit * 20},
    ).all()
    scores = latest_scores(store_url, [pk], connection=session.connection()).get(pk, {})
    audit.record_now(session, actor, "read", "customer_360", customer_id, customer_pk=pk)
    session.commit()
    return assemble_360(customer, prefs, dates, rows, scores, today, timeline_limit)


def _check_in_units(session: Session, actor: Actor, pk: int, customer_id: str) -> None:
    """A user bound to units sees their customers only; others are "not found" to them."""
    from patron.collect.units import customer_in_scope, user_scope

    scope = user_scope(session, actor.username)
    if scope.is_everything:
        return
    inside = session.scalar(sa.select(customer_in_scope(scope, sa.literal(pk))))
    if not inside:
        raise NotFoundError(
            _("no customer {customer_id} in your units").format(customer_id=customer_id)
        )


def assemble_360(
    customer: Any,
    prefs: list[Any],
    dates: list[Any],
    rows: list[Any],
    scores: dict[str, dict],
    today: date,
    timeline_limit: int,
) -> dict[str, Any]:
    """The 360 view from the rows its queries returned (attribute access by column name)."""
    stats_row = (0, 0.0, None, None)
    timeline: list[dict[str, Any]] = []
    answers: dict[str, dict[str, Any]] = {}
    complaints: list[Any] = []
    last_interaction = None
    for row in rows:
        if row.kind == "stats":
            stats_row = (int(row.pk or 0), float(row.amount or 0.0), row.at2, row.at)
        elif row.kind == "survey":
            entry = answers.setdefault(
                row.id,
                {
                    "kind": "survey",
                    "at": aware(row.at),
                    "id": row.id,
                    "channel": row.channel,
                    "title": row.title,
                    "answers": {},
                },
            )
            entry["answers"][row.detail] = row.amount if row.amount is not None else row.staff
        elif row.kind == "order":
            timeline.append(
                {
                    "kind": "order",
                    "at": aware(row.at),
                    "id": row.id,
                    "channel": row.channel,
                    "title": row.title,
                    "amount": row.amount,
                    "status": row.status,
                }
            )
        elif row.kind == "interaction":
            last_interaction = max(
                (t for t in (last_interaction, aware(row.at)) if t is not None), default=None
            )
            timeline.append(
                {
                    "kind": "interaction",
                    "at": aware(row.at),
                    "id": row.id,
                    "channel": row.channel,
                    "title": row.title,
                    "detail": row.detail,
                    "staff": row.staff,
                }
            )
        else:  # complaint
            complaints.append(
                SimpleNamespace(
                    id=row.pk,
                    category=row.title,
                    severity=row.severity,
                    status=row.status,
                    opened_at=row.at,
                    sla_due_at=row.at2,
                    resolved_at=row.at3,
                )
            )
            timeline.append(
                {
                    "kind": "complaint",
                    "at": aware(row.at),
                    "id": row.id,
                    "channel": row.channel,
                    "title": row.title,
                    "detail": row.detail,
                    "status": row.status,
                    "severity": row.severity,
                }
            )
    moment = now()
    timeline.extend(answers.values())
    timeline.sort(key=lambda e: e["at"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    timeline = timeline[:timeline_limit]

    birthday = customer.birthday or next(
        (d.date for d in dates if d.kind.lower() == "birthday"), None
    )
    next_birthday = next_occurrence(birthday, today) if birthday else None
    last_order = aware(stats_row[3])
    last_visit = max((t for t in (last_order, last_interaction) if t is not None), default=None)
    open_complaints = [
        {
            "id": c.id,
            "category": c.category,
            "severity": c.severity,
            "status": c.status,
            "opened_at": aware(c.opened_at),
            "sla_due_at": aware(c.sla_due_at),
            "sla": sla_state(c, moment),
        }
        for c in complaints
        if c.status in OPEN_STATUSES
    ]
    return {
        "profile": profile(customer),
        "preferences": [
            {
                "key": p.key,
                "value": p.value,
                "times_observed": p.times_observed,
                "observed_at": aware(p.observed_at),
            }
            for p in prefs
        ],
        "important_dates": [
            {"kind": d.kind, "date": d.date, "label": d.label, "recurring": d.recurring}
            for d in dates
        ],
        "stats": {
            "orders": int(stats_row[0]),
            "spend": float(stats_row[1] or 0.0),
            "first_order_at": aware(stats_row[2]),
            "last_order_at": last_order,
        },
        "timeline": timeline,
        "scores": scores,
        "card": {
            "name": customer.name,
            "usual_preferences": usual_preferences(prefs),
            "last_visit": last_visit,
            "days_since_last_visit": (today - last_visit.date()).days if last_visit else None,
            "next_birthday": next_birthday,
            "days_to_birthday": (next_birthday - today).days if next_birthday else None,
            "open_complaints": open_complaints,
        },
    }
