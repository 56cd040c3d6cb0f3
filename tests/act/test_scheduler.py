"""The scheduler: consent, frequency caps, every send recorded, failing channels isolated,
signed webhooks with retries, tasks and lists made once."""

from __future__ import annotations

import csv
import datetime as dt
import json
from email.utils import parseaddr

import pytest
import sqlalchemy as sa
from act_factories import AS_OF, add_customers

from patron.act import scheduler
from patron.act.channels import ActSettings, ChannelError, WebhookChannel, verify_signature
from patron.act.rules import parse_rule
from patron.collect.store.db import open_store
from patron.collect.store.models import ActionSend, Task
from patron.core.progress import ProgressLog


def _people(n: int, **extra) -> list[dict]:
    return [
        {
            "customer_id": f"P{i:03d}",
            "name": f"Person {i}",
            "email": f"p{i}@example.com",
            "consent_email": True,
            "orders": [(AS_OF - dt.timedelta(days=400), 100.0)],
            **extra,
        }
        for i in range(n)
    ]


def _rule(code: str, action: dict, **extra) -> object:
    return parse_rule({"code": code, "trigger": {"schedule": "daily"}, "action": action, **extra})


def _sends(url: str) -> list[tuple]:
    table = ActionSend.__table__
    with open_store(url).connect() as conn:
        return conn.execute(
            sa.select(
                table.c.rule_code,
                table.c.customer_pk,
                table.c.channel,
                table.c.status,
                table.c.last_error,
            ).order_by(table.c.id)
        ).all()


EMAIL = {
    "channel": "email",
    "subject": "Hello {{ customer.name }}",
    "body": "<p>Hi {{ customer.name }}</p>",
}


def test_consent_is_honoured_and_every_send_recorded(sqlite_workspace, smtp_env) -> None:
    url = sqlite_workspace.database_url
    add_customers(url, _people(3))
    add_customers(
        url,
        [
            {
                "customer_id": "NOPE",
                "name": "Opted Out",
                "email": "no@example.com",
                "consent_email": False,
            },
            {"customer_id": "NOMAIL", "name": "No Mail", "consent_email": True},
        ],
    )
    log = ProgressLog()
    result = scheduler.run(sqlite_workspace, AS_OF, rules=[_rule("hello", EMAIL)], progress=log)
    assert (result.sent, result.skipped, result.failed) == (3, 2, 0)
    assert log.calls[0] == ("Sending", 0, 5) and log.calls[-1] == ("Sending", 5, 5)
    assert sorted(m["To"] for m in smtp_env.messages) == [
        "Person 0 <p0@example.com>",
        "Person 1 <p1@example.com>",
        "Person 2 <p2@example.com>",
    ]
    statuses = sorted((row.status, row.last_error) for row in _sends(url))
    assert statuses == [("sent", None)] * 3 + [
        ("skipped", "no e-mail address"),
        ("skipped", "no e-mail consent"),
    ]
    # A dry run lists, sends nothing and writes nothing.
    dry = scheduler.run(
        sqlite_workspace, AS_OF + dt.timedelta(days=1), True, rules=[_rule("hello", EMAIL)]
    )
    assert dry.planned == 3 and dry.skipped == 2
    assert len(smtp_env.messages) == 3 and len(_sends(url)) == 5


def test_frequency_cap_limits_contacts_per_period(sqlite_workspace, smtp_env) -> None:
    url = sqlite_workspace.database_url
    add_customers(url, _people(2))
    settings = ActSettings.from_workspace(sqlite_workspace)
    settings.max_contacts, settings.contact_period_days = 2, 7
    rules = [_rule(f"r{i}", EMAIL) for i in range(3)]
    first = scheduler.run(sqlite_workspace, AS_OF, rules=rules, settings=settings)
    # Three rules want each of two people; the cap lets two contacts each through.
    assert (first.sent, first.skipped) == (4, 2)
    assert all(
        "frequency cap: 2 contacts in 7 days" in s["detail"]
        for s in first.sends
        if s["status"] == "skipped"
    )
    # Within the 7 days nobody can be contacted again; after them, again up to two.
    day3 = scheduler.run(
        sqlite_workspace, AS_OF + dt.timedelta(days=3), rules=rules, settings=settings
    )
    day8 = scheduler.run(
        sqlite_workspace, AS_OF + dt.timedelta(days=7), rules=rules, settings=settings
    )
    assert (day3.sent, day3.skipped) == (0, 6)
    assert (day8.sent, day8.skipped) == (4, 2)
    per_person = {}
    for message in smtp_env.messages:
        per_person[message["To"]] = per_person.get(message["To"], 0) + 1
    assert per_person == {"Person 0 <p0@example.com>": 4, "Person 1 <p1@example.com>": 4}


