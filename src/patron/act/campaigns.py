"""Who a campaign reaches and what became of them: audience, control group, sending, outcomes.

A campaign is a segment (conditions over customer fields and scores, the same language
as a rule's ``when``/``any``), an action (e-mail template, task, webhook or list), a
share of the audience held out as a **control group** (10 % unless told otherwise) and
an outcome window. The steps are separate commands so each can be checked:

``create_campaign`` → ``assign`` (audience with consent and frequency caps honoured,
then a stable random split) → ``send`` (treated members only, through the scheduler's
outbox, not before ``scheduled_at``) → ``outcomes`` (orders after the start, per treated
and control member) → ``uplift.UpliftEstimate`` on those outcomes.

Only treated members the outbox actually reached count as treated: a member whose send
failed or was skipped got no treatment, so ``outcomes`` marks them ``contacted = False``
and the uplift leaves them out. A campaign whose every send failed is stored as
``failed`` (never "sent") and is retried by ``send_due``.

Control assignment is random and stable: ``u = sha256(seed|campaign|customer)`` read as a
number in [0, 1); the customer is in control when ``u < control_share``. The hash does not
look at any customer attribute, so control and treated groups are alike on average, and
re-running ``assign`` gives everyone the same group.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from patron.act.evaluate import customer_features, rule_mask
from patron.act.rules import Rule, parse_rule
from patron.act.scheduler import (
    CONTACT_CHANNELS,
    Deliverer,
    Intent,
    RunResult,
    contacts_in_period,
    dedupe_key,
)
from patron.collect.store.db import open_store, session_scope
from patron.collect.store.models import ActionSend, Campaign, CampaignMember, Customer, Order
from patron.core.i18n import _
from patron.core.progress import ProgressCallback
from patron.core.vocabulary import vocabulary_of
from patron.exceptions import InputError

DEFAULT_CONTROL_SHARE = 0.1


def control_draw(campaign_code: str, customer_id: str, seed: str = "") -> float:
    """A number in [0, 1) fixed by campaign and customer (uniform over customers)."""
    digest = hashlib.sha256(f"{seed}|{campaign_code}|{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_groups(
    campaign_code: str, customer_ids: pd.Series, control_share: float, seed: str = ""
) -> pd.Series:
    """``"control"`` or ``"treatment"`` for each customer id (stable, random)."""
    draws = np.array([control_draw(campaign_code, str(c), seed) for c in customer_ids])
    return pd.Series(
        np.where(draws < control_share, "control", "treatment"), index=customer_ids.index
    )


def _segment_rule(code: str, definition: dict[str, Any]) -> Rule:
    segment = definition.get("segment") or {}
    return parse_rule(
        {
            "code": code,
            "trigger": {"schedule": "daily"},
            "when": segment.get("when") or [],
            "any": segment.get("any") or [],
            "action": definition.get("action") or {},
        },
        where=f"campaign {code}",
    )


def create_campaign(
    workspace: Any,
    code: str,
    *,
    name: str | None = None,
    segment: dict[str, Any] | None = None,
    action: dict[str, Any] | None = None,
    control_share: float = DEFAULT_CONTROL_SHARE,
    scheduled_at: dt.datetime | None = None,
    max_contacts: int | None = None,
    period_days: int | None = None,
    response_days: int = 30,
    window_days: int = 90,
    seed: str = "",
) -> dict[str, Any]:
    """Check and store a campaign (``draft``); errors name the campaign and the field."""
    if not 0 <= control_share < 1:
        raise InputError(
            _("campaign {code}: control_share must be in [0, 1), got {value}").format(
                code=code, value=control_share
            )
        )
    definition = {
        "segment": segment or {},
        "action": action or {"channel": "email", "template": "campaign"},
        "max_contacts": max_contacts,
        "period_days": period_days,
        "response_days": int(response_days),
        "window_days": int(window_days),
        "seed": seed,
    }
    _segment_rule(code, definition)
    if scheduled_at is not None and scheduled_at.tzinfo is None:
        scheduled_at = scheduled_at.replace(tzinfo=dt.UTC)
    with session_scope(workspace.database_url) as session:
        if session.scalars(sa.select(Campaign).where(Campaign.code == code)).first():
            raise InputError(_("campaign {code} already exists").format(code=code))
        session.add(
            Campaign(
                code=code,
                name=name or code,
                definition=definition,
                control_share=control_share,
                status="draft",
                scheduled_at=scheduled_at,
            )
        )
    return get_campaign(workspace, code)


def get_campaign(workspace: Any, code: str) -> dict[str, Any]:
    """The stored campaign as a plain dict (raises ``InputError`` when unknown)."""
    with session_scope(workspace.database_url) as session:
        row = session.scalars(sa.select(Campaign).where(Campaign.code == code)).first()
        if row is None:
            raise InputError(_("no campaign with code {code}").format(code=code))
        counts = dict(
            session.execute(
                sa.select(CampaignMember.group, sa.func.count())
                .where(CampaignMember.campaign_pk == row.id)
                .group_by(CampaignMember.group)
            ).all()
        )
        return {
            "id": row.id,
            "code": row.code,
            "name": row.name,
            "definition": row.definition,
            "control_share": row.control_share,
            "status": row.status,
            "scheduled_at": row.scheduled_at,
            "started_at": row.started_at,
            "treatment": int(counts.get("treatment", 0)),
            "control": int(counts.get("control", 0)),
        }


@dataclass
class Assignment:
    """How an audience was formed."""

    campaign: str
    segment: int
    excluded_no_consent: int
    excluded_frequency_cap: int
    already_members: int
    treatment: int
    control: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def assign(workspace: Any, code: str, today: dt.date | None = None) -> Assignment:
    """Form the audience (segment − no consent − capped) and split it into groups.

    Customers already in the campaign keep their group; new ones are added.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    campaign = get_campaign(workspace, code)
    definition = campaign["definition"]
    rule = _segment_rule(code, definition)
    frame = customer_features(workspace, today, score_metrics=rule.score_metrics())
    segment = frame[rule_mask(frame, rule)]
    channel = rule.channel
    consent = pd.Series(True, index=segment.index)
    if channel == "email":
        consent = segment["consent_email"].astype(bool) & segment["email"].fillna("").ne("")
    eligible = segment[consent]
    capped = pd.Series(False, index=eligible.index)
    max_contacts = definition.get("max_contacts")
    if max_contacts and channel in CONTACT_CHANNELS:
        contacts = contacts_in_period(
            workspace.database_url, today, definition.get("period_days") or 30
        )
        capped = eligible["customer_pk"].map(lambda pk: contacts[int(pk)] >= max_contacts)
    audience = eligible[~capped.astype(bool)]
    url = workspace.database_url
    with session_scope(url) as session:
        known = set(
            session.scalars(
                sa.select(CampaignMember.customer_pk).where(
                    CampaignMember.campaign_pk == campaign["id"]
                )
            ).all()
        )
        new = audience[~audience["customer_pk"].isin(known)]
        groups = assign_groups(
            code, new["customer_id"], campaign["control_share"], definition.get("seed", "")
        )
        now = dt.datetime.now(dt.UTC)
        rows = [
            {
                "campaign_pk": campaign["id"],
                "customer_pk": int(pk),
                "group": group,
                "assigned_at": now,
            }
            for pk, group in zip(new["customer_pk"], groups, strict=True)
        ]
        if rows:
            session.execute(sa.insert(CampaignMember), rows)
        row = session.get(Campaign, campaign["id"])
        if row.status == "draft":
            row.status = "assigned"
    return Assignment(
        campaign=code,
        segment=len(segment),
        excluded_no_consent=int((~consent).sum()),
        excluded_frequency_cap=int(capped.astype(bool).sum()),
        already_members=int(audience["customer_pk"].isin(known).sum()),
        treatment=int((groups == "treatment").sum()),
        control=int((groups == "control").sum()),
    )


