"""When and whether each action is sent: the idempotent, resumable daily run of the rules.

``run(workspace, today, dry_run)`` evaluates the rules, turns each match into an
intended send keyed by ``dedupe_key`` = rule + customer + period, and works through
them with an outbox:

1. insert the ``action_sends`` row as ``pending`` and commit (the unique key means a
   second run, or a second process, cannot insert it again);
2. send through the channel;
3. mark it ``sent`` (or ``failed`` with the reason) and commit.

A run repeated for the same day finds every key already ``sent`` or ``skipped`` and sends
nothing. A run killed between 1 and 3 leaves ``pending`` rows that the next run sends;
e-mails carry a Message-ID and webhooks an ``Idempotency-Key`` derived from the dedupe
key, so a receiver can recognise the one message that may have left just before the
crash. A failing channel, or any error in one send (an address stored before it was
checked, a template that fails), marks that send ``failed`` with its reason and the
others go on; failed sends are retried by later runs until ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from patron.act.channels import (
    ActSettings,
    ChannelError,
    EmailChannel,
    WebhookChannel,
    append_to_list,
    create_task,
)
from patron.act.evaluate import customer_features, evaluate_rules, event_frame
from patron.act.rules import Rule, active_rules
from patron.act.templates import environment, render_message, render_text
from patron.collect.store.db import open_store, session_scope
from patron.collect.store.models import ActionSend, Preference
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.core.progress import ProgressCallback, as_callback
from patron.exceptions import InputError

MAX_ATTEMPTS = 3
CONTACT_CHANNELS = ("email", "webhook")
_CHUNK = 2_000


@dataclass
class Intent:
    """One send the run means to make."""

    dedupe_key: str
    channel: str
    customer_pk: int
    action: dict[str, Any]
    rule_code: str | None = None
    rule_name: str | None = None
    campaign_pk: int | None = None
    occurrence: str | None = None
    reference: Any = None


@dataclass
class RunResult:
    """What a run did: counts by status and the list of sends (planned in a dry run)."""

    today: dt.date
    dry_run: bool
    matched: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    already_done: int = 0
    sends: list[dict[str, Any]] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return sum(1 for s in self.sends if s["status"] == "planned")

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.today.isoformat(),
            "dry_run": self.dry_run,
            "matched": self.matched,
            "planned": self.planned,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "already_done": self.already_done,
            "sends": self.sends,
        }

    def to_frame(self) -> pd.DataFrame:
        columns = ["rule", "customer_id", "channel", "status", "detail"]
        return pd.DataFrame([{k: s.get(k) for k in columns} for s in self.sends], columns=columns)

    def printer(self) -> Printer:
        facts = {
            _("matched"): self.matched,
            _("sent"): self.sent,
            _("failed"): self.failed,
            _("skipped"): self.skipped,
            _("already done"): self.already_done,
        }
        if self.dry_run:
            facts = {
                _("matched"): self.matched,
                _("would send"): self.planned,
                _("skipped"): self.skipped,
                _("already done"): self.already_done,
            }
        title = (
            _("Dry run of the rules for {date}: nothing was sent")
            if self.dry_run
            else _("Rules run for {date}")
        ).format(date=self.today.isoformat())
        frame = self.to_frame()
        tables = [(_("Sends"), frame.head(50))] if not frame.empty else []
        return Printer(title=title, facts=facts, tables=tables)


def period_key(once_per: str, today: dt.date, occurrence: str | None) -> str:
    """The period a send belongs to; one send per rule, customer and period."""
    if once_per == "occurrence":
        return occurrence or today.isoformat()
    if once_per == "day":
        return today.isoformat()
    if once_per == "week":
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    if once_per == "month":
        return f"{today:%Y-%m}"
    if once_per == "year":
        return f"{today:%Y}"
    return "ever"


def dedupe_key(prefix: str, code: str, customer_id: str, period: str) -> str:
    """``prefix:code:customer:period``, hashed when it would not fit the column."""
    key = f"{prefix}:{code}:{customer_id}:{period}"
    if len(key) > 200:
        key = f"{prefix}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def _existing(url: str, keys: Sequence[str]) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    table = ActionSend.__table__
    with open_store(url).connect() as conn:
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            rows = conn.execute(
                sa.select(table.c.dedupe_key, table.c.status, table.c.attempts).where(
                    table.c.dedupe_key.in_(chunk)
                )
            )
            found.update({k: (s, a or 0) for k, s, a in rows})
    return found


def contacts_in_period(url: str, today: dt.date, days: int) -> Counter[int]:
    """Contacts (sent e-mails and webhooks) per customer in the ``days`` up to ``today``."""
    table = ActionSend.__table__
    since = today - dt.timedelta(days=max(days, 1) - 1)
    with open_store(url).connect() as conn:
        rows = conn.execute(
            sa.select(table.c.customer_pk, sa.func.count())
            .where(
                table.c.status == "sent",
                table.c.channel.in_(CONTACT_CHANNELS),
                table.c.run_date >= since,
                table.c.run_date <= today,
                table.c.customer_pk.is_not(None),
            )
            .group_by(table.c.customer_pk)
        )
        return Counter({int(pk): int(n) for pk, n in rows})


def _preferences(url: str, customer_pks: Sequence[int]) -> dict[int, list[dict[str, str]]]:
    table = Preference.__table__
    out: dict[int, list[dict[str, str]]] = {}
    with open_store(url).connect() as conn:
        for start in range(0, len(customer_pks), _CHUNK):
            chunk = [int(pk) for pk in customer_pks[start : start + _CHUNK]]
            rows = conn.execute(
                sa.select(table.c.customer_pk, table.c.key, table.c.value)
                .where(table.c.customer_pk.in_(chunk))
                .order_by(table.c.customer_pk, table.c.times_observed.desc(), table.c.key)
            )
            for pk, key, value in rows:
                out.setdefault(int(pk), []).append({"key": key, "value": value})
    return out


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _context(
    row: pd.Series,
    preferences: list[dict[str, str]],
    today: dt.date,
    settings: ActSettings,
    intent: Intent,
) -> dict[str, Any]:
    customer = {
        key: _plain(row.get(key))
        for key in ("customer_id", "name", "email", "phone", "language", "city", "country")
    }
    customer["name"] = customer["name"] or customer["customer_id"]
    dates = {
        key: _plain(row.get(key))
        for key in (
            "birthday",
            "next_birthday",
            "next_anniversary",
            "first_order_at",
            "last_order_at",
        )
    }
    sender = settings.sender_name or settings.smtp_from.split("<")[0].strip() or "Patron"
    return {
        "customer": customer,
        "preferences": preferences,
        "usual": {p["key"]: p["value"] for p in reversed(preferences)},
        "dates": dates,
        "today": today,
        "rule": {"code": intent.rule_code, "name": intent.rule_name},
        "occurrence": intent.occurrence,
        "sender": sender,
    }


def intents_for_rules(
    rules: Sequence[Rule], matches: pd.DataFrame, frame: pd.DataFrame, today: dt.date
) -> list[Intent]:
    """Turn rule matches into intended sends with their dedupe keys."""
    by_code = {rule.code: rule for rule in rules}
    customer_ids = frame["customer_id"]
    intents = []
    for record in matches.itertuples(index=False):
        rule = by_code[record.rule_code]
        period = period_key(rule.once_per, today, record.occurrence)
        intents.append(
            Intent(
                dedupe_key=dedupe_key(
                    "rule", rule.code, str(customer_ids[record.customer_pk]), period
                ),
                channel=rule.channel,
                customer_pk=int(record.customer_pk),
                action=rule.action,
                rule_code=rule.code,
                rule_name=rule.name,
                occurrence=record.occurrence,
                reference=_plain(record.reference),
            )
        )
    return intents


class Deliverer:
    """Works through intended sends with the outbox protocol (see the module docstring)."""

    def __init__(self, workspace: Any, today: dt.date, *, settings: ActSettings | None = None):
        self.workspace = workspace
        self.url = workspace.database_url
        self.today = today
        self.settings = settings or ActSettings.from_workspace(workspace)
        self.env = environment(workspace)
        self._email: EmailChannel | None = None
        self._webhook: WebhookChannel | None = None
        self._broken: dict[str, str] = {}
        engine = open_store(self.url)
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    def close(self) -> None:
        if self._email is not None:
            self._email.close()
        if self._webhook is not None:
            self._webhook.close()

    # -- the three steps of the outbox
    def _claim(self, intent: Intent, payload: dict[str, Any]) -> tuple[str, int]:
        table = ActionSend.__table__
        with open_store(self.url).begin() as conn:
            conn.execute(
                self._insert(table)
                .values(
                    dedupe_key=intent.dedupe_key,
                    rule_code=intent.rule_code,
                    campaign_pk=intent.campaign_pk,
                    customer_pk=intent.customer_pk,
                    channel=intent.channel,
                    run_date=self.today,
                    status="pending",
                    attempts=0,
                    payload=payload,
                )
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
            status, attempts = conn.execute(
                sa.select(table.c.status, table.c.attempts).where(
                    table.c.dedupe_key == intent.dedupe_key
                )
            ).one()
        return status, attempts or 0

    def _finish(
        self,
        intent: Intent,
        status: str,
        error: str | None,
        detail: dict | None,
        task: dict | None = None,
    ) -> None:
        with session_scope(self.url) as session:
            row = session.scalars(
                sa.select(ActionSend).where(ActionSend.dedupe_key == intent.dedupe_key)
            ).one()
            if task is not None:
                # The task and the "sent" mark commit together: a task is made exactly once.
                create_task(session, **task)
            row.status = status
            row.attempts = (row.attempts or 0) + (0 if status == "skipped" else 1)
            row.last_error = error
            if detail:
                row.payload = {**(row.payload or {}), **detail}
            if status == "sent":
                row.sent_at = dt.datetime.now(dt.UTC)

    def record_skip(self, intent: Intent, reason: str) -> None:
        status, _attempts = self._claim(intent, {"occurrence": intent.occurrence})
        if status == "pending":
            self._finish(intent, "skipped", reason, None)

    # -- sending
    def _send(
        self, intent: Intent, row: pd.Series, context: dict[str, Any]
    ) -> tuple[dict | None, dict | None]:
        action = intent.action
        channel = intent.channel
        if channel in self._broken:
            raise ChannelError(self._broken[channel])
        if channel == "email":
            message = render_message(
                self.env,
                context,
                template=action.get("template"),
                subject=action.get("subject"),
                body=action.get("body"),
            )
            if self._email is None:
                self._email = EmailChannel(self.settings)
            try:
                detail = self._email.send(
                    context["customer"]["email"],
                    context["customer"]["name"],
                    message,
                    intent.dedupe_key,
                )
            except ChannelError as exc:
                if self._email._smtp is None and "reach" in str(exc):
                    self._broken["email"] = str(exc)
                raise
            return {**detail, "subject": message.subject}, None
        if channel == "webhook":
            if self._webhook is None:
                self._webhook = WebhookChannel(self.settings)
            url = self._webhook.resolve(action)
            payload = {
                "event": "patron.action",
                "rule": intent.rule_code,
                "campaign_pk": intent.campaign_pk,
                "occurrence": intent.occurrence,
                "run_date": self.today.isoformat(),
                "dedupe_key": intent.dedupe_key,
                "customer": {k: context["customer"][k] for k in ("customer_id", "name", "email")},
                "data": action.get("data") or {},
            }
            return self._webhook.send(url, payload, intent.dedupe_key), None
        if channel == "task":
            due = action.get("due_in_days")
            due_at = (
                dt.datetime.combine(self.today + dt.timedelta(days=int(due)), dt.time(17), dt.UTC)
                if due is not None
                else None
            )
            title = render_text(self.env, str(action["title"]), context)
            detail = (
                render_text(self.env, str(action["detail"]), context)
                if action.get("detail")
                else (
                    _("Created by rule {rule} on {date}.").format(
                        rule=intent.rule_name or intent.rule_code or "", date=self.today.isoformat()
                    )
                )
            )
            task = {
                "customer_pk": intent.customer_pk,
                "title": title,
                "detail": detail,
                "due_at": due_at,
                "assigned_to": action.get("assigned_to"),
                "source_rule": intent.rule_code,
            }
            return {"title": title}, task
        if channel == "list":
            name = str(action.get("list") or intent.rule_code or intent.occurrence or "campaign")
            folder = Path(self.workspace.root) / "exports"
            path = append_to_list(
                folder,
                f"{name}-{self.today.isoformat()}",
                {
                    "customer_id": context["customer"]["customer_id"],
                    "name": context["customer"]["name"],
                    "email": context["customer"]["email"],
                    "phone": context["customer"]["phone"],
                    "rule": intent.rule_code or "",
                    "occurrence": intent.occurrence or "",
                    "run_date": self.today.isoformat(),
                },
            )
            return {"file": str(path)}, None
        raise InputError(_("unknown channel {name}").format(name=channel))

    def deliver(
        self,
        intents: Sequence[Intent],
        frame: pd.DataFrame,
        *,
        dry_run: bool = False,
        max_contacts: int | None = None,
        period_days: int | None = None,
        progress: ProgressCallback | bool | None = None,
        result: RunResult | None = None,
    ) -> RunResult:
        """Send each intent once: consent and frequency caps first, then the outbox."""
        result = result or RunResult(today=self.today, dry_run=dry_run)
        max_contacts = self.settings.max_contacts if max_contacts is None else max_contacts
        period_days = period_days or self.settings.contact_period_days
        existing = _existing(self.url, [i.dedupe_key for i in intents])
        contacts = (
            contacts_in_period(self.url, self.today, period_days) if max_contacts else Counter()
        )
        todo: list[Intent] = []
        for intent in intents:
            status, attempts = existing.get(intent.dedupe_key, (None, 0))
            if status in ("sent", "skipped") or (status == "failed" and attempts >= MAX_ATTEMPTS):
                result.already_done += 1
                continue
            todo.append(intent)
        pks = sorted({i.customer_pk for i in todo})
        prefs = _preferences(self.url, pks) if todo else {}
        report = as_callback(progress)
        label = _("Sending")
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            report(label, done, len(todo))

        if todo:
            report(label, 0, len(todo))
        try:
            for intent in todo:
                row = frame.loc[intent.customer_pk]
                record = {
                    "rule": intent.rule_code or "",
                    "campaign_pk": intent.campaign_pk,
                    "customer_id": str(row["customer_id"]),
                    "channel": intent.channel,
                    "dedupe_key": intent.dedupe_key,
                    "detail": "",
                }
                reason = None
                address = row.get("email")
                has_address = isinstance(address, str) and bool(address.strip())
                consent = bool(row.get("consent_email"))
                if intent.channel == "email" and not (consent and has_address):
                    reason = _("no e-mail consent") if not consent else _("no e-mail address")
                elif (
                    intent.channel in CONTACT_CHANNELS
                    and max_contacts
                    and (contacts[intent.customer_pk] >= max_contacts)
                ):
                    reason = _("frequency cap: {n} contacts in {days} days").format(
                        n=contacts[intent.customer_pk], days=period_days
                    )
                if reason:
                    record.update(status="skipped", detail=reason)
                    result.skipped += 1
                    if not dry_run:
                        self.record_skip(intent, reason)
                    result.sends.append(record)
                    advance()
                    continue
                if intent.channel in CONTACT_CHANNELS:
                    contacts[intent.customer_pk] += 1
                if dry_run:
                    record["status"] = "planned"
                    result.sends.append(record)
                    advance()
                    continue
                status, _attempts = self._claim(
                    intent, {"occurrence": intent.occurrence, "reference": intent.reference}
                )
                if status in ("sent", "skipped"):  # another process got there first
                    result.already_done += 1
                    advance()
                    continue
                context = _context(
                    row, prefs.get(intent.customer_pk, []), self.today, self.settings, intent
                )
                try:
                    detail, task = self._send(intent, row, context)
                except Exception as exc:  # noqa: BLE001 - one bad record never stops the run
                    reason = (
                        str(exc)
                        if isinstance(exc, ChannelError | InputError)
                        else f"{type(exc).__name__}: {exc}"
                    )
                    self._finish(intent, "failed", reason, None)
                    record.update(status="failed", detail=reason)
                    result.failed += 1
                else:
                    self._finish(intent, "sent", None, detail, task)
                    record.update(
                        status="sent",
                        detail=(detail or {}).get("subject") or (detail or {}).get("title") or "",
                    )
                    result.sent += 1
                result.sends.append(record)
                advance()
        finally:
            self.close()
        return result


def run(
    workspace: Any,
    today: dt.date | None = None,
    dry_run: bool = False,
    *,
    rules: Sequence[Rule] | None = None,
    rules_file: str | Path | None = None,
    settings: ActSettings | None = None,
    progress: ProgressCallback | bool | None = None,
) -> RunResult:
    """Evaluate the rules for ``today`` and send what is due, each send exactly once.

    Campaigns are not sent here: ``patron.act.daily.run`` runs the rules, then the
    campaigns that are due.

    Parameters
    ----------
    workspace : Workspace
    today : date, default=today (UTC)
    dry_run : bool, default=False
        List what would be sent; write and send nothing.
    rules : list of Rule, optional
        Rules to run; else ``rules_file``; else the stored rules; else the shipped ones.
    progress : callable, optional
        ``progress(task, done, total)`` over the sends (``patron.core.progress``);
        anything else is silent.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    if rules is None:
        rules = active_rules(workspace, rules_file)
    rules = [r for r in rules if r.enabled]
    metrics: set[str] = set()
    for rule in rules:
        metrics |= rule.score_metrics()
    frame = customer_features(workspace, today, score_metrics=metrics)
    events = {
        rule.code: event_frame(workspace, rule, today)
        for rule in rules
        if rule.kind == "event" and rule.trigger["event"] != "stage_change"
    }
    matches = evaluate_rules(rules, frame, today, events=events)
    intents = intents_for_rules(rules, matches, frame, today)
    result = RunResult(today=today, dry_run=dry_run, matched=len(intents))
    deliverer = Deliverer(workspace, today, settings=settings)
    return deliverer.deliver(intents, frame, dry_run=dry_run, progress=progress, result=result)
