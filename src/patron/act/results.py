"""What each campaign achieved, as plain data for the web pages and the API.

``list_campaigns`` gives every campaign with its treated and control group sizes;
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
from patron.core.i18n import _
from patron.exceptions import InputError


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands times back naive; the store keeps UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def list_campaigns(workspace: Any) -> list[dict[str, Any]]:
    """Every campaign, newest first, with the size of its treated and control groups."""
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
    return [
        {
            "code": row.code,
            "name": row.name,
            "status": row.status,
            "control_share": float(row.control_share),
            "scheduled_at": _aware(row.scheduled_at),
            "started_at": _aware(row.started_at),
            "treated": int(row.treatment or 0),
            "control": int(row.control or 0),
        }
        for row in rows
    ]


def campaign_uplift(
    workspace: Any, code: str, *, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    """Treated minus control for one campaign, or the reason it cannot be measured yet.

    Returns ``campaign``, ``measured`` (bool), ``reason`` (when not measured),
    ``treated``/``control`` group sizes, ``alpha`` and ``metrics``: per outcome
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