def test_failing_channel_does_not_block_others(sqlite_workspace, monkeypatch) -> None:
    from act_factories import free_port

    url = sqlite_workspace.database_url
    keys = add_customers(url, _people(2))
    monkeypatch.setenv("PATRON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATRON_SMTP_PORT", str(free_port()))  # nothing listens there
    rules = [
        _rule("mail", EMAIL),
        _rule("call", {"channel": "task", "title": "Call {{ customer.name }}", "due_in_days": 2}),
        _rule("export", {"channel": "list", "list": "winback"}),
    ]
    result = scheduler.run(sqlite_workspace, AS_OF, rules=rules)
    assert (result.sent, result.failed) == (4, 2)
    failed = [row for row in _sends(url) if row.status == "failed"]
    assert {row.channel for row in failed} == {"email"}
    assert all("cannot reach the SMTP server" in row.last_error for row in failed)
    with open_store(url).connect() as conn:
        tasks = conn.execute(
            sa.select(Task.title, Task.customer_pk, Task.due_at, Task.source_rule)
        ).all()
    assert sorted(t.title for t in tasks) == ["Call Person 0", "Call Person 1"]
    assert {t.customer_pk for t in tasks} == set(keys.values())
    assert all(t.source_rule == "call" for t in tasks)
    listing = sqlite_workspace.root / "exports" / "winback-2026-11-01.csv"
    rows = list(csv.DictReader(listing.open()))
    assert [r["customer_id"] for r in rows] == ["P000", "P001"]

    # Rerun: tasks and list rows are not made twice; the failed e-mails are retried.
    again = scheduler.run(sqlite_workspace, AS_OF, rules=rules)
    assert (again.sent, again.failed, again.already_done) == (0, 2, 4)
    with open_store(url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Task)).scalar() == 2
    assert len(list(csv.DictReader(listing.open()))) == 2
    # After MAX_ATTEMPTS failures a send is left alone.
    scheduler.run(sqlite_workspace, AS_OF, rules=rules)
    last = scheduler.run(sqlite_workspace, AS_OF, rules=rules)
    assert (last.failed, last.already_done) == (0, 6)


def test_webhook_is_signed_and_retried_on_500(sqlite_workspace, http_server) -> None:
    url = sqlite_workspace.database_url
    add_customers(url, _people(1))
    http_server.statuses = [500, 503]
    settings = ActSettings.from_workspace(sqlite_workspace)
    settings.webhook_backoff = 0.01
    rule = _rule(
        "hook", {"channel": "webhook", "url": http_server.url, "data": {"offer": "late checkout"}}
    )
    result = scheduler.run(sqlite_workspace, AS_OF, rules=[rule], settings=settings)
    assert result.sent == 1
    assert len(http_server.requests) == 3  # 500, 503, then 200
    headers, body = http_server.requests[-1]
    assert verify_signature(sqlite_workspace.secret_key, body, headers["X-Patron-Signature"])
    assert not verify_signature("wrong key", body, headers["X-Patron-Signature"])
    payload = json.loads(body)
    assert payload["customer"]["customer_id"] == "P000"
    assert payload["data"] == {"offer": "late checkout"}
    assert headers["Idempotency-Key"] == "rule:hook:P000:2026-11-01"


def test_webhook_gives_up_cleanly_after_its_retries(http_server) -> None:
    http_server.statuses = [500] * 10
    waits: list[float] = []
    settings = ActSettings(webhook_retries=3, webhook_backoff=0.5, webhook_secret="k")
    channel = WebhookChannel(settings, sleep=waits.append)
    with pytest.raises(ChannelError, match=r"failed after 4 attempts: HTTP 500"):
        channel.send(http_server.url, {"x": 1}, "key-1")
    assert len(http_server.requests) == 4
    assert waits == [0.5, 1.0, 2.0]  # exponential back-off between attempts
    # A client error is not retried.
    http_server.requests.clear()
    http_server.statuses = [404]
    with pytest.raises(ChannelError, match="failed after 1 attempts: HTTP 404"):
        channel.send(http_server.url, {"x": 1}, "key-2")
    assert len(http_server.requests) == 1
    channel.close()


def test_webhook_failure_recorded_and_other_sends_go_on(
    sqlite_workspace, http_server, smtp_env
) -> None:
    url = sqlite_workspace.database_url
    add_customers(url, _people(2))
    http_server.statuses = [500] * 20
    settings = ActSettings.from_workspace(sqlite_workspace)
    settings.webhook_backoff, settings.webhook_retries = 0.0, 2
    rules = [_rule("hook", {"channel": "webhook", "url": http_server.url}), _rule("mail", EMAIL)]
    result = scheduler.run(sqlite_workspace, AS_OF, rules=rules, settings=settings)
    assert (result.sent, result.failed) == (2, 2)
    assert len(smtp_env.messages) == 2
    failed = [row for row in _sends(url) if row.status == "failed"]
    assert len(failed) == 2
    assert all(
        row.last_error.startswith(f"webhook {http_server.url} failed after 3") for row in failed
    )


def test_templates_are_escaped_and_bilingual(sqlite_workspace, smtp_env) -> None:
    url = sqlite_workspace.database_url
    add_customers(
        url,
        [
            {
                "customer_id": "X",
                "name": "<script>alert(1)</script>",
                "email": "x@example.com",
                "consent_email": True,
                "language": "en",
            },
            {
                "customer_id": "Z",
                "name": "陈伟",
                "email": "z@example.com",
                "consent_email": True,
                "language": "zh_CN",
                "preferences": [("早餐", "三明治、咖啡、鸡蛋")],
            },
        ],
    )
    rule = _rule("card", {"channel": "email", "template": "birthday"})
    scheduler.run(sqlite_workspace, AS_OF, rules=[rule])
    by_to = {parseaddr(m["To"])[1]: m for m in smtp_env.messages}
    html = by_to["x@example.com"].get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    chinese = by_to["z@example.com"]
    assert chinese["Subject"] == "陈伟，生日快乐——我们想念您"
    assert chinese["Content-Language"] == "zh-CN"
    assert "早餐: 三明治、咖啡、鸡蛋" in chinese.get_body(("plain",)).get_content()


def test_sandbox_blocks_python_internals(sqlite_workspace) -> None:
    from patron.act.templates import environment, render_text
    from patron.exceptions import InputError

    env = environment(sqlite_workspace)
    with pytest.raises(InputError, match="template"):
        render_text(env, "{{ customer.__class__.__mro__[1].__subclasses__() }}", {"customer": {}})
