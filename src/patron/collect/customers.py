"""Who the customer is, in one place: create, update, search, merge, the 360 view, export, erase.

Every function takes an open SQLAlchemy session and the acting user (``Actor``), writes
an audit row for each change and for each read of personal data, and commits. Nothing
here imports the web framework; ``patron.serve`` is a thin layer over these functions.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from patron.collect import audit
from patron.collect.errors import ConflictError, DuplicateError, NotFoundError, StateError
from patron.collect.roles import Actor
from patron.collect.store.models import (
    ActionSend,
    CampaignMember,
    Complaint,
    ComplaintEvent,
    Customer,
    ImportantDate,
    Interaction,
    Order,
    OrderLine,
    Preference,
    ScoreSnapshot,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    Task,
)
from patron.core.i18n import _
from patron.core.vocabulary import DEFAULT_VOCABULARY
from patron.exceptions import InputError

# Fields a person may set on a customer (the natural key is set once, at creation).
EDITABLE_FIELDS = (
    "name",
    "email",
    "phone",
    "birthday",
    "gender",
    "city",
    "region",
    "country",
    "language",
    "acquired_at",
    "acquisition_channel",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_analytics",
    "attributes",
)
# Fields that identify a person: blanked by erasure.
PERSONAL_FIELDS = ("name", "email", "phone", "birthday", "gender", "city", "region")
# What counts as open is the vocabulary's definition (core/vocabulary.py).
OPEN_STATUSES = DEFAULT_VOCABULARY.open_complaint_statuses
SCORE_METRICS = (
    "rfm_segment",
    "value_tier",
    "layer",
    "lifecycle_stage",
    "loyalty_type",
    "clv",
    "p_alive",
    "churn_risk",
    "expected_purchases_52w",
    "csi_satisfaction",
)


def aware(value: datetime | None) -> datetime | None:
    """Times come back naive from SQLite; the store keeps UTC, so say so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Page:
    """One page of a search: the rows, how many match in all, and where the page starts."""

    items: list[Any]
    total: int
    page: int
    page_size: int


def get_customer(session: Session, customer_id: str, *, allow_erased: bool = True) -> Customer:
    """The customer with natural key ``customer_id`` (merged duplicates point to the survivor)."""
    customer = session.scalar(sa.select(Customer).where(Customer.customer_id == customer_id))
    if customer is None:
        raise NotFoundError(_("no customer {customer_id}").format(customer_id=customer_id))
    if customer.merged_into_id is not None:
        survivor = session.get(Customer, customer.merged_into_id)
        raise NotFoundError(
            _("customer {customer_id} was merged into {survivor}").format(
                customer_id=customer_id, survivor=survivor.customer_id if survivor else "?"
            )
        )
    if not allow_erased and customer.erased_at is not None:
        raise StateError(_("customer {customer_id} was erased").format(customer_id=customer_id))
    return customer


def profile(customer: Customer) -> dict[str, Any]:
    """The customer's own fields as plain values."""
    data: dict[str, Any] = {"customer_id": customer.customer_id, "version": customer.version}
    for name in EDITABLE_FIELDS:
        data[name] = getattr(customer, name)
    data["created_at"] = aware(customer.created_at)
    data["erased_at"] = aware(customer.erased_at)
    return data


def read_profile(session: Session, actor: Actor, customer_id: str) -> Customer:
    """The customer record (a read of personal data, so it is audited)."""
    customer = get_customer(session, customer_id)
    audit.record(session, actor, "read", "customer", customer_id, customer_pk=customer.id)
    session.commit()
    return customer


