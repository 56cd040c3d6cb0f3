"""The comments page: managers see what customers say within their units, every comment
shown as text (a <script> stays words), agents are refused."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from .conftest import PASSWORD, make_service
from .demo_site import demo_site
from .page_crawl import sign_in

SCRIPT = '<script>alert("x")</script> The room was dirty'
FORMULA = '=HYPERLINK("http://x.example","click") Terrible wifi'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from patron.collect import users, warehouse
    from patron.collect.importers import import_file
    from patron.collect.store.db import session_scope
    from patron.collect.units import unit_pk_for
    from patron.core.workspace import Workspace

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        demo = demo_site(tmp_path_factory.mktemp("comments"))
        workspace = Workspace.open(demo.root)
        path = demo.root / "hostile.csv"
        pd.DataFrame(
            {
                "response_id": ["HOSTILE-1", "HOSTILE-2"],
                "customer_id": [demo.customer_id, demo.customer_id],
                "survey_code": [demo.survey_code] * 2,
                "item_code": ["comment", "comment"],
                "text_value": [SCRIPT, FORMULA],
                "responded_at": ["2026-07-15T10:00:00Z", "2026-08-15T10:00:00Z"],
            }
        ).to_csv(path, index=False)
        summary = import_file(workspace, "responses", path, progress=False, unit="hotel")
        assert summary.rejected == 0, summary
        warehouse.sync(workspace, progress=False)
        service = make_service(workspace)
        with session_scope(workspace.database_url) as session:
            for name, unit in (("bundboss", "bund"), ("groupboss", "hotel")):
                user = users.create_user(
                    session, users.SYSTEM, username=name, password=PASSWORD, role="analyst"
                )
                user.unit_pk = unit_pk_for(session, unit)
        yield demo, service
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved


def _client(service, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(service.client.app, raise_server_exceptions=False)
    sign_in(client, username, PASSWORD)
    return client


def test_a_manager_reads_the_comments_as_text(site) -> None:
    demo, service = site
    client = _client(service, "groupboss")
    r = client.get("/comments?aspect=cleanliness&sentiment=negative")
    assert r.status_code == 200, r.text
    page = r.text
    assert "<script>alert" not in page
    quoted = re.search(r"<blockquote>(.*?script.*?)</blockquote>", page).group(1)
    assert quoted.replace("&#34;", "&quot;") == (
        "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt; The room was <mark>dirty</mark>"
    )
    # the example links to the customer 360
    assert f'href="/customers/{demo.customer_id}"' in page
    # words, not codes: the aspect and the sentiment
    assert "Cleanliness" in page and ">negative<" in page
    r = client.get("/comments?aspect=wifi&sentiment=negative&period=2026Q3")
    assert r.status_code == 200
    quoted = re.search(r"<blockquote>(=HYPERLINK.*?)</blockquote>", r.text).group(1)
    assert "<mark>Terrible</mark> <mark>wifi</mark>" in quoted and "<a " not in quoted
    zh = client.get("/comments?aspect=cleanliness&lang=zh_CN")
    assert "卫生" in zh.text and "负面" in zh.text


def test_filters_refuse_what_they_do_not_offer(site) -> None:
    _demo, service = site
    client = _client(service, "groupboss")
    r = client.get("/comments?aspect=spa-<b>")
    assert r.status_code == 422  # InputError: the page says what is wrong
    assert r.json()["error"]["message"].startswith("aspect: spa-<b> is not one of room, ")
    assert r.headers["content-type"].startswith("application/json")
    assert client.get("/comments?period=2099Q1").status_code == 422


def test_agents_are_refused_and_managers_kept_to_their_units(site) -> None:
    _demo, service = site
    agent = _client(service, "agent1")
    assert agent.get("/comments").status_code == 403
    assert 'href="/comments"' not in agent.get("/").text
    bund = _client(service, "bundboss")
    assert bund.get("/comments?unit=hotel").status_code == 403
    assert bund.get("/comments?unit=all").status_code == 403
    own = bund.get("/comments")
    assert own.status_code == 200
    # the scope list offers only the manager's own unit, and no "whole organisation"
    options = re.findall(r'<option value="([^"]*)"', own.text.split('name="aspect"')[0])
    assert options == ["bund"]
    assert 'href="/comments"' in own.text  # in the navigation
