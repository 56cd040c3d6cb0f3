"""How an action reaches the world: SMTP e-mail, signed webhooks, CSV lists and staff tasks.

Settings come from the workspace's ``patron.toml`` section ``[act]`` and can be
overridden by environment variables (secrets belong there)::

    [act]
    smtp_host = "127.0.0.1"        # PATRON_SMTP_HOST
    smtp_port = 25                 # PATRON_SMTP_PORT
    smtp_user = ""                 # PATRON_SMTP_USER
    smtp_password = ""             # PATRON_SMTP_PASSWORD
    smtp_starttls = false          # PATRON_SMTP_STARTTLS
    smtp_from = "Patron <crm@example.com>"   # PATRON_SMTP_FROM
    webhook_secret = ""            # PATRON_WEBHOOK_SECRET (HMAC-SHA256 key)
    webhook_retries = 3            # attempts after the first
    webhook_backoff = 0.5          # seconds; doubles after each failure
    webhook_timeout = 10
    [act.endpoints]
    crm = "https://example.com/hook"   # named webhook targets for rules

Every channel raises ``ChannelError`` when it gives up; the scheduler records that on the
send and moves on to the next one.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

import httpx

from patron.act.templates import Message
from patron.core.csvsafe import neutralise
from patron.core.emails import email_problem
from patron.core.i18n import _
from patron.exceptions import PatronError, shown

SIGNATURE_HEADER = "X-Patron-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ChannelError(PatronError):
    """A channel could not deliver (after its retries); the message says why."""


@dataclass
class ActSettings:
    """Channel settings of one workspace (file values, then environment overrides)."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "Patron <patron@localhost>"
    smtp_timeout: float = 30.0
    webhook_secret: str = ""
    webhook_retries: int = 3
    webhook_backoff: float = 0.5
    webhook_timeout: float = 10.0
    endpoints: dict[str, str] = field(default_factory=dict)
    max_contacts: int = 0
    contact_period_days: int = 30
    sender_name: str = ""

    @classmethod
    def from_workspace(cls, workspace: Any) -> ActSettings:
        section = dict(workspace.settings.get("act", {})) if workspace is not None else {}
        settings = cls()
        for name, default in vars(cls()).items():
            value = section.get(name, default)
            env = os.environ.get(f"PATRON_{name.upper()}")
            if env is not None and name != "endpoints":
                value = env
            if isinstance(default, bool) and isinstance(value, str):
                value = value.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int) and not isinstance(default, bool):
                value = int(value)
            elif isinstance(default, float):
                value = float(value)
            setattr(settings, name, value)
        if not settings.webhook_secret and workspace is not None:
            settings.webhook_secret = workspace.secret_key
        return settings


def message_id(dedupe_key: str) -> str:
    """A Message-ID derived from the send's dedupe key: a resent copy carries the same id."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@patron.act>"


class EmailChannel:
    """Send e-mail through one SMTP connection, reopened when the server drops it."""

    def __init__(self, settings: ActSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                _("cannot reach the SMTP server {host}:{port}: {reason}").format(
                    host=s.smtp_host, port=s.smtp_port, reason=exc
                )
            ) from exc
        return smtp

    def build(self, to: str, name: str | None, message: Message, dedupe_key: str) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.smtp_from
        email["To"] = formataddr((name or "", to))
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(dedupe_key) if dedupe_key else make_msgid()
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        # After the body: set_content() drops Content-* headers set before it.
        email["Content-Language"] = message.language.replace("_", "-")
        return email

    def send(self, to: str, name: str | None, message: Message, dedupe_key: str) -> dict[str, Any]:
        if not to:
            raise ChannelError(_("no e-mail address"))
        # Addresses are checked where they enter; one stored before that (or by hand in
        # the database) must still never become a header of its own.
        problem = email_problem(to)
        if problem is not None:
            raise ChannelError(
                _("{field}: {value} is not one e-mail address: {reason}").format(
                    field="email", value=shown(to), reason=problem
                )
            )
        try:
            email = self.build(to, name, message, dedupe_key)
        except ValueError as exc:  # a header value the e-mail package refuses (a name, a subject)
            raise ChannelError(
                _("the message cannot be built: {reason}").format(reason=exc)
            ) from exc
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.send_message(email)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise ChannelError(
                        _("the SMTP server closed the connection: {reason}").format(reason=exc)
                    ) from exc
                continue
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise ChannelError(
                    _("the SMTP server refused the message: {reason}").format(reason=exc)
                ) from exc
            if refused:
                raise ChannelError(_("the SMTP server refused {to}").format(to=", ".join(refused)))
            return {"message_id": email["Message-ID"], "to": to}
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """Check a ``X-Patron-Signature`` header (for receivers; timing-safe)."""
    return hmac.compare_digest(sign(secret, body), header or "")


class WebhookChannel:
    """POST signed JSON; retry 5xx/429/network errors with exponential back-off, then give up."""

    RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

    def __init__(self, settings: ActSettings, *, sleep: Any = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._client = httpx.Client(timeout=settings.webhook_timeout)

    def resolve(self, action: dict[str, Any]) -> str:
        if action.get("url"):
            return str(action["url"])
        name = str(action.get("endpoint"))
        if name not in self.settings.endpoints:
            raise ChannelError(
                _("no webhook endpoint named {name} in [act.endpoints]").format(name=name)
            )
        return self.settings.endpoints[name]

    def send(self, url: str, payload: dict[str, Any], dedupe_key: str) -> dict[str, Any]:
        body = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.settings.webhook_secret, body),
            IDEMPOTENCY_HEADER: dedupe_key,
        }
        attempts = self.settings.webhook_retries + 1
        reason = ""
        for attempt in range(1, attempts + 1):
            try:
                response = self._client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 300:
                    return {"status_code": response.status_code, "attempts": attempt}
                reason = f"HTTP {response.status_code}"
                if response.status_code not in self.RETRY_STATUS:
                    break
            if attempt < attempts:
                self._sleep(self.settings.webhook_backoff * 2 ** (attempt - 1))
        raise ChannelError(
            _("webhook {url} failed after {n} attempts: {reason}").format(
                url=url, n=attempt, reason=reason
            )
        )

    def close(self) -> None:
        self._client.close()


def append_to_list(folder: Path, name: str, row: dict[str, Any]) -> Path:
    """Append one row to ``folder/<name>.csv`` (header written when the file is new).

    Values a spreadsheet would run as a formula are neutralised (:mod:`patron.core.csvsafe`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    path = folder / f"{safe}.csv"
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return path


def create_task(
    session: Any,
    *,
    customer_pk: int | None,
    title: str,
    detail: str | None,
    due_at: dt.datetime | None,
    assigned_to: str | None,
    source_rule: str | None,
) -> int:
    """Insert an open staff task in the given session and return its id."""
    from patron.collect.store.models import Task

    task = Task(
        customer_pk=customer_pk,
        title=title[:300],
        detail=detail,
        due_at=due_at,
        assigned_to=assigned_to,
        status="open",
        source_rule=source_rule,
    )
    session.add(task)
    session.flush()
    return int(task.id)
