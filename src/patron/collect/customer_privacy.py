"""What the customer may ask of their data: export all of it, or erase what identifies them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.customers import get_customer
from patron.collect.errors import StateError
from patron.collect.roles import Actor
from patron.collect.store.models import (
    Complaint,
    ComplaintEvent,
    Customer,
    CustomerTag,
    ImportantDate,
    Interaction,
    Order,
    OrderLine,
    Preference,
    ScoreSnapshot,
    SurveyInvitation,
    SurveyResponse,
    Task,
)
from patron.collect.times import aware, now
from patron.core.i18n import _

# Fields that identify a person: blanked by erasure.
PERSONAL_FIELDS = ("name", "name_zh", "email", "phone", "birthday", "gender", "city", "region")


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

    Blanks name (both scripts), e-mail, phone, birthday, gender, city, region and free attributes,
    withdraws consents, deletes preferences, important dates and tags, and blanks free text in
    interactions, complaints, complaint notes and survey answers. Orders, amounts,
    dates, complaint counts, survey scores and score snapshots stay, keyed by the
    surrogate key, so segment sizes, CLV and CSI computed later stay the same.
    """
    customer = get_customer(session, customer_id)
    if customer.erased_at is not None:
        raise StateError(
            _("customer {customer_id} was already erased").format(customer_id=customer_id)
        )
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # freed cells and pages are overwritten with zeros, not left in the file
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    pk = customer.id
    for name in PERSONAL_FIELDS:
        setattr(customer, name, None)
    dataset = (customer.attributes or {}).get("dataset")
    customer.attributes = {"dataset": dataset} if dataset else None
    customer.consent_email = customer.consent_sms = customer.consent_phone = False
    customer.erased_at = now()
    session.execute(sa.delete(Preference).where(Preference.customer_pk == pk))
    session.execute(sa.delete(ImportantDate).where(ImportantDate.customer_pk == pk))
    session.execute(sa.delete(CustomerTag).where(CustomerTag.customer_pk == pk))  # "allergy: …"
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
    if sqlite:
        purge_sqlite_file(session)
    return customer


def purge_sqlite_file(session: Session) -> None:
    """Copy the WAL into the database file and empty it (SQLite).

    With ``secure_delete`` on, the erased values are zeroed in the database file; the
    WAL still holds old page images until it is reset. PostgreSQL needs ``VACUUM`` of
    the same tables instead (see docs/privacy.md).
    """
    with session.get_bind().connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.commit()
