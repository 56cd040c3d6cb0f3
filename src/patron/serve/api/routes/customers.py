"""Customers: search, create, read, update (If-Match / version), merge, 360, export, erase."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from patron.collect import (
    customer_privacy,
    customer_search,
    customer_view,
    customer_view_token,
    times,
)
from patron.collect import customers as service
from patron.collect.errors import AuthenticationError, PreconditionRequiredError
from patron.collect.store.db import session_factory
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.serve.api.deps import (
    Allowed,
    SessionDep,
    WorkspaceDep,
    actor_or_none,
    bearer_token,
    client_ip,
)
from patron.serve.api.schemas import (
    Customer360,
    CustomerCreate,
    CustomerPublic,
    CustomersPage,
    CustomerUpdate,
    ErrorBody,
    ImportantDateIn,
    MergeRequest,
    Message,
    PreferenceIn,
    PreferencePublic,
)

ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 412, 422, 428)}
router = APIRouter(prefix="/customers", tags=["customers"], responses=ERRORS)

CustomerId = Annotated[str, Path(min_length=1, max_length=128)]
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
SearchText = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


def etag(version: int) -> str:
    return f'"v{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"v3"``, ``W/"v3"`` or ``3``)."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"').removeprefix("v")
    try:
        return int(text)
    except ValueError:
        return -1  # matches no version: the update is refused as a lost update


def public(customer) -> CustomerPublic:  # type: ignore[no-untyped-def]
    return CustomerPublic.model_validate(service.profile(customer))


@router.get("", response_model=CustomersPage, summary="Search customers")
def search_customers(
    session: SessionDep,
    actor: Allowed("customers:read"),
    q: SearchText = None,
    field: Literal["any", "name", "email", "phone", "id"] | None = None,
    city: SearchText = None,
    country: SearchText = None,
    segment: SearchText = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> CustomersPage:
    """Find customers by name, e-mail, phone or id, with filters and pagination."""
    found = customer_search.search_customers(
        session,
        actor,
        q=q,
        field=field,
        city=city,
        country=country,
        segment=segment,
        page=page,
        page_size=page_size,
    )
    return CustomersPage(
        items=[public(c) for c in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post("", response_model=CustomerPublic, status_code=status.HTTP_201_CREATED)
def create_customer(
    body: CustomerCreate, session: SessionDep, actor: Allowed("customers:write"), response: Response
) -> CustomerPublic:
    """Add a customer, optionally with preferences and important dates."""
    data = body.model_dump(exclude_none=True)
    customer = service.create_customer(
        session,
        actor,
        customer_id=data.pop("customer_id", None),
        preferences=data.pop("preferences", []),
        important_dates=data.pop("important_dates", []),
        **data,
    )
    response.headers["ETag"] = etag(customer.version)
    return public(customer)


@router.get("/{customer_id}", response_model=CustomerPublic)
def read_customer(
    customer_id: CustomerId,
    session: SessionDep,
    actor: Allowed("customers:read"),
    response: Response,
) -> CustomerPublic:
    """One customer's record, with its ETag (send it back in If-Match to update)."""
    customer = service.read_profile(session, actor, customer_id)
    response.headers["ETag"] = etag(customer.version)
    return public(customer)


