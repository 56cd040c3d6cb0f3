"""The API's request and response shapes, in families per entity (Base/Create/Update/Public).

Strings carry the store's column lengths and refuse NUL characters, so bad input is a
422 with a message, never a database error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
)


def _no_bool(value: Any) -> Any:
    # JSON true/false is not a number: without this, pydantic reads true as 1.
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


NotBool = BeforeValidator(_no_bool)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - a type factory
    # The pattern tells the OpenAPI schema what ``_no_nul`` enforces, and that a required
    # text must not be blank (the services strip it and refuse what is left empty).
    pattern = r"^[^\x00]*[^\x00\s][^\x00]*$" if min_length else r"^[^\x00]*$"
    return Annotated[
        str,
        Field(max_length=max_length, min_length=min_length, pattern=pattern),
        AfterValidator(_no_nul),
    ]


Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12), NotBool]
# Years 1900-2199; the pattern says so in the OpenAPI schema (``minimum`` does not apply
# to date strings), so clients and schemathesis know the range before sending.
YEARS_1900_2199 = r"^(19|20|21)[0-9]{2}-"


def _text_only(value: Any) -> Any:
    # A number is not a date: without this, pydantic reads 0 as 1970-01-01.
    if isinstance(value, int | float):
        raise ValueError("a date is expected as text (YYYY-MM-DD)")
    return value


SafeDate = Annotated[
    date,
    Field(
        ge=date(1900, 1, 1),
        le=date(2199, 12, 31),
        json_schema_extra={"pattern": YEARS_1900_2199},
    ),
    BeforeValidator(_text_only),
]
SafeDatetime = Annotated[
    datetime,
    Field(
        ge=datetime(1900, 1, 2),
        le=datetime(2199, 12, 30),
        json_schema_extra={"pattern": YEARS_1900_2199},
    ),
    BeforeValidator(_text_only),
]
# A number sent as a JSON number: "9" and true are refused, not converted (survey answers).
StrictFinite = Annotated[StrictInt | StrictFloat, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    detail: Any | None = None


class ErrorBody(BaseModel):
    """Every error the API returns has this shape."""

    error: ErrorDetail


class Message(BaseModel):
    message: str


# --- customers ------------------------------------------------------------------------


class PreferenceIn(BaseModel):
    key: Text(100, 1)
    value: Text(500, 1)


class ImportantDateIn(BaseModel):
    kind: Text(50, 1)
    date: SafeDate
    label: Text(200) | None = None
    recurring: StrictBool = True


class CustomerBase(BaseModel):
    name: Text(200) | None = None
    email: Text(254) | None = None
    phone: Text(40) | None = None
    birthday: SafeDate | None = None
    gender: Text(20) | None = None
    city: Text(100) | None = None
    region: Text(100) | None = None
    country: Text(60) | None = None
    language: Text(10) | None = None
    acquired_at: SafeDate | None = None
    acquisition_channel: Text(60) | None = None
    consent_email: StrictBool | None = None
    consent_sms: StrictBool | None = None
    consent_phone: StrictBool | None = None
    consent_analytics: StrictBool | None = None
    attributes: dict[str, Any] | None = None


class CustomerCreate(CustomerBase):
    """A new customer (request body)."""

    model_config = ConfigDict(extra="forbid")
    customer_id: Text(128, 1) | None = None
    preferences: list[PreferenceIn] = Field(default_factory=list, max_length=100)
    important_dates: list[ImportantDateIn] = Field(default_factory=list, max_length=50)


class CustomerUpdate(CustomerBase):
    """Fields to change (request body); ``version`` may replace the If-Match header."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[int, Field(ge=1, le=2**31 - 1), NotBool] | None = None


class CustomerPublic(CustomerBase):
    """A customer as the API shows it."""

    customer_id: str
    version: int
    created_at: datetime | None = None
    erased_at: datetime | None = None


class CustomersPage(BaseModel):
    items: list[CustomerPublic]
    total: int
    page: int
    page_size: int


class MergeRequest(BaseModel):
    duplicate_id: Text(128, 1)


class PreferencePublic(BaseModel):
    key: str
    value: str
    times_observed: int
    observed_at: datetime | None = None


class ImportantDatePublic(BaseModel):
    kind: str
    date: date
    label: str | None = None
    recurring: StrictBool = True


class TimelineEntry(BaseModel):
    kind: Literal["order", "interaction", "complaint", "survey"]
    at: datetime | None
    id: str
    channel: str | None = None
    title: str | None = None
    detail: str | None = None
    amount: float | None = None
    status: str | None = None
    severity: str | None = None
    staff: str | None = None
    answers: dict[str, float | str | None] | None = None


