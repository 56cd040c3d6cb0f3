"""Issue 12, as an attacker would try it: sign-in bursts, stolen cookies, revoked tokens.

Each test reproduces one attack on the real service (uvicorn, SQLite and PostgreSQL)
and pins the safe outcome with exact counts.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from patron.cli.main import app as cli
from patron.collect import users
from patron.collect.store.db import session_scope
from patron.collect.store.models import ApiToken, AuditLog
from patron.core import security

from .conftest import PASSWORD, serve_live

BURST = 100


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def audit_count(url: str, action: str, username: str) -> int:
    with session_scope(url) as session:
        return session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == action, AuditLog.entity_id == username)
        )


def test_burst_of_wrong_sign_ins_checks_five_and_other_pages_answer(service) -> None:
    """100 parallel wrong passwords: 5 checked, 95 refused unchecked, no 5xx, pages answer."""
    svc = service
    security.set_password_cost()  # the real Argon2 cost: the checks take real CPU
    try:
        with session_scope(svc.url) as session:
            users.update_user(session, users.SYSTEM, "agent1", password=PASSWORD)
        with serve_live(svc.client.app) as base, httpx.Client(base_url=base) as admin:
            assert sign_in(admin, "admin1").status_code == 303
            with httpx.Client(base_url=base) as visitor:
                token = csrf_from(visitor.get("/login").text)
                cookies = dict(visitor.cookies)
            start = threading.Barrier(BURST)

            def attempt(i: int) -> int:
                with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:
                    start.wait()
                    form = {"username": "agent1", "password": f"wrong {i}", "csrf_token": token}
                    return client.post("/login", data=form).status_code

            done = threading.Event()
            pages: list[tuple[int, float]] = []

            def browse() -> None:
                while True:  # at least one page, however fast the burst ends
                    began = time.monotonic()
                    status = admin.get("/surveys").status_code
                    pages.append((status, time.monotonic() - began))
                    if done.is_set():
                        return

            browsing = threading.Thread(target=browse)
            browsing.start()
            with ThreadPoolExecutor(BURST) as pool:
                statuses = Counter(pool.map(attempt, range(BURST)))
            done.set()
            browsing.join()

            assert statuses == {401: 5, 429: 95}
            assert audit_count(svc.url, "login_failed", "agent1") == 5
            assert audit_count(svc.url, "login_locked", "agent1") == 95
            assert pages and {status for status, _ in pages} == {200}
            assert max(seconds for _, seconds in pages) < 10
            # Locked now, even with the right password; another account from the same
            # address still signs in (5 failures are far from the address limit).
            with httpx.Client(base_url=base) as client:
                locked = sign_in(client, "agent1")
                assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
                assert sign_in(client, "analyst1").status_code == 303
    finally:
        security.set_password_cost(time_cost=1, memory_cost=8192)


def test_one_address_trying_many_accounts_is_locked(sqlite_service) -> None:
    """20 failures from one address over 20 names lock the address, not the other addresses."""
    app = sqlite_service.client.app
    url = sqlite_service.url
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker:
        for i in range(20):
            assert sign_in(attacker, f"guess{i}", "wrong password").status_code == 401
        refused = sign_in(attacker, "admin1")  # right password, locked address
        assert refused.status_code == 429
    with TestClient(app, client=("198.51.100.9", 4000)) as colleague:
        assert sign_in(colleague, "admin1").status_code == 303
    # An account locked by its own failures shows when the lock ends; a new password frees it.
    with TestClient(app, client=("192.0.2.1", 4000)) as c:
        for _ in range(5):
            assert sign_in(c, "agent1", "wrong password").status_code == 401
        admin = sqlite_service.auth("admin")
        listed = {
            u["username"]: u["locked_until"] for u in c.get("/api/users", headers=admin).json()
        }
        assert listed["agent1"] is not None and listed["admin1"] is None
        r = c.patch("/api/users/agent1", headers=admin, json={"password": "a fresh pass 2026"})
        assert r.status_code == 200 and r.json()["locked_until"] is None
        assert sign_in(c, "agent1", "a fresh pass 2026").status_code == 303
    with session_scope(url) as session:
        failed = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "login_failed", AuditLog.ip == "203.0.113.7")
        )
        locked = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "login_locked", AuditLog.ip == "203.0.113.7")
        )
    assert (failed, locked) == (20, 1)


def test_logout_ends_the_session_for_every_copy_of_the_cookie(service) -> None:
    client = service.client
    assert sign_in(client, "agent1").status_code == 303
    stolen = client.cookies["patron_session"]
    assert client.get("/customers").status_code == 200
    page = client.get("/customers")
    assert client.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 200
    client.cookies.set("patron_session", stolen)
    replay = client.get("/customers", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    assert client.get("/api/customers").status_code == 401


def test_deactivation_ends_sessions_and_tokens_at_once(service) -> None:
    svc = service
    agent_web = svc.client
    assert sign_in(agent_web, "agent1").status_code == 303
    assert agent_web.get("/customers").status_code == 200
    assert svc.client.get("/api/customers", headers=svc.auth("agent")).status_code == 200
    with TestClient(svc.client.app) as admin:
        r = admin.patch("/api/users/agent1", headers=svc.auth("admin"), json={"active": False})
        assert r.status_code == 200 and r.json()["active"] is False
    assert agent_web.get("/customers", follow_redirects=False).status_code == 303
    r = svc.client.get("/api/customers", headers=svc.auth("agent"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_token_expiry_revocation_and_last_use(service) -> None:
    svc = service
    c, admin = svc.client, svc.auth("admin")
    made = c.post(
        "/api/users/agent1/tokens", headers=admin, json={"name": "crm", "expires_in_days": 1}
    )
    assert made.status_code == 201
    expires = datetime.fromisoformat(made.json()["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    crm = {"Authorization": f"Bearer {made.json()['token']}"}

    def last_used() -> datetime | None:
        listed = c.get("/api/users/agent1/tokens", headers=admin).json()
        (row,) = [t for t in listed if t["name"] == "crm"]
        return row["last_used_at"]

    assert last_used() is None
    assert c.get("/api/customers", headers=crm).status_code == 200
    first = last_used()
    assert first is not None
    for _ in range(3):  # within the minute: no further writes
        assert c.get("/api/customers", headers=crm).status_code == 200
    assert last_used() == first

    # Revoked through the API: refused on the very next request (no cache).
    assert c.delete("/api/users/agent1/tokens/crm", headers=admin).status_code == 204
    assert c.get("/api/customers", headers=crm).status_code == 401
    assert c.delete("/api/users/agent1/tokens/crm", headers=admin).status_code == 404

    # Expired: the same moment its time is up.
    token = c.post("/api/users/agent1/tokens", headers=admin, json={"name": "old"}).json()
    old = {"Authorization": f"Bearer {token['token']}"}
    assert c.get("/api/customers", headers=old).status_code == 200
    with session_scope(svc.url) as session:
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.name == "old")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert c.get("/api/customers", headers=old).status_code == 401
    listed = {
        t["name"]: t["active"] for t in c.get("/api/users/agent1/tokens", headers=admin).json()
    }
    assert listed == {"crm": False, "old": False, "tests": True}


def test_token_revoked_from_the_cli_and_the_web_page(sqlite_service) -> None:
    svc = sqlite_service
    c, admin = svc.client, svc.auth("admin")
    ws = str(svc.workspace.root)
    runner = CliRunner()
    made = runner.invoke(cli, ["token", "create", "analyst1", "etl", "--workspace", ws])
    assert made.exit_code == 0, made.output
    etl = {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}
    assert c.get("/api/surveys", headers=etl).status_code == 200
    revoked = runner.invoke(cli, ["token", "revoke", "analyst1", "etl", "--workspace", ws])
    assert revoked.exit_code == 0, revoked.output
    assert c.get("/api/surveys", headers=etl).status_code == 401
    again = runner.invoke(cli, ["token", "revoke", "analyst1", "etl", "--workspace", ws])
    assert again.exit_code == 1 and "no active token" in str(again.exception)
    listed = runner.invoke(cli, ["token", "list", "analyst1", "--workspace", ws])
    assert listed.exit_code == 0 and "revoked" in listed.output

    # The web page: an admin revokes the agent's token with a button.
    assert sign_in(c, "admin1").status_code == 303
    page = c.get("/tokens")
    assert page.status_code == 200 and "agent1" in page.text
    form = {"username": "agent1", "name": "tests", "csrf_token": csrf_from(page.text)}
    assert c.post("/tokens/revoke", data=form, follow_redirects=False).status_code == 303
    assert c.get("/api/customers", headers=svc.auth("agent")).status_code == 401
    assert c.get("/api/customers", headers=admin).status_code == 200


def test_serve_refuses_a_weak_secret_key(sqlite_workspace, monkeypatch) -> None:
    runner = CliRunner()
    ws = str(sqlite_workspace.root)
    for weak in ("a", "changeme-changeme-changeme-changeme", "x" * 64):
        monkeypatch.setenv("PATRON_SECRET_KEY", weak)
        result = runner.invoke(cli, ["serve", "--workspace", ws, "--port", "1"])
        assert result.exit_code == 1
        message = str(result.exception)
        assert "PATRON_SECRET_KEY" in message and "at least 32 characters" in message
    monkeypatch.setenv("PATRON_SECRET_KEY", security.new_secret_key())
    assert len(sqlite_workspace.secret_key) == 43


def test_workspace_files_are_private_and_the_key_is_not_in_settings(tmp_path, monkeypatch) -> None:
    import os
    import stat

    from patron.collect.workspace_setup import init_workspace
    from patron.core.workspace import Workspace

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    monkeypatch.delenv("PATRON_SECRET_KEY", raising=False)
    old_umask = os.umask(0o022)  # the usual umask: files would be 0644
    try:
        ws = init_workspace(tmp_path / "ws")
        key = ws.secret_key
        with session_scope(ws.database_url) as session:  # the store writes: -wal and -shm
            users.create_user(
                session, users.SYSTEM, username="alice", password=PASSWORD, role="admin"
            )
            modes = {
                p.name: stat.S_IMODE(p.stat().st_mode) for p in ws.root.iterdir() if p.is_file()
            }
    finally:
        os.umask(old_umask)
    assert modes == {
        "patron.toml": 0o600,
        "patron.db": 0o600,
        "patron.db-wal": 0o600,
        "patron.db-shm": 0o600,
        "secret.key": 0o600,
    }
    assert stat.S_IMODE(ws.root.stat().st_mode) == 0o700
    assert (
        key not in (ws.root / "patron.toml").read_text()
        and "secret" not in (ws.root / "patron.toml").read_text()
    )
    assert (ws.root / "secret.key").read_text() == key and len(key) >= 32
    assert Workspace.open(ws.root).secret_key == key  # the same key on every open


def test_a_key_left_in_patron_toml_moves_to_the_key_file(sqlite_workspace, monkeypatch) -> None:
    import tomllib

    import tomli_w

    from patron.core.workspace import Workspace

    monkeypatch.delenv("PATRON_SECRET_KEY", raising=False)
    root = sqlite_workspace.root
    legacy = security.new_secret_key()
    settings = tomllib.loads((root / "patron.toml").read_text())
    settings["workspace"]["secret_key"] = legacy
    (root / "patron.toml").write_text(tomli_w.dumps(settings))
    (root / "secret.key").unlink()
    assert Workspace.open(root).secret_key == legacy  # links signed before stay valid
    assert legacy not in (root / "patron.toml").read_text()
    assert (root / "secret.key").read_text() == legacy


def test_common_and_short_passwords_are_refused_for_every_role(sqlite_service) -> None:
    c, admin = sqlite_service.client, sqlite_service.auth("admin")
    weak = ["12345678", "1234567890", "qwertyuiop", "Password123", "aaaaaaaaaaaa", "{user}-2026"]
    refused = 0
    for role in ("admin", "analyst", "agent"):
        for i, password in enumerate(weak):
            user = f"new-{role}-{i}"
            body = {"username": user, "password": password.format(user=user), "role": role}
            r = c.post("/api/users", headers=admin, json=body)
            refused += r.status_code == 422
    assert refused == 3 * len(weak)
    r = c.patch("/api/users/agent1", headers=admin, json={"password": "iloveyou12"})
    assert r.status_code == 422 and "most common" in r.json()["error"]["message"]
    runner = CliRunner()
    ws = str(sqlite_service.workspace.root)
    added = runner.invoke(
        cli,
        ["user", "add", "root", "--role", "admin", "--password-stdin", "--workspace", ws],
        input="12345678\n",
    )
    assert added.exit_code == 1 and "at least 10 characters" in str(added.exception)
    ok = c.post(
        "/api/users",
        headers=admin,
        json={"username": "carol", "password": "violet kettle 42", "role": "admin"},
    )
    assert ok.status_code == 201
    assert len(security.common_passwords()) > 11_000


def _raw_post(base: str, path: str, headers: dict[str, str], chunks) -> tuple[bytes, int]:  # type: ignore[no-untyped-def]
    """POST with a raw socket, sending ``chunks`` until the server closes.

    Returns the head of the answer and how many body bytes went out.
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    try:
        for chunk in chunks:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:  # the server answered and closed: stop sending
        pass
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    return answer, sent


