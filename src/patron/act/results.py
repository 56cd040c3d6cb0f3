"""What each campaign achieved, as plain data for the web pages and the API.

``list_campaigns`` gives every campaign with its treated and control group sizes and what
its sends did (``delivery``: sent, failed, skipped, pending; ``state`` says in one code
whether it reached anyone: a campaign whose every send failed is ``failed``, never "sent");
``campaign_uplift`` measures one campaign's outcomes (``campaigns.outcomes``, which also
saves them on each member) and returns treated minus control retention, response and
revenue per member with confidence intervals (``uplift.UpliftEstimate``). A campaign
that cannot be measured yet (not started, or fewer than two members in a group) says
why instead of failing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from patron.collect.errors import NotFoundError
from patron.collect.store.db import open_store
from patron.collect.store.models import Campaign, CampaignMember
from patron.core.i18n import _, ngettext
from patron.exceptions import InputError


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands times back naive; the store keeps UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def list_campaigns(workspace: Any) -> list[dict[str, Any]]:
    """Every campaign, newest first, with the size of its treated and control groups."""
    from patron.act import campaigns

    c, m = Campaign.__table__, CampaignMember.__table__
    sizes = (
        sa.select(
            m.c.campaign_pk,
            sa.func.sum(sa.case((m.c.group == "treatment", 1), else_=0)).label("treatment"),
            sa.func.sum(sa.case((m.c.group == "control", 1), else_=0)).label("control"),
        )
        .group_by(m.c.campaign_pk)
        .subquery()
    )
    query = (
        sa.select(
            c.c.id,
            c.c.code,
            c.c.name,
            c.c.status,
            c.c.control_share,
            c.c.scheduled_at,
            c.c.started_at,
            sizes.c.treatment,
            sizes.c.control,
        )
        .outerjoin(sizes, sizes.c.campaign_pk == c.c.id)
        .order_by(c.c.id.desc())
    )
    with open_store(workspace.database_url).connect() as conn:
        rows = conn.execute(query).all()
    delivered = campaigns.delivery_counts(workspace)
    out = []
    for row in rows:
        counts = delivered.get(row.id, dict.fromkeys(campaigns.SEND_STATES, 0))
        out.append(
            {
                "code": row.code,
                "name": row.name,
                "status": row.status,
                "state": delivery_state(row.status, counts),
                "delivery": counts,
                "control_share": float(row.control_share),
                "scheduled_at": _aware(row.scheduled_at),
                "started_at": _aware(row.started_at),
                "treated": int(row.treatment or 0),
                "control": int(row.control or 0),
            }
        )
    return out


def delivery_state(status: str | None, counts: dict[str, int]) -> str:
    """One code for where a campaign stands, from its stored status and its sends.

    ``failed`` when sends were tried and none went out, ``partly_failed`` when some
    failed, ``sending`` while some wait, else the stored status (draft, assigned, sent).
    Words for each code: ``patron.report.labels`` (``CAMPAIGN_STATES``).
    """
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    if failed and not sent:
        return "failed"
    if failed:
        return "partly_failed"
    if counts.get("pending", 0):
        return "sending"
    return status or "draft"


def campaign_uplift(
    workspace: Any, code: str, *, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    """Treated minus control for one campaign, or the reason it cannot be measured yet.

    Returns ``campaign``, ``measured`` (bool), ``reason`` (when not measured),
    ``treated``/``control`` group sizes (treated: only members the campaign reached),
    ``not_contacted`` (treated members left out: their send failed or was skipped),
    ``delivery`` (sends by status), ``alpha`` and ``metrics``: per outcome
    (``retained``, ``responded``, ``spend``) the treated and control means, the
    difference with its interval (``lower``, ``upper``), ``p``, ``detectable`` (the
    interval excludes zero) and ``verdict`` in words ("no detectable effect" when the
    interval covers zero). ``estimate`` holds the ``UpliftEstimate`` itself (for its
    chart and printer); it is None when not measured.
    """
    from patron.act import campaigns
    from patron.act.uplift import UpliftEstimate

    known = {c["code"]: c for c in list_campaigns(workspace)}
    if code not in known:
        raise NotFoundError(_("no campaign with code {code}").format(code=code))
    campaign = known[code]
    result: dict[str, Any] = {
        "campaign": code,
        "name": campaign["name"],
        "measured": False,
        "reason": None,
        "treated": campaign["treated"],
        "control": campaign["control"],
        "alpha": 0.05,
        "metrics": {},
        "estimate": None,
    }
    delivery = campaign["delivery"]
    result["delivery"] = delivery
    result["not_contacted"] = 0
    if delivery["failed"] and not delivery["sent"]:
        result["reason"] = ngettext(
            "nobody was contacted: the {n} send failed",
            "nobody was contacted: all {n} sends failed",
            delivery["failed"],
        ).format(n=delivery["failed"])
        return result
    if campaign["started_at"] is None and campaign["scheduled_at"] is None:
        result["reason"] = _("not started yet: there is nothing to measure")
        return result
    if campaign["treated"] < 2 or campaign["control"] < 2:
        result["reason"] = _(
            "too few members to compare: {t} treated and {c} in the control group"
        ).format(t=campaign["treated"], c=campaign["control"])
        return result
    try:
        frame = campaigns.outcomes(workspace, code, as_of=as_of)
        estimate = UpliftEstimate(campaign=code).fit(frame)
    except InputError as exc:  # e.g. outcomes without any usable column
        result["reason"] = str(exc)
        return result
    result.update(
        measured=True,
        treated=estimate.n_treated_,
        not_contacted=estimate.n_not_contacted_,
        control=estimate.n_control_,
        alpha=estimate.alpha,
        estimate=estimate,
        metrics={
            metric: {
                **values,
                "detectable": estimate.detectable(metric),
                "verdict": estimate.verdict(metric),
            }
            for metric, values in estimate.results_.items()
        },
    )
    return result
