"""Campaign truth: a campaign whose sends all failed says so, and uplift counts only the
treated members the campaign actually reached."""

from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa

from patron.act import campaigns, results
from patron.collect.store.db import open_store
from patron.collect.store.models import ActionSend, Campaign, CampaignMember, Customer, Order

from .conftest import PASSWORD
from .page_crawl import sign_in

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 1)


def _customers(workspace, code: str, n: int) -> None:
    with open_store(workspace.database_url).begin() as conn:
        conn.execute(
            sa.insert(Customer),
            [
                {
                    "customer_id": f"{code}-{i:04d}",
                    "name": f"G{i}",
                    "consent_email": True,
                    "email": f"{code}{i}@example.com",
                }
                for i in range(n)
            ],
        )


def _members(workspace, code: str) -> list[tuple[int, str]]:
    m, c = CampaignMember.__table__, Campaign.__table__
    with open_store(workspace.database_url).connect() as conn:
        return conn.execute(
            sa.select(m.c.customer_pk, m.c.group)
            .join(c, c.c.id == m.c.campaign_pk)
            .where(c.c.code == code)
            .order_by(m.c.customer_pk)
        ).all()


def test_campaign_whose_sends_all_fail(sqlite_service, monkeypatch) -> None:
    ws = sqlite_service.workspace
    # An SMTP server that refuses every connection: each send fails.
    monkeypatch.setenv("PATRON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATRON_SMTP_PORT", "9")
    _customers(ws, "dead", 40)
    campaigns.create_campaign(
        ws,
        "dead",
        name="Winter offer",
        segment={"when": [{"field": "customer_id", "op": "contains", "value": "dead"}]},
        action={"channel": "email", "template": "campaign"},
        control_share=0.25,
    )
    groups = campaigns.assign(ws, "dead", AS_OF)
    run = campaigns.send(ws, "dead", AS_OF, now=START)
    assert (run.sent, run.failed) == (0, groups.treatment)

    listed = {c["code"]: c for c in results.list_campaigns(ws)}["dead"]
    assert listed["status"] == "failed" and listed["state"] == "failed"
    assert listed["delivery"] == {
        "sent": 0,
        "failed": groups.treatment,
        "skipped": 0,
        "pending": 0,
    }
    assert listed["started_at"] is None  # nothing started: nobody was reached
    uplift = results.campaign_uplift(ws, "dead")
    assert uplift["measured"] is False
    assert uplift["reason"] == f"nobody was contacted: all {groups.treatment} sends failed"

    client = sqlite_service.client
    sign_in(client, "analyst1", PASSWORD)
    page = client.get("/campaigns?lang=en").text
    section = page.split('id="campaign-dead"')[1].split("</section>")[0]
    assert "failed: nobody was contacted" in section
    assert f"0 sent, {groups.treatment} failed, 0 skipped, 0 waiting" in section
    assert ">sent<" not in section
    zh = client.get("/campaigns?lang=zh_CN").text
    assert "失败：没有联系到任何人" in zh


def test_uplift_counts_only_contacted_members(sqlite_service) -> None:
    ws = sqlite_service.workspace
    _customers(ws, "half", 600)
    campaigns.create_campaign(
        ws,
        "half",
        segment={"when": [{"field": "customer_id", "op": "contains", "value": "half"}]},
        action={"channel": "list"},
        control_share=0.4,
        scheduled_at=START,
    )
    campaigns.assign(ws, "half", AS_OF)
    members = _members(ws, "half")
    treated = [pk for pk, g in members if g == "treatment"]
    reached = set(treated[::2])  # every other treated member's send failed
    rng = np.random.default_rng(3)
    # Reached members come back at 50 %, everybody else (control, not reached) at 10 %.
    buyers = {pk for pk, _g in members if rng.random() < (0.5 if pk in reached else 0.1)}
    with open_store(ws.database_url).begin() as conn:
        cid = conn.execute(sa.select(Campaign.id).where(Campaign.code == "half")).scalar_one()
        conn.execute(
            sa.insert(ActionSend),
            [
                {
                    "dedupe_key": f"campaign:half:{pk}:once",
                    "campaign_pk": cid,
                    "customer_pk": pk,
                    "channel": "list",
                    "run_date": AS_OF,
                    "status": "sent" if pk in reached else "failed",
                }
                for pk in treated
            ],
        )
        conn.execute(
            sa.insert(Order),
            [
                {
                    "order_id": f"O-{pk}",
                    "content_hash": f"h-{pk}",
                    "customer_pk": pk,
                    "ordered_at": START + dt.timedelta(days=10),
                    "amount": 100.0,
                }
                for pk in buyers
            ],
        )
    frame = campaigns.outcomes(ws, "half")
    assert int(frame["contacted"].sum()) == len(reached)
    uplift = results.campaign_uplift(ws, "half")
    assert uplift["measured"]
    assert uplift["treated"] == len(reached)
    assert uplift["not_contacted"] == len(treated) - len(reached)
    control = [pk for pk, g in members if g == "control"]
    retained = uplift["metrics"]["retained"]
    assert abs(retained["treated"] - len(reached & buyers) / len(reached)) < 1e-12
    assert abs(retained["control"] - len(set(control) & buyers) / len(control)) < 1e-12
    assert uplift["delivery"]["failed"] == len(treated) - len(reached)
    state = {c["code"]: c for c in results.list_campaigns(ws)}["half"]["state"]
    assert state == "partly_failed"
