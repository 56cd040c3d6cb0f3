"""What each staff list holds: customers, complaints, surveys, responses, campaigns, tasks.

Each list is a :class:`~patron.collect.listing.ListSpec` (sortable indexed columns,
typed filters), a base query, a row shape for the page and one for the CSV export.
:func:`page` and :func:`export` run any of them through the one list component.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit, listing
from patron.collect.complaints import OPEN_STATUSES, SEVERITIES, STATUSES, complaint_view
from patron.collect.customer_search import customer_match
from patron.collect.listing import Column, Filter, ListPage, ListQuery, ListSpec
from patron.collect.roles import Actor
from patron.collect.store.models import (
    Campaign,
    Complaint,
    Customer,
    CustomerTag,
    ScoreSnapshot,
    Survey,
    SurveyItem,
    SurveyResponse,
    Task,
)
from patron.collect.times import aware, now
from patron.collect.units import Scope, customer_in_scope, record_in_scope, user_scope
from patron.core.i18n import N_

LIVE = (Customer.merged_into_id.is_(None), Customer.erased_at.is_(None))


@dataclass(frozen=True)
class StaffList:
    """A list's spec, its base query, its page row and its CSV header and row, and which
    of its rows a user bound to some units may see (``within``: a SQL condition)."""

    spec: ListSpec
    select: Callable[[], sa.Select]
    row: Callable[[Any], Any]
    header: tuple[str, ...]
    csv_row: Callable[[Any], list[Any]]
    permission: str
    within: Callable[[Scope], Any] = lambda scope: sa.true()


# --- customers ---------------------------------------------------------------------------


def _segment(label: str) -> Any:
    return sa.exists().where(
        ScoreSnapshot.customer_pk == Customer.id,
        ScoreSnapshot.metric == "rfm_segment",
        ScoreSnapshot.label == label,
    )


def _tagged(tag: str) -> Any:
    return sa.exists().where(CustomerTag.customer_pk == Customer.id, CustomerTag.tag == tag)


CUSTOMERS = StaffList(
    spec=ListSpec(
        name="customers",
        columns=(
            Column("name", N_("Name"), Customer.name),
            Column("id", N_("Customer id"), Customer.customer_id),
            Column("created", N_("Added"), Customer.created_at),
        ),
        filters=(
            Filter("q", N_("Name, e-mail, phone or id"), "text", customer_match),
            Filter("city", N_("City"), "text", lambda v: Customer.city == v, max_length=100),
            Filter("country", N_("Country"), "text", lambda v: Customer.country == v),
            Filter("tag", N_("Tag"), "text", _tagged, max_length=60),
            Filter("segment", N_("Segment"), "text", _segment, max_length=60),
        ),
        default_sort="name",
        default_descending=False,
        tiebreak=Customer.id,
        default_size=20,
    ),
    select=lambda: sa.select(Customer).where(*LIVE),
    row=lambda r: r[0],
    header=("customer_id", "name", "name_zh", "email", "phone", "city", "country"),
    csv_row=lambda r: [
        r[0].customer_id,
        r[0].name,
        r[0].name_zh,
        r[0].email,
        r[0].phone,
        r[0].city,
        r[0].country,
    ],
    permission="customers:read",
    within=lambda scope: customer_in_scope(scope, Customer.id),
)

# --- complaints --------------------------------------------------------------------------


def _complaint_status(value: str) -> Any:
    if value == "active":
        return Complaint.status.in_(OPEN_STATUSES)
    if value == "all":
        return sa.true()
    return Complaint.status == value


def _breached(value: bool) -> Any:
    moment = now()
    late_open = sa.and_(Complaint.status.in_(OPEN_STATUSES), Complaint.sla_due_at < moment)
    late_closed = sa.and_(
        Complaint.status.notin_(OPEN_STATUSES), Complaint.resolved_at > Complaint.sla_due_at
    )
    either = sa.or_(late_open, late_closed)
    return either if value else sa.not_(either)


def _assignee(value: str) -> Any:
    return Complaint.assigned_to.is_(None) if value == "-" else Complaint.assigned_to == value


SEVERITY_RANK = sa.case({s: i for i, s in enumerate(SEVERITIES)}, value=Complaint.severity)

COMPLAINTS = StaffList(
    spec=ListSpec(
        name="complaints",
        columns=(
            Column("due", N_("Due"), Complaint.sla_due_at),
            Column("opened", N_("Opened"), Complaint.opened_at),
            Column("severity", N_("Severity"), SEVERITY_RANK),
            Column("id", N_("Number"), Complaint.id),
        ),
        filters=(
            Filter(
                "status",
                N_("Status"),
                "choice",
                _complaint_status,
                choices=("active", "all", *STATUSES),
                default="active",
            ),
            Filter(
                "severity",
                N_("Severity"),
                "choice",
                lambda v: Complaint.severity == v,
                choices=SEVERITIES,
            ),
            Filter("category", N_("Category"), "text", lambda v: Complaint.category == v),
            Filter("assignee", N_("Assigned to"), "text", _assignee, max_length=100),
            Filter("breached", N_("Past the SLA"), "bool", _breached),
            Filter("customer", N_("Customer id"), "text", lambda v: Customer.customer_id == v),
            Filter("opened_from", N_("Opened from"), "date", lambda v: Complaint.opened_at >= v),
            Filter("opened_to", N_("Opened until"), "date", lambda v: Complaint.opened_at < v),
        ),
        default_sort="due",
        default_descending=False,
        tiebreak=Complaint.id,
    ),
    select=lambda: sa.select(Complaint, Customer).join(
        Customer, Customer.id == Complaint.customer_pk
    ),
    row=lambda r: complaint_view(r[0], r[1], now()),
    header=(
        "number",
        "customer_id",
        "customer_name",
        "opened_at",
        "category",
        "severity",
        "status",
        "assigned_to",
        "sla_due_at",
        "description",
    ),
    csv_row=lambda r: [
        r[0].id,
        r[1].customer_id,
        r[1].name,
        aware(r[0].opened_at),
        r[0].category,
        r[0].severity,
        r[0].status,
        r[0].assigned_to,
        aware(r[0].sla_due_at),
        r[0].description,
    ],
    permission="complaints:read",
    within=lambda scope: record_in_scope(scope, Complaint.unit_pk),
)

# --- surveys, responses ------------------------------------------------------------------

SURVEYS = StaffList(
    spec=ListSpec(
        name="surveys",
        columns=(
            Column("created", N_("Created"), Survey.created_at),
            Column("name", N_("Name"), Survey.name),
            Column("code", N_("Code"), Survey.code),
        ),
        filters=(
            Filter(
                "q",
                N_("Name or code"),
                "text",
                lambda v: sa.or_(
                    sa.func.lower(Survey.name).contains(v.lower(), autoescape=True),
                    Survey.code.contains(v, autoescape=True),
                ),
            ),
            Filter(
                "kind",
                N_("Kind"),
                "choice",
                lambda v: Survey.kind == v,
                choices=("ACSI", "ECSI", "NPS", "CSAT", "CES", "custom"),
            ),
            Filter("active", N_("Active"), "bool", lambda v: Survey.active.is_(v)),
        ),
        default_sort="created",
        default_descending=True,
        tiebreak=Survey.id,
        default_size=20,
    ),
    select=lambda: sa.select(Survey),
    row=lambda r: r[0],
    header=("code", "name", "kind", "active", "created_at"),
    csv_row=lambda r: [r[0].code, r[0].name, r[0].kind, r[0].active, aware(r[0].created_at)],
    permission="surveys:read",
)

RESPONSES = StaffList(
    spec=ListSpec(
        name="responses",
        columns=(
            Column("when", N_("Answered"), SurveyResponse.responded_at),
            Column("value", N_("Answer"), SurveyResponse.value),
        ),
        filters=(
            Filter("survey", N_("Survey"), "text", lambda v: Survey.code == v, max_length=100),
            Filter(
                "item",
                N_("Question"),
                "text",
                lambda v: SurveyResponse.item_code == v,
                max_length=60,
            ),
            Filter("customer", N_("Customer id"), "text", lambda v: Customer.customer_id == v),
            Filter("at_most", N_("Answer at most"), "int", lambda v: SurveyResponse.value <= v),
            Filter("from", N_("Answered from"), "date", lambda v: SurveyResponse.responded_at >= v),
            Filter("to", N_("Answered until"), "date", lambda v: SurveyResponse.responded_at < v),
        ),
        default_sort="when",
        default_descending=True,
        tiebreak=SurveyResponse.id,
    ),
    select=lambda: (
        sa.select(SurveyResponse, Survey, SurveyItem, Customer)
        .join(Survey, Survey.id == SurveyResponse.survey_pk)
        .outerjoin(
            SurveyItem,
            sa.and_(SurveyItem.survey_pk == Survey.id, SurveyItem.code == SurveyResponse.item_code),
        )
        .outerjoin(Customer, Customer.id == SurveyResponse.customer_pk)
    ),
    row=lambda r: {"response": r[0], "survey": r[1], "item": r[2], "customer": r[3]},
    header=(
        "response_id",
        "survey",
        "item",
        "question",
        "value",
        "text",
        "customer_id",
        "responded_at",
    ),
    csv_row=lambda r: [
        r[0].response_id,
        r[1].code,
        r[0].item_code,
        r[2].text_en if r[2] else None,
        r[0].value,
        r[0].text_value,
        r[3].customer_id if r[3] else None,
        aware(r[0].responded_at),
    ],
    permission="surveys:read",
    within=lambda scope: record_in_scope(scope, SurveyResponse.unit_pk),
)

# --- campaigns, tasks --------------------------------------------------------------------

CAMPAIGNS = StaffList(
    spec=ListSpec(
        name="campaigns",
        columns=(
            Column("created", N_("Created"), Campaign.created_at),
            Column("name", N_("Name"), Campaign.name),
            Column("started", N_("Started"), Campaign.started_at),
        ),
        filters=(
            Filter(
                "q",
                N_("Name or code"),
                "text",
                lambda v: sa.or_(
                    sa.func.lower(Campaign.name).contains(v.lower(), autoescape=True),
                    Campaign.code.contains(v, autoescape=True),
                ),
            ),
            Filter("status", N_("Status"), "text", lambda v: Campaign.status == v, max_length=20),
        ),
        default_sort="created",
        default_descending=True,
        tiebreak=Campaign.id,
        default_size=20,
    ),
    select=lambda: sa.select(Campaign),
    row=lambda r: r[0],
    header=("code", "name", "status", "control_share", "started_at"),
    csv_row=lambda r: [
        r[0].code,
        r[0].name,
        r[0].status,
        r[0].control_share,
        aware(r[0].started_at),
    ],
    permission="analytics:read",
    within=lambda scope: record_in_scope(scope, Campaign.unit_pk),
)

TASK_STATUSES = ("open", "done", "cancelled")
STATUS_WORDS = {  # tasks' and campaigns' states in words
    "open": N_("open"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "assigned": N_("audience drawn"),
    "sent": N_("sent"),
}

TASKS = StaffList(
    spec=ListSpec(
        name="tasks",
        columns=(
            Column("due", N_("Due"), Task.due_at),
            Column("created", N_("Created"), Task.created_at),
            Column("title", N_("Task"), Task.title),
        ),
        filters=(
            Filter(
                "status",
                N_("Status"),
                "choice",
                lambda v: Task.status == v,
                choices=TASK_STATUSES,
                default="open",
            ),
            Filter(
                "assignee",
                N_("Assigned to"),
                "text",
                lambda v: Task.assigned_to.is_(None) if v == "-" else Task.assigned_to == v,
                max_length=100,
            ),
            Filter("rule", N_("Rule"), "text", lambda v: Task.source_rule == v, max_length=100),
            Filter("customer", N_("Customer id"), "text", lambda v: Customer.customer_id == v),
        ),
        default_sort="due",
        default_descending=False,
        tiebreak=Task.id,
    ),
    select=lambda: sa.select(Task, Customer).outerjoin(Customer, Customer.id == Task.customer_pk),
    row=lambda r: {"task": r[0], "customer": r[1]},
    header=("task", "title", "status", "due_at", "assigned_to", "rule", "customer_id"),
    csv_row=lambda r: [
        r[0].id,
        r[0].title,
        r[0].status,
        aware(r[0].due_at),
        r[0].assigned_to,
        r[0].source_rule,
        r[1].customer_id if r[1] else None,
    ],
    permission="customers:read",
    within=lambda scope: sa.or_(
        Task.customer_pk.is_(None), customer_in_scope(scope, Task.customer_pk)
    ),
)

LISTS = {s.spec.name: s for s in (CUSTOMERS, COMPLAINTS, SURVEYS, RESPONSES, CAMPAIGNS, TASKS)}


def _visible(session: Session, actor: Actor, staff_list: StaffList) -> sa.Select:
    """The list's base query cut to the actor's units (a user with no unit sees all)."""
    scope = user_scope(session, actor.username)
    select = staff_list.select()
    return select if scope.is_everything else select.where(staff_list.within(scope))


def page(session: Session, actor: Actor, name: str, query: ListQuery) -> ListPage:
    """One page of the list ``name`` (checked against the actor's role; reads are audited)."""
    staff_list = LISTS[name]
    actor.require(staff_list.permission)
    result = listing.fetch_page(
        session, staff_list.spec, query, _visible(session, actor, staff_list), row=staff_list.row
    )
    if name in ("customers", "complaints", "responses"):  # lists of personal data
        audit.record(
            session,
            actor,
            "read",
            f"{name}_list",
            None,
            detail={"query": query.filter_string()[:500], "results": len(result.items)},
        )
        session.commit()
    return result


def export(session: Session, actor: Actor, name: str, query: ListQuery) -> str:
    """The list ``name`` filtered and sorted as ``query`` asks, as CSV (formulas neutralised)."""
    staff_list = LISTS[name]
    actor.require(staff_list.permission)
    actor.require(
        "customers:export" if name in ("customers", "responses") else staff_list.permission
    )
    return listing.export_csv(
        session,
        actor,
        staff_list.spec,
        query,
        _visible(session, actor, staff_list),
        header=list(staff_list.header),
        row=staff_list.csv_row,
    )


def finish_task(session: Session, actor: Actor, task_pk: int, status: str = "done") -> Task:
    """Mark a task done (or cancelled); audited."""
    from patron.collect.errors import NotFoundError
    from patron.core.i18n import _
    from patron.exceptions import InputError

    if status not in TASK_STATUSES:
        raise InputError(
            _("status: {value} is not one of {options}").format(
                value=status[:20], options=", ".join(TASK_STATUSES)
            )
        )
    task = session.get(Task, task_pk)
    if task is None:
        raise NotFoundError(_("no task {id}").format(id=task_pk))
    task.status = status
    audit.record(
        session,
        actor,
        "update",
        "task",
        task.id,
        customer_pk=task.customer_pk,
        detail={"status": status},
    )
    session.commit()
    return task