@router.patch("/{customer_id}", response_model=CustomerPublic)
def update_customer(
    customer_id: CustomerId,
    body: CustomerUpdate,
    session: SessionDep,
    actor: Allowed("customers:write"),
    response: Response,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> CustomerPublic:
    """Change fields; needs the ETag in If-Match (or ``version`` in the body): 412 if stale."""
    expected = parse_if_match(if_match) if if_match is not None else body.version
    if expected is None and if_match is None:
        raise PreconditionRequiredError(
            _("send the customer's ETag in If-Match, or its version in the body")
        )
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    customer = service.update_customer(
        session, actor, customer_id, changes, expected_version=expected
    )
    response.headers["ETag"] = etag(customer.version)
    return public(customer)


@router.get("/{customer_id}/360", response_model=Customer360, summary="Customer 360 view")
async def customer_360(
    customer_id: CustomerId,
    request: Request,
    workspace: WorkspaceDep,
    timeline_limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    """Profile, guest card, preferences, dates, timeline across channels and latest scores.

    Needs ``customers:read``. A bearer token is checked by the store in the same round
    trip that reads the view (on PostgreSQL: one round trip, one thread hop); a
    signed-in web user goes the general way.
    """
    token = bearer_token(request)
    if token is not None:
        data = await run_in_threadpool(
            customer_view_token.customer_360_for_token,
            workspace.database_url,
            token,
            customer_id,
            ip=client_ip(request),
            timeline_limit=timeline_limit,
        )
    else:
        data = await run_in_threadpool(
            _customer_360_signed_in, request, workspace.database_url, customer_id, timeline_limit
        )
    return data  # validated and serialised once, by the response model


def _customer_360_signed_in(
    request: Request, store_url: str, customer_id: str, timeline_limit: int
) -> dict:
    with session_factory(store_url)() as session:
        actor = actor_or_none(request, session)
        if actor is None:
            raise AuthenticationError(_("sign in or send an API token"))
        actor.require("customers:read")
        return customer_view.customer_360(
            session, actor, customer_id, store_url=store_url, timeline_limit=timeline_limit
        )


@router.post("/{customer_id}/merge", response_model=CustomerPublic)
def merge_customer(
    customer_id: CustomerId,
    body: MergeRequest,
    session: SessionDep,
    actor: Allowed("customers:merge"),
) -> CustomerPublic:
    """Fold the duplicate ``duplicate_id`` into this customer."""
    return public(service.merge_customers(session, actor, customer_id, body.duplicate_id))


@router.post("/{customer_id}/preferences", response_model=PreferencePublic, status_code=201)
def add_preference(
    customer_id: CustomerId,
    body: PreferenceIn,
    session: SessionDep,
    actor: Allowed("customers:write"),
) -> PreferencePublic:
    """Record an observed preference; the same one seen again counts up."""
    pref = service.add_preference(session, actor, customer_id, key=body.key, value=body.value)
    return PreferencePublic(
        key=pref.key,
        value=pref.value,
        times_observed=pref.times_observed,
        observed_at=times.aware(pref.observed_at),
    )


@router.post("/{customer_id}/important-dates", response_model=Message, status_code=201)
def add_important_date(
    customer_id: CustomerId,
    body: ImportantDateIn,
    session: SessionDep,
    actor: Allowed("customers:write"),
) -> Message:
    """Record a date that matters to the customer."""
    service.add_important_date(
        session,
        actor,
        customer_id,
        kind=body.kind,
        on=body.date,
        label=body.label,
        recurring=body.recurring,
    )
    return Message(message=_("date recorded"))


@router.get("/{customer_id}/export", summary="Export all data of one customer (JSON)")
def export_customer(
    customer_id: CustomerId, session: SessionDep, actor: Allowed("customers:export")
) -> dict:
    """Everything held about the customer, for a subject access request."""
    return customer_privacy.export_customer(session, actor, customer_id)


@router.post("/{customer_id}/erase", response_model=CustomerPublic)
def erase_customer(
    customer_id: CustomerId,
    session: SessionDep,
    actor: Allowed("customers:erase"),
    confirm: Annotated[str | None, Query(max_length=128)] = None,
) -> CustomerPublic:
    """Blank the customer's personal fields; orders and scores stay for the aggregates.

    Pass ``confirm=<customer_id>`` to show the erasure is intended.
    """
    if confirm != customer_id:
        raise InputError(
            _("erasure needs confirm={customer_id} in the query").format(customer_id=customer_id)
        )
    return public(customer_privacy.erase_customer(session, actor, customer_id))