def send(
    workspace: Any,
    code: str,
    today: dt.date | None = None,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: ProgressCallback | bool | None = None,
) -> RunResult:
    """Send the campaign's action to its treated members (never to the control group).

    Does nothing before ``scheduled_at``; each member is contacted once (dedupe key
    ``campaign:<code>:<customer>:once``), so re-running resumes an interrupted send.
    """
    now = now or dt.datetime.now(dt.UTC)
    today = today or now.date()
    campaign = get_campaign(workspace, code)
    scheduled = campaign["scheduled_at"]
    if scheduled is not None:
        if scheduled.tzinfo is None:
            scheduled = scheduled.replace(tzinfo=dt.UTC)
        if scheduled > now:
            raise InputError(
                _("campaign {code} is scheduled for {when}; it was not sent").format(
                    code=code, when=scheduled.isoformat()
                )
            )
    definition = campaign["definition"]
    rule = _segment_rule(code, definition)
    frame = customer_features(workspace, today)
    with open_store(workspace.database_url).connect() as conn:
        members = conn.execute(
            sa.select(CampaignMember.customer_pk).where(
                CampaignMember.campaign_pk == campaign["id"], CampaignMember.group == "treatment"
            )
        ).scalars()
        treated = [int(pk) for pk in members if int(pk) in frame.index]
    intents = [
        Intent(
            dedupe_key=dedupe_key("campaign", code, str(frame.at[pk, "customer_id"]), "once"),
            channel=rule.channel,
            customer_pk=pk,
            action=rule.action,
            rule_code=None,
            rule_name=campaign["name"],
            campaign_pk=campaign["id"],
            occurrence=code,
        )
        for pk in treated
    ]
    deliverer = Deliverer(workspace, today)
    result = RunResult(today=today, dry_run=dry_run, matched=len(intents))
    result = deliverer.deliver(
        intents,
        frame,
        dry_run=dry_run,
        max_contacts=definition.get("max_contacts") or 0,
        period_days=definition.get("period_days"),
        progress=progress,
        result=result,
    )
    if not dry_run:
        counts = delivery_counts(workspace).get(campaign["id"], {})
        with session_scope(workspace.database_url) as session:
            row = session.get(Campaign, campaign["id"])
            if counts.get("sent", 0) == 0 and counts.get("failed", 0) > 0:
                row.status = "failed"  # nobody was contacted: nothing started
            else:
                row.status = "sent"
                if row.started_at is None:
                    row.started_at = now
    return result


