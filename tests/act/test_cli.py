"""``patron act`` commands: thin shells over the library, with --json output."""

from __future__ import annotations

import json

from act_factories import AS_OF, add_customers, oriental_guest
from typer.testing import CliRunner

from patron.cli.main import app

runner = CliRunner()


def test_rules_validate_and_save(tmp_path, sqlite_workspace) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- code: x\n  trigger: {schedule: daily}\n  when: [{field: spend, op: '>', value: 1}]\n  action: {channel: list}\n"
    )
    result = runner.invoke(app, ["act", "rules", "--validate", str(bad)])
    assert result.exit_code != 0
    assert "rule x: when[0] (spend): unknown field spend" in str(result.exception)
    ws = str(sqlite_workspace.root)
    listed = runner.invoke(app, ["act", "rules", "--workspace", ws, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["code"] for r in json.loads(listed.output)][0] == "birthday-lapsed-vip"


def test_run_dry_run_json(sqlite_workspace) -> None:
    add_customers(sqlite_workspace.database_url, [oriental_guest(AS_OF)])
    ws = str(sqlite_workspace.root)
    result = runner.invoke(
        app, ["act", "run", "--workspace", ws, "--date", AS_OF.isoformat(), "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["planned"] == 1 and payload["sent"] == 0
    assert payload["sends"][0]["dedupe_key"] == "rule:birthday-lapsed-vip:H-ORIENTAL:2026-11-06"


def test_campaign_commands(sqlite_workspace) -> None:
    add_customers(
        sqlite_workspace.database_url,
        [
            {
                "customer_id": f"Q{i}",
                "name": f"Q {i}",
                "email": f"q{i}@example.com",
                "consent_email": True,
            }
            for i in range(30)
        ],
    )
    ws = str(sqlite_workspace.root)
    created = runner.invoke(
        app,
        [
            "act",
            "campaign",
            "create",
            "hello",
            "--workspace",
            ws,
            "--where",
            "customer_id contains Q",
            "--channel",
            "list",
            "--control-share",
            "0.3",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    assigned = runner.invoke(
        app,
        [
            "act",
            "campaign",
            "assign",
            "hello",
            "--workspace",
            ws,
            "--date",
            AS_OF.isoformat(),
            "--json",
        ],
    )
    counts = json.loads(assigned.output)
    assert counts["treatment"] + counts["control"] == 30
    sent = runner.invoke(
        app,
        [
            "act",
            "campaign",
            "send",
            "hello",
            "--workspace",
            ws,
            "--date",
            AS_OF.isoformat(),
            "--json",
        ],
    )
    assert json.loads(sent.output)["sent"] == counts["treatment"]
    assert (sqlite_workspace.root / "exports" / "hello-2026-11-01.csv").exists()
    uplift = runner.invoke(app, ["act", "campaign", "uplift", "hello", "--workspace", ws, "--json"])
    assert uplift.exit_code == 0, uplift.output
    assert json.loads(uplift.output)["metrics"]["retained"]["verdict"] == "no detectable effect"
