"""One customer with a poisoned e-mail address among 1,000 never stops ``patron act run``.

The address is written by raw SQL, the way a record stored before addresses were
checked (or edited in the database by hand) would look.
"""

from __future__ import annotations

import collections
import json

import sqlalchemy as sa
from act_factories import AS_OF, add_customers
from typer.testing import CliRunner

from patron.cli.main import app
from patron.collect.store.db import open_store
from patron.collect.store.models import ActionSend

RULES = """
rules:
  - code: hello
    name: Hello to everyone
    trigger: {schedule: daily}
    action:
      channel: email
      subject: "Hello {{ customer.name }}"
      body: "<p>Dear {{ customer.name }}, hello.</p>"
"""
POISON = "p0500@example.com\r\nBcc: evil@evil.example"


def test_poisoned_address_fails_alone_and_the_run_goes_on(
    sqlite_workspace, smtp_env, tmp_path
) -> None:
    people = [
        {
            "customer_id": f"P{i:04d}",
            "name": f"Guest {i}",
            "email": f"p{i:04d}@example.com",
            "consent_email": True,
        }
        for i in range(1000)
    ]
    add_customers(sqlite_workspace.database_url, people)
    engine = open_store(sqlite_workspace.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE customers SET email = :email WHERE customer_id = 'P0500'"),
            {"email": POISON},
        )
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES)
    command = [
        "act",
        "run",
        "--workspace",
        str(sqlite_workspace.root),
        "--date",
        AS_OF.isoformat(),
        "--rules",
        str(rules_file),
        "--json",
    ]

    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0, first.output
    payload = json.loads(first.output)
    assert payload["sent"] == 999 and payload["failed"] == 1

    recipients = collections.Counter(m["To"] for m in smtp_env.messages)
    assert len(smtp_env.messages) == 999
    assert set(recipients.values()) == {1}
    assert not any("evil" in str(m) for m in smtp_env.messages)
    table = ActionSend.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.status, table.c.last_error)).all()
    statuses = collections.Counter(status for status, _error in rows)
    assert statuses == {"sent": 999, "failed": 1}
    (error,) = [e for status, e in rows if status == "failed"]
    assert "not one e-mail address" in error and "Bcc" in error

    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["sent"] == 0
    assert len(smtp_env.messages) == 999
