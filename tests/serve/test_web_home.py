"""The home page by role: the agent's day and the manager's figures, computed by the
library within the user's units, each analysis figure with the command that recomputes it."""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import pytest
import sqlalchemy as sa

from patron.collect.store.db import session_scope
from patron.collect.worklist import worklist
from patron.core.workspace import Workspace
from patron.jobs import customers as customer_jobs
from patron.jobs.context import AnalysisContext
from patron.jobs.home import complaint_sla, manager_home

from .conftest import PASSWORD, make_service
from .demo_site import demo_site
from .page_crawl import page_text, sign_in


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        demo = demo_site(tmp_path_factory.mktemp("home"))
        workspace = Workspace.open(demo.root)
        yield demo, workspace, make_service(workspace)
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved


def test_agent_day(site) -> None:
    demo, workspace, _service = site
    from patron.collect.store.models import Customer, Order

    with session_scope(workspace.database_url) as session:
        day = worklist(session, "agent1")
        pk = session.scalar(sa.select(Customer.id).where(Customer.customer_id == demo.arriving))
        today = dt.datetime.combine(dt.date.today(), dt.time(), dt.UTC)
        earlier = session.scalar(
            sa.select(sa.func.count()).where(Order.customer_pk == pk, Order.ordered_at < today)
        )
    assert [c["id"] for c in day.complaints] == [demo.complaint_pk]
    assert day.complaints[0]["severity"] == "high"
    assert day.sla_counts == {day.complaints[0]["sla"]: 1}
    arriving = {a["customer_id"]: a for a in day.arrivals}
    assert arriving[demo.arriving]["stays_before"] == earlier
    birthdays = [b for b in day.birthdays if b["in_days"] == 3]
    assert birthdays, day.birthdays
    assert [t["title"] for t in day.tasks] == ["Call about the breakfast complaint"]
    # Another agent has no complaint of theirs.
    with session_scope(workspace.database_url) as session:
        assert worklist(session, "someone-else").complaints == []


def test_manager_figures_match_their_commands(site) -> None:
    _demo, workspace, _service = site
    ctx = AnalysisContext.open(workspace, unit="hotel")
    home = manager_home(ctx)
    loyalty = customer_jobs.loyalty(AnalysisContext.open(workspace, unit="hotel"))
    f = loyalty.figures
    # The running quarter is never the headline: the latest complete one is.
    assert f["running_period_start"] > f["period_start"]
    assert home.figures["retention"].value == pytest.approx(f["retention"], abs=1e-12)
    assert home.figures["retention"].previous == pytest.approx(f["retention_previous"], abs=1e-12)
    assert home.figures["retention"].period_start == f["period_start"]
    assert "patron analyze loyalty --period Q" in home.figures["retention"].command
    if f.get("nps") is not None:
        assert home.figures["nps"].value == pytest.approx(f["nps"], abs=1e-12)
    sla = complaint_sla(AnalysisContext.open(workspace, unit="hotel")).figures
    if "sla" in home.figures:
        assert home.figures["sla"].value == pytest.approx(sla["sla_met_share"], abs=1e-12)
    csi = home.figures["csi"]
    assert 0 < csi.value < 100 and "patron csi --model acsi" in csi.command
    assert home.drivers and all(not re.fullmatch(r"[A-Z]+\d+", d["question"]) for d in home.drivers)
    states = {c["code"]: c["state"] for c in home.campaigns}
    assert states == {"winter": "failed", "spring": "sent"}


def test_home_page_by_role(site) -> None:
    demo, _workspace, service = site
    from fastapi.testclient import TestClient

    with TestClient(service.client.app) as agent:
        sign_in(agent, "agent1", PASSWORD)
        text = " ".join(page_text(agent.get("/?lang=en").text))
        assert "My open complaints" in text and "Breakfast came cold" not in text
        assert f"#{demo.complaint_pk}" in text
        assert "How your units are doing" not in text  # agents do not see the figures
        zh = " ".join(page_text(agent.get("/?lang=zh_CN").text))
        assert "我的未结投诉" in zh and "本周生日" in zh
    with TestClient(service.client.app) as analyst:
        sign_in(analyst, "analyst1", PASSWORD)
        # The first visit of the day starts the figures in the background and says so,
        # without holding the page; the page refreshes until they are there.
        html = analyst.get("/?lang=en").text
        for _ in range(600):
            if 'id="figures-preparing"' not in html:
                break
            assert "being computed" in html
            time.sleep(0.1)
            html = analyst.get("/?lang=en").text
        text = " ".join(page_text(html))
        assert "How your units are doing" in text and "My open complaints" not in text
        assert "Winter offer" in text and "failed: nobody was contacted" in text
        assert "patron analyze loyalty --period Q" in html