SEND_STATES = ("sent", "failed", "skipped", "pending")


def delivery_counts(workspace: Any) -> dict[int, dict[str, int]]:
    """Per campaign id, how many of its sends were sent, failed, skipped or are pending."""
    a = ActionSend.__table__
    query = (
        sa.select(a.c.campaign_pk, a.c.status, sa.func.count())
        .where(a.c.campaign_pk.is_not(None))
        .group_by(a.c.campaign_pk, a.c.status)
    )
    out: dict[int, dict[str, int]] = {}
    with open_store(workspace.database_url).connect() as conn:
        for pk, status, n in conn.execute(query).all():
            counts = out.setdefault(int(pk), dict.fromkeys(SEND_STATES, 0))
            counts[status] = counts.get(status, 0) + int(n)
    return out


def _contacted(conn: sa.Connection, campaign_pk: int) -> set[int] | None:
    """Customers the campaign's sends reached; None when it has no send record at all
    (members contacted outside Patron: every treated member counts as contacted)."""
    a = ActionSend.__table__
    rows = conn.execute(
        sa.select(a.c.customer_pk, a.c.status).where(a.c.campaign_pk == campaign_pk)
    ).all()
    if not rows:
        return None
    return {int(pk) for pk, status in rows if status == "sent" and pk is not None}


def send_due(
    workspace: Any,
    today: dt.date,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | bool | None = None,
    result: RunResult | None = None,
) -> RunResult:
    """Send assigned campaigns whose ``scheduled_at`` has come (scheduled sending).

    Their sends are added to ``result`` (a new one when none is given) and returned.
    """
    result = result or RunResult(today=today, dry_run=dry_run)
    # Never early: up to now when running for today, up to the day's end for a past date.
    end_of_day = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    now = min(dt.datetime.now(dt.UTC), end_of_day)
    with session_scope(workspace.database_url) as session:
        due = session.scalars(
            sa.select(Campaign.code).where(
                Campaign.status.in_(("assigned", "sent", "failed")),
                Campaign.scheduled_at.is_not(None),
                Campaign.scheduled_at <= now,
            )
        ).all()
    for code in due:
        part = send(workspace, code, today, dry_run=dry_run, now=now, progress=progress)
        result.matched += part.matched
        result.sent += part.sent
        result.failed += part.failed
        result.skipped += part.skipped
        result.already_done += part.already_done
        for one in part.sends:
            one["rule"] = one["rule"] or f"campaign:{code}"
        result.sends.extend(part.sends)
    return result


