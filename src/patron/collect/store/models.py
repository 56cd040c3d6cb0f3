"""The store's tables: who the customers are, what they did and said, and what Patron did.

Design rules every later room relies on:
- every customer-owned row points at ``customers.id`` (a surrogate key); the source
  system's identifier is ``customers.customer_id`` (the natural key imports match on);
- rows that arrive from files carry a natural key or a ``content_hash`` with a unique
  constraint, so a re-import inserts nothing twice;
- rows people edit carry ``version`` (optimistic locking, ETags);
- personal fields live on ``customers`` (and free text on interactions/complaints), so
  erasure blanks them there and analytics aggregates stay valid;
- analytics write back to ``score_snapshots``; actions record every send in
  ``action_sends`` with a unique ``dedupe_key`` (idempotent scheduler).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(14, 2)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Unit(TimestampMixin, Base):
    """An organisation unit: group → brand → property, company → region → station, nation →
    sector → industry → firm. ``path`` lists the ids from the root (``/1/4/9/``) so that a
    unit and everything below it is one prefix match."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="unit", server_default="unit")
    parent_pk: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(1000), index=True, default="/")


def unit_column() -> Mapped[int | None]:
    """The organisation unit a record belongs to (``None``: the organisation as a whole)."""
    return mapped_column(ForeignKey("units.id"), index=True, nullable=True)


class Customer(TimestampMixin, Base):
    """A person or firm that buys; ``customer_id`` is the source system's identifier."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    customer_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    name_zh: Mapped[str | None] = mapped_column(String(200), index=True)  # the name in Chinese
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    birthday: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(10))
    acquired_at: Mapped[date | None] = mapped_column(Date)
    acquisition_channel: Mapped[str | None] = mapped_column(String(60))
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    consent_phone: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    consent_analytics: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    attributes: Mapped[dict | None] = mapped_column(JSON)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    preferences: Mapped[list[Preference]] = relationship(back_populates="customer")
    important_dates: Mapped[list[ImportantDate]] = relationship(back_populates="customer")

    __table_args__ = (
        Index("ix_customers_created_at", "created_at"),
        # live customers' ids: bounded list counts read the index alone (0005_customer_units)
        Index(
            "ix_customers_live",
            "id",
            postgresql_where=text("merged_into_id IS NULL AND erased_at IS NULL"),
            sqlite_where=text("merged_into_id IS NULL AND erased_at IS NULL"),
        ),
    )


class CustomerUnit(Base):
    """A unit a customer belongs to: assigned there, or served there (an order, contact,
    complaint or answer). Kept by database triggers (migration ``0005_customer_units``);
    never written by the application."""

    __tablename__ = "customer_units"

    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    unit_pk: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_customer_units_unit", "unit_pk", "customer_pk"),)


class CustomerTag(Base):
    """A word staff put on a customer ("VIP", "press", "allergy: nuts") to find them by."""

    __tablename__ = "customer_tags"
    __table_args__ = (UniqueConstraint("customer_pk", "tag", name="uq_customer_tag"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str | None] = mapped_column(String(100))


class SavedFilter(Base):
    """A user's named filter on one staff list (kept as the list's query string)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("username", "list_name", "name", name="uq_saved_filter"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    list_name: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Preference(Base):
    """Something the customer likes, as observed: "usual seat: window, 2nd floor"."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("customer_pk", "key", "value", name="uq_preference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(500))
    observed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(String(100))
    times_observed: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    customer: Mapped[Customer] = relationship(back_populates="preferences")


class ImportantDate(Base):
    """A date that matters to the customer (birthday, wedding anniversary, first stay)."""

    __tablename__ = "important_dates"
    __table_args__ = (UniqueConstraint("customer_pk", "kind", "date", name="uq_important_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    date: Mapped[dt.date] = mapped_column(Date)
    label: Mapped[str | None] = mapped_column(String(200))
    recurring: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    customer: Mapped[Customer] = relationship(back_populates="important_dates")


class Interaction(Base):
    """A contact at a touchpoint: call, e-mail, visit, chat, stay, service request."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    interaction_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    content_hash: Mapped[str] = mapped_column(String(40), unique=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(60))
    is_service: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    summary: Mapped[str | None] = mapped_column(Text)
    staff: Mapped[str | None] = mapped_column(String(100))


class Order(Base):
    """A purchase (or stay); amounts in the workspace currency."""

    __tablename__ = "orders"
    # The 360's orders and their statistics as index-only scans (migration 0004_service).
    __table_args__ = (
        Index(
            "ix_orders_customer_recent",
            "customer_pk",
            "ordered_at",
            postgresql_include=["amount", "channel", "location", "status", "order_id", "id"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    order_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    content_hash: Mapped[str] = mapped_column(String(40), unique=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    amount: Mapped[float] = mapped_column(Float)
    cost: Mapped[float | None] = mapped_column(Float)
    discount: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(20))  # e.g. "returned", "cancelled"


class OrderLine(Base):
    """One product on an order."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_pk", "line_no", name="uq_order_line"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[float | None] = mapped_column(Float)
    amount: Mapped[float | None] = mapped_column(Float)
    cost: Mapped[float | None] = mapped_column(Float)
    discount: Mapped[float | None] = mapped_column(Float)


class Complaint(TimestampMixin, Base):
    """A complaint and its path: open → assigned → resolved, or closed unresolved."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    complaint_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    content_hash: Mapped[str] = mapped_column(String(40), unique=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(20), default="medium", server_default="medium")
    status: Mapped[str] = mapped_column(
        String(20), default="open", server_default="open", index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[str | None] = mapped_column(String(100), index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))  # resolved / unresolved / withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_complaints_status_due", "status", "sla_due_at"),)


class ComplaintEvent(Base):
    """One step of a complaint's history (assigned, note, escalated, resolved …)."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_pk: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)


class Survey(TimestampMixin, Base):
    """A survey instrument (ACSI, ECSI, NPS, CSAT, CES or custom)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="custom", server_default="custom")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    description: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[SurveyItem]] = relationship(
        back_populates="survey", order_by="SurveyItem.position", cascade="all, delete-orphan"
    )


class SurveyItem(Base):
    """A question: the construct it measures, its scale and its wording in both languages."""

    __tablename__ = "survey_items"
    __table_args__ = (UniqueConstraint("survey_pk", "code", name="uq_survey_item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_pk: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    construct: Mapped[str | None] = mapped_column(String(60))
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str | None] = mapped_column(Text)
    scale_min: Mapped[float] = mapped_column(Float, default=1)
    scale_max: Mapped[float] = mapped_column(Float, default=10)
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Skip logic: ask this item only when item ``show_if_item`` was answered ≤ ``show_if_max``.
    show_if_item: Mapped[str | None] = mapped_column(String(60))
    show_if_max: Mapped[float | None] = mapped_column(Float)

    survey: Mapped[Survey] = relationship(back_populates="items")


class SurveyInvitation(Base):
    """A single-use, expiring link sent to one customer (only the token's hash is kept)."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    survey_pk: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    customer_pk: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(40))
    context: Mapped[dict | None] = mapped_column(JSON)  # e.g. {"complaint_id": 12}
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SurveyResponse(Base):
    """One answer to one item; ``response_id`` groups the answers of one submission."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("response_id", "item_code", name="uq_response_item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    response_id: Mapped[str] = mapped_column(String(128), index=True)
    survey_pk: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    customer_pk: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    invitation_pk: Mapped[int | None] = mapped_column(ForeignKey("survey_invitations.id"))
    responded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    item_code: Mapped[str] = mapped_column(String(60))
    value: Mapped[float | None] = mapped_column(Float)
    text_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(40))


class ScoreSnapshot(Base):
    """An analytics result for one customer: metric, value (and label), as of a date."""

    __tablename__ = "score_snapshots"
    __table_args__ = (
        UniqueConstraint("customer_pk", "metric", "as_of", name="uq_score_snapshot"),
        Index("ix_score_metric_asof", "metric", "as_of"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(100))
    as_of: Mapped[date] = mapped_column(Date)
    model: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict | None] = mapped_column(JSON)  # e.g. reasons in words
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class User(TimestampMixin, Base):
    """A person who signs in: admin, analyst or agent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(10))


class ApiToken(Base):
    """A token a system uses to call the API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in browser: the cookie names it, sign-out or deactivation ends it at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the session id
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64))


