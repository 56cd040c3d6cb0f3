"""Fixtures for the actions tests: a real SMTP server, a local HTTP server, a tiny hotel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from act_factories import AS_OF, SmtpSink, start_smtp  # noqa: F401 - re-exported


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with a free port."""
    controller, sink = start_smtp()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_env(smtp_server: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    monkeypatch.setenv("PATRON_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PATRON_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PATRON_SMTP_FROM", "The Oriental Hotel <guest@oriental.example>")
    return smtp_server


@dataclass
class HttpSink:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def http_server() -> Iterator[HttpSink]:
    """A local HTTP server in a thread: answers with ``statuses`` in turn (then 200)."""
    sink = HttpSink(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            sink.requests.append((dict(self.headers), body))
            status = sink.statuses.pop(0) if sink.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
