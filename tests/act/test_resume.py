"""A run killed mid-way (a real process, SIGKILL) and run again sends everyone exactly once."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time

import sqlalchemy as sa
from act_factories import AS_OF, add_customers, start_smtp

from patron.act import scheduler
from patron.act.rules import load_rules
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


def test_killed_run_resumes_without_duplicates_or_gaps(
    sqlite_workspace, tmp_path, monkeypatch
) -> None:
    people = [
        {
            "customer_id": f"K{i:02d}",
            "name": f"Guest {i}",
            "email": f"k{i}@example.com",
            "consent_email": True,
        }
        for i in range(12)
    ]
    add_customers(sqlite_workspace.database_url, people)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES)
    controller, sink = start_smtp(delay=0.4)  # a slow server: the kill lands mid-send
    try:
        env = {**os.environ, "PATRON_SMTP_HOST": sink.host, "PATRON_SMTP_PORT": str(sink.port)}
        env.pop("PATRON_DATABASE_URL", None)
        command = [
            sys.executable,
            "-c",
            "from patron.cli.main import main; main()",
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
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        # Kill once four messages are delivered and the client has moved on to the next
        # one: the fourth is then recorded as sent, and the next is stalled before its
        # content leaves the client.
        while (
            not (len(sink.messages) >= 4 and sink.envelopes_started > len(sink.messages))
            and time.monotonic() < deadline
        ):
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.02)
        process.kill()
        process.wait(timeout=10)
        delivered_before = len(sink.messages)
        assert 4 <= delivered_before < 12, "the run was not interrupted mid-way"

        table = ActionSend.__table__
        with open_store(sqlite_workspace.database_url).connect() as conn:
            statuses = collections.Counter(conn.execute(sa.select(table.c.status)).scalars().all())
        # The outbox shows where the crash happened: sent rows, at most one in doubt.
        assert statuses["sent"] == delivered_before
        assert statuses["pending"] <= 1

        sink.delay = 0.0
        monkeypatch.setenv("PATRON_SMTP_HOST", sink.host)
        monkeypatch.setenv("PATRON_SMTP_PORT", str(sink.port))
        resumed = scheduler.run(sqlite_workspace, AS_OF, rules=load_rules(rules_file))
        assert resumed.sent == 12 - delivered_before
        assert resumed.already_done == delivered_before

        recipients = collections.Counter(m["To"] for m in sink.messages)
        assert len(recipients) == 12 and set(recipients.values()) == {1}
        assert len({m["Message-ID"] for m in sink.messages}) == 12
        again = scheduler.run(sqlite_workspace, AS_OF, rules=load_rules(rules_file))
        assert again.sent == 0 and len(sink.messages) == 12
    finally:
        controller.stop()
