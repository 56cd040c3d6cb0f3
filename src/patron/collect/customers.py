"""Who the customer is: find one, read and edit the record, preferences, important dates, merge.

Every function takes an open SQLAlchemy session and the acting user (``Actor``), writes
an audit row for each change and for each read of personal data, and commits. Nothing
here imports the web framework; ``patron.serve`` is a thin layer over these functions.
Search is in ``customer_search``, the 360 view in ``customer_view``, export and erasure in
``customer_privacy``.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
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
    Customer,
    CustomerTag,
    ImportantDate,
    Interaction,
    Order,
    Preference,
    ScoreSnapshot,
    SurveyInvitation,
    SurveyResponse,
    Task,
)
from patron.collect.times import aware, now
from patron.core.emails import check_email
from patron.core.i18n import _
from patron.exceptions import InputError

# Fields a person may set on a customer (the natural key is set once, at creation).
EDITABLE_FIELDS = (
    "name",
    "name_zh",
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


def get_customer(session: Session, customer_id: str, *, allow_erased: bool = True) -> Customer:
    """The customer with natural key ``customer_id`` (merged duplicates point to the survivor)."""
    customer_id = unicodedata.normalize("NFC", customer_id)  # stored keys are NFC
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
    for name in ("name", "name_zh", "email", "phone", "city", "region", "country", "gender"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = unicodedata.normalize("NFC", cleaned[name].strip()) or None
    if cleaned.get("email"):
        cleaned["email"] = check_email(cleaned["email"], field="email")
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
    customer_id = unicodedata.normalize("NFC", (customer_id or "").strip())
    customer_id = customer_id or f"C{uuid.uuid4().hex[:12].upper()}"
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
    survivor_tags = set(
        session.scalars(sa.select(CustomerTag.tag).where(CustomerTag.customer_pk == s_pk))
    )
    for tag in session.scalars(sa.select(CustomerTag).where(CustomerTag.customer_pk == d_pk)):
        if tag.tag in survivor_tags:
            session.delete(tag)
        else:
            tag.customer_pk = s_pk
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


def tags(session: Session, customer: Customer) -> list[str]:
    """The customer's tags, in alphabetical order."""
    return list(
        session.scalars(
            sa.select(CustomerTag.tag)
            .where(CustomerTag.customer_pk == customer.id)
            .order_by(CustomerTag.tag)
        )
    )


def add_tag(session: Session, actor: Actor, customer_id: str, tag: str) -> str:
    """Put ``tag`` on the customer (once; audited)."""
    tag = unicodedata.normalize("NFC", " ".join(tag.split()))
    if not tag or len(tag) > 60:
        raise InputError(_("tag: give a word of 1 to 60 characters"))
    customer = get_customer(session, customer_id, allow_erased=False)
    if tag not in tags(session, customer):
        session.add(CustomerTag(customer_pk=customer.id, tag=tag, created_by=actor.username))
        audit.record(
            session,
            actor,
            "update",
            "customer",
            customer_id,
            customer_pk=customer.id,
            detail={"tag_added": tag},
        )
    session.commit()
    return tag


def remove_tag(session: Session, actor: Actor, customer_id: str, tag: str) -> None:
    """Take ``tag`` off the customer (audited)."""
    customer = get_customer(session, customer_id, allow_erased=False)
    removed = session.execute(
        sa.delete(CustomerTag).where(CustomerTag.customer_pk == customer.id, CustomerTag.tag == tag)
    ).rowcount
    if removed:
        audit.record(
            session,
            actor,
            "update",
            "customer",
            customer_id,
            customer_pk=customer.id,
            detail={"tag_removed": tag},
        )
    session.commit()
