"""``patron user add`` and ``patron token create``: the first admin and a system's token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from patron.cli.main import app
from patron.serve.app import create_app


def test_user_add_and_token_create(sqlite_workspace) -> None:
    runner = CliRunner()
    ws = str(sqlite_workspace.root)
    added = runner.invoke(
        app,
        ["user", "add", "alice", "--role", "admin", "--password-stdin", "--workspace", ws],
        input="a long password\n",
    )
    assert added.exit_code == 0, added.output
    assert "alice" in added.output
    bad = runner.invoke(
        app,
        ["user", "add", "bob", "--role", "boss", "--password-stdin", "--workspace", ws],
        input="long enough\n",
    )
    assert bad.exit_code != 0
    created = runner.invoke(app, ["token", "create", "alice", "crm-sync", "--workspace", ws])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("ptn_")
    with TestClient(create_app(sqlite_workspace)) as client:
        r = client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert [u["username"] for u in r.json()] == ["alice"]
        assert (
            client.get("/api/users", headers={"Authorization": "Bearer ptn_wrong"}).status_code
            == 401
        )