def test_upload_refused_while_it_streams(sqlite_service, monkeypatch) -> None:
    """A 256 MB chunked upload against a 1 MB limit: 413 after a few MB, nothing on disk."""
    from patron.serve.app import create_app

    svc = sqlite_service
    monkeypatch.setenv("PATRON_MAX_UPLOAD_MB", "1")
    app = create_app(svc.workspace)
    boundary = "patronboundary"
    multipart = {
        **svc.auth("admin"),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    total = 256 * 1024 * 1024

    def body():  # type: ignore[no-untyped-def]
        def chunk(data: bytes) -> bytes:
            return b"%x\r\n%s\r\n" % (len(data), data)

        yield chunk(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\ncustomer_id,name\n'.encode()
        )
        row = b"C1,Zed\n" * 9362
        for _ in range(total // len(row)):
            yield chunk(row)
        yield b"0\r\n\r\n"

    with serve_live(app) as base:
        chunked, sent = _raw_post(
            base, "/api/imports/customers", {**multipart, "Transfer-Encoding": "chunked"}, body()
        )
        # A declared length over the limit is refused before a byte of the body is read.
        declared, _ = _raw_post(
            base, "/api/imports/customers", {**multipart, "Content-Length": str(2 << 20)}, []
        )
    assert chunked.startswith(b"HTTP/1.1 413 ")
    assert sent < 32 * 1024 * 1024  # stopped early: not 256 MB
    assert declared.startswith(b"HTTP/1.1 413 ")
    uploads = svc.workspace.root / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []
