"""A small demo workspace (the hotel, analysed), built once per test process, and a copy
per test module: the pages shown with real data.

Besides what ``patron demo`` loads it holds what the staff home shows today: an open
complaint assigned to the agent, a guest arriving today, a birthday this week, a task
made by a rule, a campaign whose sends all failed and a survey invitation link.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa

N_GUESTS = 60
STEPS = ("units", "hotel", "sync", "segments", "lifecycle", "loyalty")


@dataclass(frozen=True)
class DemoSite:
    root: Path
    survey_token: str
    complaint_pk: int
    customer_id: str
    arriving: str
    survey_code: str = ""


@cache
def _built() -> DemoSite:
    from patron.collect import complaints, surveys
    from patron.collect.roles import SYSTEM
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, ImportantDate, Order, Task
    from patron.demo import DEMO_STEPS, run_demo

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        root = Path(tempfile.mkdtemp(prefix="patron-demo-site-")) / "ws"
        result = run_demo(
            root,
            n_guests=N_GUESTS,
            progress=False,
            steps=[s for s in DEMO_STEPS if s.name in STEPS],
        )
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    workspace = result.workspace
    url = workspace.database_url
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with session_scope(url) as session:
        guests = session.scalars(
            sa.select(Customer)
            .where(Customer.customer_id.like("H%"))
            .order_by(Customer.id)
            .limit(3)
        ).all()
        first, second, third = guests
        # A guest checking in today, one with a birthday in three days, and a rule's task.
        session.add(
            Order(
                order_id="TODAY-1",
                content_hash="today-1",
                customer_pk=second.id,
                ordered_at=now,
                amount=320.0,
                channel="direct web",
                location="Patron Bund Riverside",
            )
        )
        soon = dt.date.today() + dt.timedelta(days=3)
        session.add(
            ImportantDate(customer_pk=third.id, kind="birthday", date=soon.replace(year=1985))
        )
        session.add(
            Task(
                customer_pk=first.id,
                title="Call about the breakfast complaint",
                status="open",
                source_rule="complaint_followup",
                assigned_to="agent1",
                due_at=now + dt.timedelta(days=1),
            )
        )
        ids = (first.customer_id, second.customer_id)
    with session_scope(url) as session:
        complaint = complaints.open_complaint(
            session,
            SYSTEM,
            customer_id=ids[0],
            description="Breakfast came cold",
            severity="high",
            category="food",
            channel="front desk",
        )
        complaints.assign(session, SYSTEM, complaint.id, "agent1")
        complaint_pk = complaint.id
        code = surveys.list_surveys(session)[0].code
        _inv, token = surveys.create_invitation(
            session, SYSTEM, survey_code=code, secret_key=workspace.secret_key, customer_id=ids[0]
        )
    _campaigns(workspace)
    return DemoSite(root, token, complaint_pk, ids[0], ids[1], code)


def _campaigns(workspace) -> None:  # type: ignore[no-untyped-def]
    """A campaign sent to a call list, and one whose e-mails all failed."""
    from patron.act import campaigns
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import ActionSend, Campaign, CampaignMember

    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    everyone = {"when": [{"field": "customer_id", "op": "contains", "value": "H"}]}
    campaigns.create_campaign(
        workspace, "spring", name="Spring welcome back", segment=everyone,
        action={"channel": "list"}, control_share=0.3, scheduled_at=start,
    )  # fmt: skip
    campaigns.assign(workspace, "spring", start.date())
    campaigns.send(workspace, "spring", start.date(), now=start)
    campaigns.create_campaign(
        workspace, "winter", name="Winter offer", segment=everyone,
        action={"channel": "email", "template": "campaign"}, control_share=0.3,
    )  # fmt: skip
    campaigns.assign(workspace, "winter", start.date())
    # As the outbox records an SMTP server that refused every message.
    with session_scope(workspace.database_url) as session:
        row = session.scalars(sa.select(Campaign).where(Campaign.code == "winter")).one()
        row.status = "failed"
        treated = session.scalars(
            sa.select(CampaignMember.customer_pk).where(
                CampaignMember.campaign_pk == row.id, CampaignMember.group == "treatment"
            )
        ).all()
        for pk in treated:
            session.add(
                ActionSend(
                    dedupe_key=f"campaign:winter:{pk}:once", campaign_pk=row.id,
                    customer_pk=pk, channel="email", run_date=start.date(), status="failed",
                    attempts=1, last_error="the SMTP server refused the message",
                )
            )  # fmt: skip


def demo_site(tmp_path: Path) -> DemoSite:
    """A private copy of the built demo workspace (tests may write to it)."""
    built = _built()
    target = tmp_path / "demo-ws"
    shutil.copytree(built.root, target)
    return DemoSite(
        target,
        built.survey_token,
        built.complaint_pk,
        built.customer_id,
        built.arriving,
        built.survey_code,
    )
