"""Helpers for the actions tests: a real SMTP server, tiny guests with stays and preferences.

Kept out of ``conftest.py`` so tests import them by a name no other test folder uses."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from patron.collect.store.db import session_scope
from patron.collect.store.models import Customer, ImportantDate, Order, Preference

# The hotel's as-of date: H-ORIENTAL's birthday is five days later.
AS_OF = dt.date(2026, 11, 1)


@dataclass
class SmtpSink:
    """Messages the test SMTP server accepted, parsed."""

    host: str
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    delay: float = 0.0
    envelopes_started: int = 0


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook name
        # A slow server that stalls before the message is transmitted: a client killed
        # meanwhile has sent nothing of it, so the test knows exactly what was delivered.
        self.sink.envelopes_started += 1
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.sink.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def start_smtp(delay: float = 0.0):
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=free_port(), delay=delay)
    controller = Controller(_Handler(sink), hostname="127.0.0.1", port=sink.port)
    controller.start()
    return controller, sink


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _hash(*parts: Any) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def add_customers(url: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert customers with optional ``orders`` [(date, amount)], ``preferences`` and
    ``dates`` [(kind, date)]; returns customer_id → store key."""
    keys = {}
    with session_scope(url) as session:
        for spec in rows:
            spec = dict(spec)
            orders = spec.pop("orders", [])
            prefs = spec.pop("preferences", [])
            dates = spec.pop("dates", [])
            customer = Customer(**spec)
            session.add(customer)
            session.flush()
            keys[customer.customer_id] = customer.id
            for n, (when, amount) in enumerate(orders):
                at = dt.datetime.combine(when, dt.time(12), dt.UTC)
                session.add(
                    Order(
                        order_id=f"{customer.customer_id}-{n}",
                        content_hash=_hash(customer.customer_id, n),
                        customer_pk=customer.id,
                        ordered_at=at,
                        amount=amount,
                    )
                )
            for key, value in prefs:
                session.add(Preference(customer_pk=customer.id, key=key, value=value))
            for kind, when in dates:
                session.add(ImportantDate(customer_pk=customer.id, kind=kind, date=when))
    return keys


def oriental_guest(as_of: dt.date) -> dict[str, Any]:
    """Chen Wei: valued, away three years, birthday five days after ``as_of``."""
    return {
        "customer_id": "H-ORIENTAL",
        "name": "Chen Wei",
        "email": "chen.wei@example.com",
        "language": "en",
        "consent_email": True,
        "birthday": dt.date(
            1975, (as_of + dt.timedelta(days=5)).month, (as_of + dt.timedelta(days=5)).day
        ),
        "orders": [
            (as_of - dt.timedelta(days=365 * 3 + 400), 1800.0),
            (as_of - dt.timedelta(days=365 * 3 + 20), 2400.0),
            (as_of - dt.timedelta(days=365 * 3), 2100.0),
        ],
        "preferences": [
            ("breakfast", "sandwich, coffee, egg"),
            ("seat", "window, 2nd floor"),
        ],
    }
