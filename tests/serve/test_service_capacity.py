"""Overload control (bounded admission, fast 503) and token revocation across server processes.

No timed assertions: the gate is driven step by step with futures and events, and the
revocation test checks answers, not durations.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from tests.serve.conftest import free_port, seed_guest

from patron.collect import users
from patron.collect.store.db import session_scope
from patron.collect.store.models import AuditLog
from patron.serve.overload import AdmissionControl, OverloadMiddleware


def test_gate_admits_up_to_the_limit_queues_then_refuses() -> None:
    async def scenario() -> None:
        gate = AdmissionControl(limit=2, queue=1, wait_s=3600)
        assert await gate.try_acquire() and await gate.try_acquire()
        waiting = asyncio.create_task(gate.try_acquire())
        await asyncio.sleep(0)  # the third request is now queued
        assert gate.waiting == 1 and not waiting.done()
        assert await gate.try_acquire() is False  # queue full: refused at once
        assert gate.refused == 1
        gate.release()  # the slot passes to the queued request
        assert await waiting is True
        assert gate.running == 2 and gate.waiting == 0
        gate.release()
        gate.release()
        assert gate.running == 0

    asyncio.run(scenario())


def test_gate_without_queue_time_refuses_when_busy_and_cancelled_waiters_free_nothing() -> None:
    async def scenario() -> None:
        gate = AdmissionControl(limit=1, queue=5, wait_s=0)
        assert await gate.try_acquire()
        assert await gate.try_acquire() is False  # no waiting allowed
        patient = AdmissionControl(limit=1, queue=5, wait_s=3600)
        assert await patient.try_acquire()
        waiter = asyncio.create_task(patient.try_acquire())
        await asyncio.sleep(0)
        waiter.cancel()  # the client went away while queued
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert patient.waiting == 0
        patient.release()
        assert patient.running == 0  # the slot was not handed to the cancelled waiter

    asyncio.run(scenario())


def test_gate_queue_timeout_refuses() -> None:
    async def scenario() -> None:
        gate = AdmissionControl(limit=1, queue=5, wait_s=0.01)
        assert await gate.try_acquire()
        assert await gate.try_acquire() is False  # nobody releases: the wait ends refused
        assert gate.waiting == 0 and gate.running == 1

    asyncio.run(scenario())


def test_middleware_answers_503_with_retry_after_while_the_slot_is_held() -> None:
    async def scenario() -> None:
        entered, leave = asyncio.Event(), asyncio.Event()

        async def app(scope, receive, send):  # type: ignore[no-untyped-def]
            entered.set()
            await leave.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        gated = OverloadMiddleware(app, max_concurrent=1, max_queue=0, queue_timeout_s=1)

        async def call(path: str) -> list[dict]:
            sent: list[dict] = []

            async def receive():  # type: ignore[no-untyped-def]
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):  # type: ignore[no-untyped-def]
                sent.append(message)

            scope = {"type": "http", "path": path, "headers": [], "query_string": b""}
            await gated(scope, receive, send)
            return sent

        first = asyncio.create_task(call("/api/customers/C1/360"))
        await entered.wait()
        refused = await call("/api/customers/C2/360")
        start, body = refused
        assert start["status"] == 503
        headers = dict(start["headers"])
        assert headers[b"retry-after"] == b"1"
        error = json.loads(body["body"])["error"]
        assert error["code"] == "overloaded" and error["status"] == 503
        health = asyncio.create_task(call("/api/health"))  # probes pass the gate
        await asyncio.sleep(0)
        leave.set()
        assert (await first)[0]["status"] == 200
        assert (await health)[0]["status"] == 200
        assert (await call("/api/customers/C3/360"))[0]["status"] == 200  # recovered at once
        # A worker whose loop runs late holds unread requests: refuse until it catches up.
        leave.clear()
        busy = asyncio.create_task(call("/api/customers/C4/360"))
        await asyncio.sleep(0)
        assert gated.gate.running == 1
        gated.lag.lag_s = gated.max_lag_s * 2
        gated.gate.limit = 2  # a slot is free: only the lag refuses
        assert (await call("/api/customers/C5/360"))[0]["status"] == 503
        assert gated.gate.running == 1  # a refusal holds no slot
        leave.set()
        assert (await busy)[0]["status"] == 200
        # An idle worker that ran late serves (its lag is no backlog of requests).
        assert (await call("/api/customers/C6/360"))[0]["status"] == 200

    asyncio.run(scenario())


@pytest.fixture
def two_servers(service) -> Iterator[tuple[list[str], str]]:  # type: ignore[no-untyped-def]
    """Two separate ``patron serve`` processes on one store (like two workers or hosts)."""
    seed_guest(service)
    root = str(service.workspace.root)
    procs, bases = [], []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        for _ in range(2):
            port = free_port()
            code = "from patron.cli.main import main; main()"
            cmd = [sys.executable, "-c", code, "serve", "--workspace", root, "--port", str(port)]
            procs.append(subprocess.Popen(cmd, env=env, start_new_session=True))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield bases, service.tokens["agent"]
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def test_revoked_token_is_refused_at_once_by_every_server_process(service, two_servers) -> None:  # type: ignore[no-untyped-def]
    bases, token = two_servers
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30) for base in bases]
    try:
        for client in clients:  # both processes have served (and could have cached) the token
            for _ in range(3):
                r = client.get("/api/customers/H-ORIENTAL/360")
                assert r.status_code == 200
                assert r.json()["profile"]["customer_id"] == "H-ORIENTAL"
        with session_scope(service.url) as session:  # revoked by a third process's library call
            assert users.revoke_api_token(session, users.SYSTEM, "agent1", "tests") == 1
        for client in clients:  # the very next request, on the same kept-alive connections
            r = client.get("/api/customers/H-ORIENTAL/360")
            assert r.status_code == 401
            assert "Chen" not in r.text
        # Six reads were audited before the revocation; the refused ones left no row.
        with session_scope(service.url) as session:
            audited = session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditLog)
                .where(AuditLog.entity == "customer_360", AuditLog.actor == "agent1")
            )
        assert audited == 6
    finally:
        for client in clients:
            client.close()
