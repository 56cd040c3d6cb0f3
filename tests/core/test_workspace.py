"""The workspace: creation, re-opening, settings and clear errors."""

from __future__ import annotations

import tomllib

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from patron.cli.main import app
from patron.collect.store.db import open_store
from patron.collect.workspace_setup import init_workspace
from patron.core.workspace import Workspace
from patron.exceptions import WorkspaceError


def test_init_creates_layout_and_store(workspace: Workspace) -> None:
    assert (workspace.root / "patron.toml").is_file()
    assert workspace.warehouse.is_dir() and workspace.rejects.is_dir()
    settings = tomllib.loads((workspace.root / "patron.toml").read_text())
    assert settings["vocabulary"]["time_unit"] == "W"
    assert "secret_key" not in settings["workspace"]  # kept in secret.key (0600) instead
    assert len((workspace.root / "secret.key").read_text()) >= 32
    tables = set(sa.inspect(open_store(workspace.database_url)).get_table_names())
    expected = {
        "customers",
        "preferences",
        "important_dates",
        "interactions",
        "orders",
        "order_lines",
        "complaints",
        "complaint_events",
        "surveys",
        "survey_items",
        "survey_invitations",
        "survey_responses",
        "score_snapshots",
        "audit_log",
        "users",
        "api_tokens",
        "import_runs",
        "sync_state",
        "action_rules",
        "campaigns",
        "campaign_members",
        "action_sends",
        "tasks",
        "units",
        "alembic_version",
    }
    assert expected <= tables


def test_reinit_keeps_settings(workspace: Workspace) -> None:
    again = init_workspace(workspace.root)
    assert again.secret_key == workspace.secret_key


def test_open_missing_workspace_names_the_folder(tmp_path) -> None:
    with pytest.raises(WorkspaceError, match="is not a Patron workspace"):
        Workspace.open(tmp_path / "nowhere")


def test_open_without_any_workspace(monkeypatch) -> None:
    monkeypatch.delenv("PATRON_WORKSPACE", raising=False)
    with pytest.raises(WorkspaceError, match="no workspace given"):
        Workspace.open(None)


def test_init_on_a_file_is_refused(tmp_path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="exists and is not a folder"):
        init_workspace(target)


def test_cli_init_and_chinese_messages(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    runner = CliRunner()
    result = runner.invoke(app, ["--lang", "zh_CN", "init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert "工作区已就绪" in result.output
    result = runner.invoke(app, ["init", str(tmp_path / "ws2")])
    assert "Workspace ready at" in result.output


def test_update_settings_keeps_other_sections(workspace: Workspace) -> None:
    workspace.update_settings("analytics", {"cost_per_complaint": 250.0})
    again = Workspace.open(workspace.root)
    assert again.setting("analytics", "cost_per_complaint") == 250.0
    assert again.setting("vocabulary", "time_unit") == "W"
    assert again.config.analytics.cost_per_complaint == 250.0
    assert again.secret_key == workspace.secret_key


def test_create_makes_folder_and_settings_and_init_workspace_adds_the_store(
    tmp_path, monkeypatch
) -> None:
    from patron.collect.workspace_setup import init_workspace

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    bare = Workspace.create(tmp_path / "ws")
    assert (bare.root / "patron.toml").is_file() and bare.warehouse.is_dir()
    assert "customers" not in sa.inspect(open_store(bare.database_url)).get_table_names()
    ready = init_workspace(bare.root)
    assert ready.secret_key == bare.secret_key
    assert "customers" in sa.inspect(open_store(ready.database_url)).get_table_names()
    with pytest.raises(WorkspaceError, match="is already a workspace"):
        init_workspace(bare.root, exist_ok=False)
