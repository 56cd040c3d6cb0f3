"""The complaint workflow: SLA due times, states, breach and escalation, follow-up answer."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from patron.collect import complaints, customers, surveys, times
from patron.collect.errors import ConflictError, StateError
from patron.collect.roles import Actor
from patron.collect.store.db import session_scope
from patron.collect.store.models import ComplaintEvent, SurveyResponse
from patron.exceptions import InputError

AGENT = Actor(username="ann", role="agent")
UTC = dt.UTC
OPENED = (dt.datetime.now(UTC) - dt.timedelta(days=30)).replace(microsecond=0)


@pytest.fixture
def session(workspace):
    with session_scope(workspace.database_url) as s:
        customers.create_customer(s, AGENT, customer_id="G1", name="Guest One", language="zh_CN")
        yield s


def test_sla_due_by_severity_and_override() -> None:
    hours = {"critical": 4, "high": 24, "medium": 72, "low": 168}
    for severity, h in hours.items():
        assert complaints.sla_due(OPENED, severity) == OPENED + dt.timedelta(hours=h)
    assert complaints.sla_due(OPENED, "critical", {"critical": 2}) == OPENED + dt.timedelta(hours=2)


def test_open_assign_resolve_and_followup(session, workspace) -> None:
    c = complaints.open_complaint(
        session, AGENT, customer_id="G1", description="Cold soup", severity="high", opened_at=OPENED
    )
    assert c.status == "open" and times.aware(c.sla_due_at) == OPENED + dt.timedelta(hours=24)
    assert complaints.sla_state(c, OPENED + dt.timedelta(hours=1)) == "ok"
    assert complaints.sla_state(c, OPENED + dt.timedelta(hours=19)) == "due_soon"  # < 25 % left
    assert complaints.sla_state(c, OPENED + dt.timedelta(hours=25)) == "breached"
    complaints.assign(session, AGENT, c.id, "bob", expected_version=c.version)
    assert c.status == "assigned" and c.assigned_to == "bob"
    with pytest.raises(ConflictError, match="changed by someone else"):
        complaints.resolve(session, AGENT, c.id, "x", secret_key="k", expected_version=1)
    result = complaints.resolve(
        session, AGENT, c.id, "Replaced the soup", secret_key=workspace.secret_key
    )
    assert c.status == "resolved" and c.outcome == "resolved" and result.followup_token
    # Resolved after the due time: the SLA counts as missed.
    assert complaints.sla_state(c, dt.datetime.now(UTC)) == "missed"
    with pytest.raises(StateError, match="already resolved"):
        complaints.close_unresolved(session, AGENT, c.id, "no")
    with pytest.raises(StateError, match="only open complaints can be assigned"):
        complaints.assign(session, AGENT, c.id, "carl")
    # The follow-up question: stored as a survey response, noted in the history.
    invitation, survey = surveys.open_invitation(
        session, result.followup_token, secret_key=workspace.secret_key
    )
    assert survey.code == "complaint-followup" and invitation.context == {"complaint_id": c.id}
    surveys.submit_response(
        session, result.followup_token, {"FU1": 5}, secret_key=workspace.secret_key
    )
    stored = session.execute(
        sa.select(SurveyResponse.item_code, SurveyResponse.value, SurveyResponse.source)
    ).all()
    assert stored == [("FU1", 5.0, "complaint-followup")]
    kinds = session.scalars(
        sa.select(ComplaintEvent.kind)
        .where(ComplaintEvent.complaint_pk == c.id)
        .order_by(ComplaintEvent.id)
    ).all()
    assert kinds == ["opened", "assigned", "resolved", "followup_sent", "followup_answered"]


def test_close_unresolved_and_bad_input(session) -> None:
    with pytest.raises(
        InputError, match="unknown severity urgent: use one of low, medium, high, critical"
    ):
        complaints.open_complaint(
            session, AGENT, customer_id="G1", description="x", severity="urgent"
        )
    with pytest.raises(InputError, match="no description"):
        complaints.open_complaint(session, AGENT, customer_id="G1", description="  ")
    c = complaints.open_complaint(
        session, AGENT, customer_id="G1", description="Noise", severity="low"
    )
    with pytest.raises(InputError, match="say why"):
        complaints.close_unresolved(session, AGENT, c.id, " ")
    complaints.close_unresolved(session, AGENT, c.id, "Guest left, no contact")
    assert (c.status, c.outcome) == ("closed", "unresolved")


def test_breach_flags_and_escalation(session) -> None:
    now = dt.datetime.now(UTC)
    late = complaints.open_complaint(
        session,
        AGENT,
        customer_id="G1",
        description="A",
        severity="critical",
        opened_at=now - dt.timedelta(hours=5),
    )
    fresh = complaints.open_complaint(
        session, AGENT, customer_id="G1", description="B", severity="low", opened_at=now
    )
    assert complaints.is_breached(late, now) and not complaints.is_breached(fresh, now)
    assert complaints.escalate_overdue(session, AGENT) == [late.id]
    assert late.escalation_level == 1
    assert complaints.escalate_overdue(session, AGENT) == []  # not twice
    complaints.escalate(session, AGENT, late.id, "Guest asked for the manager")
    assert late.escalation_level == 2
    breached = complaints.queue(session, AGENT, breached=True)
    assert [item["id"] for item in breached.items] == [late.id]
    queue = complaints.queue(session, AGENT)
    assert [item["sla"] for item in queue.items] == ["breached", "ok"]