def _clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InputError(_("unknown customer field: {fields}").format(fields=", ".join(unknown)))
    cleaned = dict(changes)
    for name in ("name", "email", "phone", "city", "region", "country", "gender"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip() or None
    if cleaned.get("email"):
        cleaned["email"] = cleaned["email"].lower()
        if "@" not in cleaned["email"]:
            raise InputError(_("not an e-mail address: {value}").format(value=cleaned["email"]))
    return cleaned


def create_customer(
    session: Session,
    actor: Actor,
    *,
    customer_id: str | None = None,
    preferences: list[dict[str, str]] | None = None,
    important_dates: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Customer:
    """Add a customer (a natural key is made up when none is given)."""
    cleaned = _clean_changes(fields)
    customer_id = (customer_id or "").strip() or f"C{uuid.uuid4().hex[:12].upper()}"
    if session.scalar(sa.select(Customer.id).where(Customer.customer_id == customer_id)):
        raise DuplicateError(
            _("a customer {customer_id} already exists").format(customer_id=customer_id)
        )
    customer = Customer(customer_id=customer_id, **cleaned)
    session.add(customer)
    session.flush()
    for pref in preferences or []:
        _add_preference(session, customer, pref["key"], pref["value"], source=actor.username)
    for item in important_dates or []:
        session.add(
            ImportantDate(
                customer_pk=customer.id,
                kind=item["kind"],
                date=item["date"],
                label=item.get("label"),
                recurring=item.get("recurring", True),
            )
        )
    audit.record(session, actor, "create", "customer", customer_id, customer_pk=customer.id)
    session.commit()
    return customer


def update_customer(
    session: Session,
    actor: Actor,
    customer_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
) -> Customer:
    """Change fields of a customer, refusing a lost update.

    ``expected_version`` is the version the editor read (from the ETag or the body); when
    another edit came first the change is refused with ``ConflictError``.
    """
    customer = get_customer(session, customer_id, allow_erased=False)
    if expected_version is not None and customer.version != expected_version:
        raise ConflictError(
            _(
                "customer {customer_id} was changed by someone else (version {current}, you sent {sent}): reload and try again"
            ).format(customer_id=customer_id, current=customer.version, sent=expected_version),
            current_version=customer.version,
        )
    cleaned = _clean_changes(changes)
    for name, value in cleaned.items():
        setattr(customer, name, value)
    audit.record(
        session,
        actor,
        "update",
        "customer",
        customer_id,
        customer_pk=customer.id,
        detail={"fields": sorted(cleaned)},
    )
    try:
        session.commit()
    except StaleDataError as exc:  # a concurrent writer committed between our read and write
        session.rollback()
        raise ConflictError(
            _("customer {customer_id} was changed by someone else: reload and try again").format(
                customer_id=customer_id
            )
        ) from exc
    return customer


def _add_preference(
    session: Session, customer: Customer, key: str, value: str, *, source: str | None
) -> Preference:
    key, value = key.strip(), value.strip()
    if not key or not value:
        raise InputError(_("a preference needs a key and a value"))
    found = session.scalar(
        sa.select(Preference).where(
            Preference.customer_pk == customer.id, Preference.key == key, Preference.value == value
        )
    )
    if found is not None:
        found.times_observed += 1
        found.observed_at = now()
        return found
    pref = Preference(
        customer_pk=customer.id, key=key, value=value, observed_at=now(), source=source
    )
    session.add(pref)
    return pref


def add_preference(
    session: Session, actor: Actor, customer_id: str, *, key: str, value: str
) -> Preference:
    """Record an observed preference ("breakfast: coffee"); seen again, it counts up."""
    customer = get_customer(session, customer_id, allow_erased=False)
    pref = _add_preference(session, customer, key, value, source=actor.username)
    audit.record(session, actor, "create", "preference", f"{key}", customer_pk=customer.id)
    session.commit()
    return pref


def add_important_date(
    session: Session,
    actor: Actor,
    customer_id: str,
    *,
    kind: str,
    on: date,
    label: str | None = None,
    recurring: bool = True,
) -> ImportantDate:
    """Record a date that matters to the customer (birthday, anniversary …)."""
    customer = get_customer(session, customer_id, allow_erased=False)
    exists = session.scalar(
        sa.select(ImportantDate).where(
            ImportantDate.customer_pk == customer.id,
            ImportantDate.kind == kind,
            ImportantDate.date == on,
        )
    )
    if exists is not None:
        return exists
    item = ImportantDate(
        customer_pk=customer.id, kind=kind, date=on, label=label, recurring=recurring
    )
    session.add(item)
    audit.record(session, actor, "create", "important_date", kind, customer_pk=customer.id)
    session.commit()
    return item


def _like_pattern(text: str) -> str:
    # The text is a bound parameter (never SQL); only LIKE's own wildcards need escaping.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_customers(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    field: str | None = None,
    city: str | None = None,
    country: str | None = None,
    segment: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """Find customers by name, e-mail, phone or id (``field`` narrows to one), with filters.

    Names match anywhere, case-insensitively; ids match exactly; e-mail and phone match
    anywhere. Merged duplicates and erased customers are left out.
    """
    if field not in (None, "", "any", "name", "email", "phone", "id"):
        raise InputError(
            _("unknown search field {field}: use name, email, phone or id").format(field=field)
        )
    page = max(1, page)
    page_size = min(max(1, page_size), 200)
    conditions: list[Any] = [Customer.merged_into_id.is_(None), Customer.erased_at.is_(None)]
    text = (q or "").strip()
    if text:
        pattern = _like_pattern(text.lower())
        by = {
            "id": Customer.customer_id == text,
            "name": sa.func.lower(Customer.name).like(pattern, escape="\\"),
            "email": sa.func.lower(Customer.email).like(pattern, escape="\\"),
            "phone": Customer.phone.like(_like_pattern(text), escape="\\"),
        }
        conditions.append(by[field] if field in by else sa.or_(*by.values()))
    if city:
        conditions.append(sa.func.lower(Customer.city) == city.strip().lower())
    if country:
        conditions.append(sa.func.lower(Customer.country) == country.strip().lower())
    if segment:
        conditions.append(
            sa.exists().where(
                ScoreSnapshot.customer_pk == Customer.id,
                ScoreSnapshot.metric == "rfm_segment",
                ScoreSnapshot.label == segment,
            )
        )
    total = session.scalar(sa.select(sa.func.count()).select_from(Customer).where(*conditions))
    rows = session.scalars(
        sa.select(Customer)
        .where(*conditions)
        .order_by(Customer.name, Customer.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    audit.record(
        session,
        actor,
        "read",
        "customer_search",
        None,
        detail={"q": text[:100], "field": field, "results": len(rows)},
    )
    session.commit()
    return Page(items=list(rows), total=int(total or 0), page=page, page_size=page_size)


# --- the 360 view ---------------------------------------------------------------------


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
def _timeline_query() -> Any:
    """Statistics, orders, interactions, complaints and survey answers of one customer.

    A UNION ALL of same-shaped rows (``kind`` tells them apart), newest ``limit`` of
    each kind; works on SQLite and PostgreSQL alike. Built once with bound parameters
    ``pk``, ``limit`` and ``answers_limit``: building it per request and computing its
    cache key cost more Python time than the rest of the 360 view.
    """
    pk = sa.bindparam("pk", type_=sa.BigInteger)
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
_PREFERENCES_OF = (
    sa.select(
        Preference.__table__.c.key,
        Preference.__table__.c.value,
        Preference.__table__.c.times_observed,
        Preference.__table__.c.observed_at,
    )
    .where(Preference.__table__.c.customer_pk == sa.bindparam("pk"))
    .order_by(Preference.__table__.c.times_observed.desc(), Preference.__table__.c.key)
)
_DATES_OF = (
    sa.select(
        ImportantDate.__table__.c.kind,
        ImportantDate.__table__.c.date,
        ImportantDate.__table__.c.label,
        ImportantDate.__table__.c.recurring,
    )
    .where(ImportantDate.__table__.c.customer_pk == sa.bindparam("pk"))
    .order_by(ImportantDate.__table__.c.date)
)


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
    from types import SimpleNamespace

    from patron.collect.complaints import sla_state
    from patron.collect.scores import latest_scores

    today = today or now().date()
    # Core reads on the session's one connection, with statements built once: the ORM's
    # object loading and per-call statement building were most of this view's CPU time.
    customer = session.execute(_CUSTOMER_BY_ID, {"customer_id": customer_id}).first()
    if customer is None or customer.merged_into_id is not None:
        get_customer(session, customer_id)  # raises "no customer" / "merged into …"
    pk = customer.id
    prefs = session.execute(_PREFERENCES_OF, {"pk": pk}).all()
    dates = session.execute(_DATES_OF, {"pk": pk}).all()
    # One round trip for the purchase statistics and the whole timeline: on a busy
    # server each query costs more in waiting than in work.
    rows = session.execute(
        _timeline_query(),
        {"pk": pk, "limit": timeline_limit, "answers_limit": timeline_limit * 20},
    ).all()
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
    scores = latest_scores(store_url, [pk], connection=session.connection()).get(pk, {})
    audit.record_now(session, actor, "read", "customer_360", customer_id, customer_pk=pk)
    session.commit()
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


# --- merge, export, erase -------------------------------------------------------------


def merge_customers(
    session: Session, actor: Actor, survivor_id: str, duplicate_id: str
) -> Customer:
    """Fold ``duplicate_id`` into ``survivor_id``: its history moves, blanks are filled.

    The duplicate stays as a pointer (``merged_into_id``) so old links and re-imports
    still find the survivor; its scores are dropped (they are recomputed on the merged
    history).
    """
    if survivor_id == duplicate_id:
        raise InputError(_("a customer cannot be merged with itself"))
    survivor = get_customer(session, survivor_id, allow_erased=False)
    duplicate = get_customer(session, duplicate_id, allow_erased=False)
    s_pk, d_pk = survivor.id, duplicate.id
    for name in EDITABLE_FIELDS:
        if getattr(survivor, name) in (None, "") and getattr(duplicate, name) not in (None, ""):
            setattr(survivor, name, getattr(duplicate, name))
    for model in (
        Interaction,
        Order,
        Complaint,
        SurveyInvitation,
        SurveyResponse,
        ActionSend,
        Task,
    ):
        session.execute(sa.update(model).where(model.customer_pk == d_pk).values(customer_pk=s_pk))
    for pref in session.scalars(sa.select(Preference).where(Preference.customer_pk == d_pk)):
        twin = session.scalar(
            sa.select(Preference).where(
                Preference.customer_pk == s_pk,
                Preference.key == pref.key,
                Preference.value == pref.value,
            )
        )
        if twin is not None:
            twin.times_observed += pref.times_observed
            session.delete(pref)
        else:
            pref.customer_pk = s_pk
    for item in session.scalars(sa.select(ImportantDate).where(ImportantDate.customer_pk == d_pk)):
        twin_id = session.scalar(
            sa.select(ImportantDate.id).where(
                ImportantDate.customer_pk == s_pk,
                ImportantDate.kind == item.kind,
                ImportantDate.date == item.date,
            )
        )
        if twin_id is not None:
            session.delete(item)
        else:
            item.customer_pk = s_pk
    in_campaigns = set(
        session.scalars(
            sa.select(CampaignMember.campaign_pk).where(CampaignMember.customer_pk == s_pk)
        )
    )
    for member in session.scalars(
        sa.select(CampaignMember).where(CampaignMember.customer_pk == d_pk)
    ):
        if member.campaign_pk in in_campaigns:
            session.delete(member)
        else:
            member.customer_pk = s_pk
    session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.customer_pk == d_pk))
    duplicate.merged_into_id = s_pk
    audit.record(
        session,
        actor,
        "merge",
        "customer",
        survivor_id,
        customer_pk=s_pk,
        detail={"duplicate": duplicate_id, "duplicate_pk": d_pk},
    )
    session.commit()
    return survivor


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        c.key: aware(getattr(obj, c.key)) for c in obj.__mapper__.column_attrs if c.key not in skip
    }


def export_customer(session: Session, actor: Actor, customer_id: str) -> dict[str, Any]:
    """All data held about one customer, as plain JSON-ready values (subject access)."""
    customer = get_customer(session, customer_id)
    pk = customer.id
    orders = list(session.scalars(sa.select(Order).where(Order.customer_pk == pk)))
    lines = (
        list(
            session.scalars(
                sa.select(OrderLine).where(OrderLine.order_pk.in_([o.id for o in orders]))
            )
        )
        if orders
        else []
    )
    complaints = list(session.scalars(sa.select(Complaint).where(Complaint.customer_pk == pk)))
    events = (
        list(
            session.scalars(
                sa.select(ComplaintEvent).where(
                    ComplaintEvent.complaint_pk.in_([c.id for c in complaints])
                )
            )
        )
        if complaints
        else []
    )

    def rows(model: Any) -> list[dict[str, Any]]:
        return [_row(r) for r in session.scalars(sa.select(model).where(model.customer_pk == pk))]

    data = {
        "exported_at": now(),
        "customer": _row(customer),
        "preferences": rows(Preference),
        "important_dates": rows(ImportantDate),
        "orders": [_row(o) for o in orders],
        "order_lines": [_row(line) for line in lines],
        "interactions": rows(Interaction),
        "complaints": [_row(c) for c in complaints],
        "complaint_events": [_row(e) for e in events],
        "survey_invitations": [
            _row(i, skip=("token_hash",)) for i in rows_of(session, SurveyInvitation, pk)
        ],
        "survey_responses": rows(SurveyResponse),
        "scores": rows(ScoreSnapshot),
        "tasks": rows(Task),
    }
    audit.record(session, actor, "export", "customer", customer_id, customer_pk=pk)
    session.commit()
    return data


def rows_of(session: Session, model: Any, pk: int) -> list[Any]:
    return list(session.scalars(sa.select(model).where(model.customer_pk == pk)))


def erase_customer(session: Session, actor: Actor, customer_id: str) -> Customer:
    """Remove what identifies a person and keep what analytics count.

    Blanks name, e-mail, phone, birthday, gender, city, region and free attributes,
    withdraws consents, deletes preferences and important dates, and blanks free text in
    interactions, complaints, complaint notes and survey answers. Orders, amounts,
    dates, complaint counts, survey scores and score snapshots stay, keyed by the
    surrogate key, so segment sizes, CLV and CSI computed later stay the same.
    """
    customer = get_customer(session, customer_id)
    if customer.erased_at is not None:
        raise StateError(
            _("customer {customer_id} was already erased").format(customer_id=customer_id)
        )
    pk = customer.id
    for name in PERSONAL_FIELDS:
        setattr(customer, name, None)
    dataset = (customer.attributes or {}).get("dataset")
    customer.attributes = {"dataset": dataset} if dataset else None
    customer.consent_email = customer.consent_sms = customer.consent_phone = False
    customer.erased_at = now()
    session.execute(sa.delete(Preference).where(Preference.customer_pk == pk))
    session.execute(sa.delete(ImportantDate).where(ImportantDate.customer_pk == pk))
    session.execute(
        sa.update(Interaction).where(Interaction.customer_pk == pk).values(summary=None, staff=None)
    )
    complaint_pks = list(
        session.scalars(sa.select(Complaint.id).where(Complaint.customer_pk == pk))
    )
    session.execute(
        sa.update(Complaint)
        .where(Complaint.customer_pk == pk)
        .values(description=None, resolution=None)
        .execution_options(synchronize_session=False)
    )
    if complaint_pks:
        session.execute(
            sa.update(ComplaintEvent)
            .where(ComplaintEvent.complaint_pk.in_(complaint_pks))
            .values(note=None)
        )
    session.execute(
        sa.update(SurveyResponse).where(SurveyResponse.customer_pk == pk).values(text_value=None)
    )
    audit.record(session, actor, "erase", "customer", customer_id, customer_pk=pk)
    session.commit()
    return customer