class SignInThrottle(Base):
    """Sign-in attempts per account (``user:<name>``) and per address (``ip:<address>``).

    Changed only by single atomic UPDATE statements, so parallel attempts cannot lose a
    count; times are seconds since the epoch (the same on SQLite and PostgreSQL).
    """

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_start_s: Mapped[float] = mapped_column(Float)
    locked_until_s: Mapped[float | None] = mapped_column(Float)


class AuditLog(Base):
    """Every write, and every read of personal data: who, what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(
        String(40)
    )  # read / create / update / delete / import / export / erase
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    customer_pk: Mapped[int | None] = mapped_column(BigId, index=True)  # no FK: survives erasure
    detail: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))


class ImportRun(Base):
    """One run of an importer: what file, how far it got, what it counted."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    counts: Mapped[dict | None] = mapped_column(JSON)
    reject_file: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    """How far ``patron sync`` has copied each table to the warehouse."""

    __tablename__ = "sync_state"

    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ActionRule(TimestampMixin, Base):
    """A trigger → condition → action rule, stored as its YAML/JSON definition."""

    __tablename__ = "action_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class Campaign(TimestampMixin, Base):
    """An audience, an action, a held-out control group and the outcome window."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int | None] = unit_column()
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON)
    control_share: Mapped[float] = mapped_column(Float, default=0.1)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignMember(Base):
    """A customer's place in a campaign: treatment or control, and what happened next."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_pk", "customer_pk", name="uq_campaign_member"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_pk: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    group: Mapped[str] = mapped_column(String(20))  # treatment / control
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[dict | None] = mapped_column(JSON)


class ActionSend(Base):
    """Every action Patron takes or tries: the outbox, with a unique key per rule, customer and day."""

    __tablename__ = "action_sends"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule_code: Mapped[str | None] = mapped_column(String(100), index=True)
    campaign_pk: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    customer_pk: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email / webhook / task / list
    run_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(
        String(20), default="pending"
    )  # pending/sent/failed/skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Task(TimestampMixin, Base):
    """Work for staff that a rule or a person created ("call Mr Chen: birthday next week")."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_pk: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="open")
    source_rule: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_tasks_status_due", "status", "due_at"),)


class ImprovementPlan(TimestampMixin, Base):
    """One PDCA plan of a unit: improve an item from its baseline to a target by a due date
    (migration ``0004_programme``)."""

    __tablename__ = "csi_plans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_pk: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(60))
    baseline_period: Mapped[str] = mapped_column(String(16))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    note: Mapped[str | None] = mapped_column(Text)
