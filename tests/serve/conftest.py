"""Fixtures for the service tests: a running app on a workspace, one user per role, tokens."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import pytest
from fastapi.testclient import TestClient

from patron.collect import users
from patron.collect.store.db import session_scope
from patron.core import security
from patron.core.workspace import Workspace

PASSWORD = "correct horse 1"
ROLES = ("admin", "analyst", "agent")


@dataclass
class Service:
    """The app under test, its client and a bearer token per role."""

    workspace: Workspace
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @property
    def url(self) -> str:
        return self.workspace.database_url


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    # Argon2 at full cost takes ~0.4 s per hash on this machine; the tests sign in often.
    security.set_password_cost(time_cost=1, memory_cost=8192)
    yield
    security.set_password_cost()


def make_service(workspace: Workspace) -> Service:
    from patron.serve.app import create_app

    tokens = {}
    with session_scope(workspace.database_url) as session:
        for role in ROLES:
            users.create_user(
                session, users.SYSTEM, username=f"{role}1", password=PASSWORD, role=role
            )
            tokens[role] = users.create_api_token(session, users.SYSTEM, f"{role}1", "tests")
    client = TestClient(create_app(workspace), raise_server_exceptions=False)
    return Service(workspace=workspace, client=client, tokens=tokens)


@pytest.fixture
def service(workspace: Workspace) -> Iterator[Service]:
    """The service on SQLite and on PostgreSQL."""
    svc = make_service(workspace)
    with svc.client:
        yield svc


@pytest.fixture
def sqlite_service(sqlite_workspace: Workspace) -> Iterator[Service]:
    svc = make_service(sqlite_workspace)
    with svc.client:
        yield svc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_live(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """``app`` served by uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def seed_guest(svc: Service, customer_id: str = "H-ORIENTAL") -> dict:
    """Chen Wei: preferences, a birthday, three stays, a call and an open complaint."""
    agent = svc.auth("agent")
    c = svc.client
    r = c.post(
        "/api/customers",
        headers=agent,
        json={
            "customer_id": customer_id,
            "name": "Chen Wei",
            "email": "chen.wei@example.cn",
            "phone": "+86 138 0000 0001",
            "birthday": "1980-11-06",
            "city": "Shanghai",
            "country": "CN",
            "language": "zh_CN",
            "consent_email": True,
            "preferences": [
                {"key": "breakfast", "value": "sandwich, coffee, egg"},
                {"key": "seat", "value": "window, 2nd floor"},
            ],
            "important_dates": [{"kind": "anniversary", "date": "2005-05-20"}],
        },
    )
    assert r.status_code == 201, r.text
    c.post(
        f"/api/customers/{customer_id}/preferences",
        headers=agent,
        json={"key": "breakfast", "value": "sandwich, coffee, egg"},
    )
    for i, (day, amount) in enumerate(
        [
            ("2023-10-01T19:00:00Z", 420.0),
            ("2023-03-12T18:00:00Z", 380.0),
            ("2022-08-02T20:00:00Z", 510.5),
        ]
    ):
        r = c.post(
            "/api/orders",
            headers=agent,
            json={
                "customer_id": customer_id,
                "amount": amount,
                "ordered_at": day,
                "order_id": f"{customer_id}-S{i}",
                "location": "Oriental Hotel",
                "channel": "direct",
            },
        )
        assert r.status_code == 201, r.text
    r = c.post(
        "/api/interactions",
        headers=agent,
        json={
            "customer_id": customer_id,
            "channel": "phone",
            "kind": "call",
            "summary": "Asked about a room for the birthday weekend",
            "occurred_at": "2023-10-20T09:00:00Z",
        },
    )
    assert r.status_code == 201, r.text
    r = c.post(
        "/api/complaints",
        headers=agent,
        json={
            "customer_id": customer_id,
            "description": "Breakfast came cold",
            "severity": "high",
            "category": "food",
            "channel": "front desk",
        },
    )
    assert r.status_code == 201, r.text
    return {"customer_id": customer_id, "complaint": r.json(), "today": date.today()}