def outcomes(
    workspace: Any,
    code: str,
    *,
    as_of: dt.datetime | None = None,
    started_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """Per member: responded (bought within ``response_days``), next purchase, spend and
    retention (bought within ``window_days``) after the campaign's start.

    Control members are measured the same way from the same start, so the difference
    between the groups is the campaign's effect. Outcomes are also saved on each
    ``campaign_members`` row.
    """
    campaign = get_campaign(workspace, code)
    definition = campaign["definition"]
    start = started_at or campaign["started_at"] or campaign["scheduled_at"]
    if start is None:
        raise InputError(
            _("campaign {code} has not started; send it first or give a start date").format(
                code=code
            )
        )
    start = (
        pd.Timestamp(start).tz_convert("UTC")
        if pd.Timestamp(start).tzinfo
        else pd.Timestamp(start, tz="UTC")
    )
    response_end = start + pd.Timedelta(days=definition.get("response_days", 30))
    window_end = start + pd.Timedelta(days=definition.get("window_days", 90))
    if as_of is not None:
        cutoff = (
            pd.Timestamp(as_of, tz="UTC")
            if pd.Timestamp(as_of).tzinfo is None
            else pd.Timestamp(as_of)
        )
        window_end = min(window_end, cutoff)
        response_end = min(response_end, cutoff)
    url = workspace.database_url
    m, o, c = CampaignMember.__table__, Order.__table__, Customer.__table__
    with open_store(url).connect() as conn:
        members = pd.DataFrame(
            conn.execute(
                sa.select(m.c.id.label("member_pk"), m.c.customer_pk, c.c.customer_id, m.c.group)
                .join(c, c.c.id == m.c.customer_pk)
                .where(m.c.campaign_pk == campaign["id"])
            ).all(),
            columns=["member_pk", "customer_pk", "customer_id", "group"],
        )
        orders = pd.DataFrame(
            conn.execute(
                sa.select(o.c.customer_pk, o.c.ordered_at, o.c.amount)
                .join(m, m.c.customer_pk == o.c.customer_pk)
                .where(
                    m.c.campaign_pk == campaign["id"],
                    o.c.ordered_at > start.to_pydatetime(),
                    o.c.ordered_at <= window_end.to_pydatetime(),
                    vocabulary_of(workspace).sale_clause(o.c.status),
                )
            ).all(),
            columns=["customer_pk", "ordered_at", "amount"],
        )
        reached = _contacted(conn, campaign["id"])
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"], utc=True)
    per = orders.groupby("customer_pk").agg(
        next_purchase_at=("ordered_at", "min"),
        orders=("amount", "size"),
        spend=("amount", "sum"),
    )
    responded = orders[orders["ordered_at"] <= response_end].groupby("customer_pk").size()
    frame = members.set_index("customer_pk").join(per, how="left")
    frame["orders"] = frame["orders"].fillna(0).astype(int)
    frame["spend"] = frame["spend"].fillna(0.0).astype(float)
    frame["responded"] = frame.index.isin(responded.index)
    frame["retained"] = frame["orders"] > 0
    treated = frame["group"] == "treatment"
    frame["contacted"] = treated & (True if reached is None else frame.index.isin(list(reached)))
    frame["days_to_next_purchase"] = (frame["next_purchase_at"] - start).dt.total_seconds() / 86400
    frame = frame.reset_index()
    updates = [
        {
            "id": int(record.member_pk),
            "responded_at": record.next_purchase_at.to_pydatetime() if record.responded else None,
            "outcome": {
                "responded": bool(record.responded),
                "retained": bool(record.retained),
                "orders": int(record.orders),
                "spend": round(float(record.spend), 2),
                "next_purchase_at": None
                if pd.isna(record.next_purchase_at)
                else record.next_purchase_at.isoformat(),
                "window_end": window_end.isoformat(),
            },
        }
        for record in frame.itertuples(index=False)
    ]
    if updates:
        with session_scope(url) as session:
            # ORM bulk UPDATE by primary key: one executemany, not one round trip per member.
            session.execute(sa.update(CampaignMember), updates)
    columns = [
        "customer_id",
        "group",
        "contacted",
        "responded",
        "retained",
        "orders",
        "spend",
        "next_purchase_at",
        "days_to_next_purchase",
    ]
    return frame[columns]


def uplift(workspace: Any, code: str, **kwargs: Any):  # -> UpliftEstimate
    """Outcomes of a campaign, then treated vs control differences with intervals."""
    from patron.act.uplift import UpliftEstimate

    frame = outcomes(workspace, code, **kwargs)
    return UpliftEstimate(campaign=code).fit(frame)