class ScorePublic(BaseModel):
    value: float | None = None
    label: str | None = None
    as_of: date
    detail: Any | None = None


class UsualPreference(BaseModel):
    key: str
    value: str
    times_observed: int


class OpenComplaint(BaseModel):
    id: int
    category: str | None
    severity: str
    status: str
    opened_at: datetime | None
    sla_due_at: datetime | None
    sla: str


class GuestCard(BaseModel):
    """Recognise this guest: what front-line staff need at a glance."""

    name: str | None
    usual_preferences: list[UsualPreference]
    last_visit: datetime | None
    days_since_last_visit: int | None
    next_birthday: date | None
    days_to_birthday: int | None
    open_complaints: list[OpenComplaint]


class CustomerStats(BaseModel):
    orders: int
    spend: float
    first_order_at: datetime | None
    last_order_at: datetime | None


class Customer360(BaseModel):
    profile: CustomerPublic
    card: GuestCard
    preferences: list[PreferencePublic]
    important_dates: list[ImportantDatePublic]
    stats: CustomerStats
    timeline: list[TimelineEntry]
    scores: dict[str, ScorePublic]


# --- interactions and orders ----------------------------------------------------------


class InteractionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Text(128, 1)
    channel: Text(40) | None = None
    kind: Text(60) | None = None
    summary: Text(10_000) | None = None
    occurred_at: SafeDatetime | None = None
    is_service: StrictBool = False
    interaction_id: Text(128) | None = None


class InteractionPublic(BaseModel):
    id: int
    interaction_id: str | None
    customer_id: str
    occurred_at: datetime
    channel: str | None
    kind: str | None
    summary: str | None
    is_service: StrictBool
    staff: str | None


class InteractionsPage(BaseModel):
    items: list[InteractionPublic]
    total: int
    page: int
    page_size: int


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Text(128, 1)
    amount: Finite
    ordered_at: SafeDatetime | None = None
    order_id: Text(128) | None = None
    channel: Text(40) | None = None
    location: Text(100) | None = None
    quantity: Finite | None = None
    status: Text(20) | None = None


class OrderPublic(BaseModel):
    id: int
    order_id: str | None
    customer_id: str
    ordered_at: datetime
    amount: float
    channel: str | None
    location: str | None
    quantity: float | None
    status: str | None


class OrdersPage(BaseModel):
    items: list[OrderPublic]
    total: int
    page: int
    page_size: int


# --- complaints -----------------------------------------------------------------------

Severity = Literal["low", "medium", "high", "critical"]


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Text(128, 1)
    description: Text(10_000, 1)
    severity: Severity = "medium"
    category: Text(100) | None = None
    channel: Text(40) | None = None


class ComplaintPublic(BaseModel):
    id: int
    complaint_id: str | None
    customer_id: str | None
    customer_name: str | None
    opened_at: datetime | None
    channel: str | None
    category: str | None
    severity: str
    status: str
    description: str | None
    assigned_to: str | None
    sla_due_at: datetime | None
    sla: str
    breached: StrictBool
    escalation_level: int
    resolved_at: datetime | None
    resolution: str | None
    outcome: str | None
    version: int


class ComplaintEventPublic(BaseModel):
    at: datetime | None
    actor: str | None
    kind: str
    note: str | None


class ComplaintDetail(ComplaintPublic):
    events: list[ComplaintEventPublic] = Field(default_factory=list)
    followup_link: str | None = None


class ComplaintsPage(BaseModel):
    items: list[ComplaintPublic]
    total: int
    page: int
    page_size: int


class AssignRequest(BaseModel):
    assignee: Text(100, 1)
    version: Annotated[int, Field(ge=1, le=2**31 - 1), NotBool] | None = None


class NoteRequest(BaseModel):
    note: Text(10_000, 1)


class EscalateRequest(BaseModel):
    reason: Text(2000) | None = None


class ResolveRequest(BaseModel):
    resolution: Text(10_000, 1)
    version: Annotated[int, Field(ge=1, le=2**31 - 1), NotBool] | None = None
    followup: StrictBool = True


class CloseRequest(BaseModel):
    reason: Text(10_000, 1)
    version: Annotated[int, Field(ge=1, le=2**31 - 1), NotBool] | None = None


class EscalatedList(BaseModel):
    escalated: list[int]


# --- surveys --------------------------------------------------------------------------


class SurveyItemIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: Text(60, 1)
    text_en: Text(2000, 1)
    text_zh: Text(2000) | None = None
    # "construct" would shadow a BaseModel method: stored under another name.
    construct_name: Text(60) | None = Field(default=None, alias="construct")
    scale_min: Annotated[float, Field(allow_inf_nan=False, ge=-100, le=100), NotBool] = 1
    scale_max: Annotated[float, Field(allow_inf_nan=False, ge=-100, le=100), NotBool] = 10


class PresetSurveyCreate(BaseModel):
    """A survey from a preset instrument, optionally with custom items added."""

    model_config = ConfigDict(extra="forbid")
    code: Text(100, 1)
    name: Text(200, 1)
    kind: Literal["ACSI", "ECSI", "NPS", "CSAT", "CES"]
    description: Text(5000) | None = None
    items: list[SurveyItemIn] = Field(default_factory=list, max_length=200)


class CustomSurveyCreate(BaseModel):
    """A survey of custom items only: at least one item."""

    model_config = ConfigDict(extra="forbid")
    code: Text(100, 1)
    name: Text(200, 1)
    kind: Literal["custom"] = "custom"
    description: Text(5000) | None = None
    items: list[SurveyItemIn] = Field(min_length=1, max_length=200)


SurveyCreate = PresetSurveyCreate | CustomSurveyCreate


class SurveyItemPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: str
    # "construct" would shadow a BaseModel method: stored under another name.
    construct_name: str | None = Field(default=None, alias="construct")
    text_en: str
    text_zh: str | None
    scale_min: float
    scale_max: float


class SurveyPublic(BaseModel):
    code: str
    name: str
    kind: str
    active: StrictBool
    description: str | None
    items: list[SurveyItemPublic]


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Text(128) | None = None
    channel: Text(40) | None = None
    valid_days: int = Field(default=30, ge=1, le=365)


class InvitationPublic(BaseModel):
    """A new invitation: the token and link are shown only now (the store keeps a hash)."""

    id: int
    survey: str
    customer_id: str | None
    expires_at: datetime
    token: str
    link: str


class SurveySummary(BaseModel):
    survey: str
    responses: int
    invitations: int
    invitations_used: int
    items: dict[str, dict[str, float]]
    response_rate: float | None = None
    nps: float | None = None
    csat: float | None = None
    ces: float | None = None


class PublicQuestion(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: str
    # "construct" would shadow a BaseModel method: stored under another name.
    construct_name: str | None = Field(default=None, alias="construct")
    text: str
    scale_min: float
    scale_max: float


class PublicSurvey(BaseModel):
    survey: str
    name: str
    language: str
    questions: list[PublicQuestion]


class PublicAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[Text(60, 1), StrictFinite] = Field(max_length=200)
    comment: Text(4000) | None = None


class ResponseStored(BaseModel):
    response_id: str
    message: str


# --- users, tokens, imports, analytics, audit ----------------------------------------

Role = Literal["admin", "analyst", "agent"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Text(100, 1)
    password: Text(200, 10)
    role: Role
    email: Text(254) | None = None
    full_name: Text(200) | None = None
    language: Literal["en", "zh_CN"] | None = None
    unit: Text(64) | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: StrictBool | None = None
    password: Text(200, 10) | None = None
    language: Literal["en", "zh_CN"] | None = None
    full_name: Text(200) | None = None
    email: Text(254) | None = None
    unit: Text(64) | None = None


class UserPublic(BaseModel):
    username: str
    role: str
    active: StrictBool
    email: str | None
    full_name: str | None
    language: str | None
    unit: str | None
    locked_until: datetime | None


class TokenCreate(BaseModel):
    name: Text(100, 1)
    expires_in_days: Annotated[int, Field(ge=1, le=3650), NotBool] = 90


class TokenPublic(BaseModel):
    username: str
    name: str
    token: str
    expires_at: datetime | None = None


class TokenInfoPublic(BaseModel):
    """An API token as listed: never the token itself."""

    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: StrictBool


class ImportResult(BaseModel):
    kind: str
    summary: dict[str, Any]


class MetricOverview(BaseModel):
    metric: str
    as_of: date
    customers: int
    mean: float | None
    labels: dict[str, int]


class ScoreRow(BaseModel):
    customer_id: str
    value: float | None
    label: str | None
    as_of: date
    detail: Any | None = None


class ScoresPage(BaseModel):
    items: list[ScoreRow]
    total: int
    page: int
    page_size: int


class AuditEntry(BaseModel):
    at: datetime | None
    actor: str | None
    action: str
    entity: str
    entity_id: str | None
    customer_pk: int | None
    detail: Any | None
    ip: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
