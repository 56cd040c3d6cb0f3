"""How the units a manager runs are doing: CSI, NPS and complaint SLA per quarter with the
change since the quarter before, valuable customers at risk, campaign effects and the
drivers to improve.

Each figure comes from the job a person can rerun: the command is kept beside it
(``Figure.command``). Only complete periods are compared; a running quarter is named
but never quoted as if it were over (:mod:`patron.analyze.periods`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from patron.analyze import periods
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

PERIOD = "Q"
CSI_MODEL = "acsi"


@dataclass
class Figure:
    """One headline number of the manager's home: now, the period before, the command."""

    key: str
    value: float | None
    previous: float | None
    period_start: str | None
    previous_start: str | None
    command: str
    kind: str = "index"  # index (0–100) | share (0–1) | score (−100…100)
    trend: list[tuple[str, float]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def complaint_sla(ctx: AnalysisContext, *, period: str = PERIOD) -> JobResult:
    """Per period, complaints closed and the share closed within their SLA time.

    A complaint counts in the period it was closed (``resolved_at``); it met its SLA when
    it was closed on or before ``sla_due_at``. Complaints without an SLA are left out.
    The figures quote the latest complete period and the one before.
    """
    table = ctx.reader.table("complaints", required=False)
    columns = ["period_start", "closed", "met", "met_share", "complete"]
    if table is None:
        frame = pd.DataFrame(columns=columns)
    else:
        raw = ctx.run(table.select("resolved_at", "sla_due_at"))
        raw = raw.dropna(subset=["resolved_at", "sla_due_at"])
        closed_at = pd.to_datetime(raw["resolved_at"], utc=True)
        due = pd.to_datetime(raw["sla_due_at"], utc=True)
        keep = closed_at.dt.date <= ctx.as_of
        raw = pd.DataFrame(
            {
                "period_start": [periods.period_start(d, period) for d in closed_at[keep].dt.date],
                "met": (closed_at[keep] <= due[keep]).to_numpy(),
            }
        )
        frame = (
            raw.groupby("period_start")
            .agg(closed=("met", "size"), met=("met", "sum"))
            .reset_index()
            .sort_values("period_start")
        )
        frame["met"] = frame["met"].astype(int)
        frame["met_share"] = frame["met"] / frame["closed"]
        frame["complete"] = periods.complete_mask(frame["period_start"], period, ctx.as_of)
        frame = frame[columns].reset_index(drop=True)
    figures: dict[str, Any] = {"complaints_closed": int(frame["closed"].sum()) if len(frame) else 0}
    done = frame[frame["complete"].astype(bool)] if len(frame) else frame
    for suffix, row in (("", -1), ("_previous", -2)):
        if len(done) >= -row:
            last = done.iloc[row]
            figures[f"period_start{suffix}"] = pd.Timestamp(last["period_start"]).date().isoformat()
            figures[f"sla_met_share{suffix}"] = float(last["met_share"])
            figures[f"closed{suffix}"] = int(last["closed"])
    shown = frame.assign(period_start=frame["period_start"].astype(str))
    printer = Printer(
        _("Complaints closed within their SLA by {period} ({scope})").format(
            period=period.upper(), scope=ctx.scope.label()
        ),
        {_("complaints closed"): figures["complaints_closed"]},
        [(_("Per period"), shown)],
    )
    return JobResult("sla", ctx.scope, ctx.as_of, figures, {"sla": frame}, printer=printer)


def _figure_from(
    key: str, card: pd.DataFrame, column: str, command: str, kind: str
) -> Figure | None:
    if column not in card.columns:
        return None
    done = card[card["complete"].astype(bool)].dropna(subset=[column])
    if not len(done):
        return None
    trend = [
        (pd.Timestamp(s).date().isoformat(), float(v))
        for s, v in zip(done["period_start"], done[column], strict=True)
    ][-8:]
    last = trend[-1]
    before = trend[-2] if len(trend) > 1 else (None, None)
    return Figure(key, last[1], before[1], last[0], before[0], command, kind, trend)


def csi_at(ctx: AnalysisContext, day: date) -> dict[str, Any] | None:
    """The ACSI satisfaction index on the answers given up to ``day`` (None: no answers)."""
    from patron.exceptions import PatronError
    from patron.jobs import csi as csi_jobs

    at = AnalysisContext(ctx.reader, day)
    try:
        result = csi_jobs.csi(at, model=CSI_MODEL)
    except PatronError:  # no answers in scope by then, too few respondents …
        return None
    return {
        "index": float(result.figures["satisfaction_index"]),
        "respondents": int(result.figures["respondents"]),
        "ipma": result.tables["ipma"],
        "command": f"patron csi --model {CSI_MODEL} {at.cli_args()}",
    }


@dataclass
class ManagerHome:
    """The manager's figures; ``notes`` say what was left out and why."""

    scope_label: str
    as_of: date
    figures: dict[str, Figure] = field(default_factory=dict)
    drivers: list[dict[str, Any]] = field(default_factory=list)
    drivers_command: str = ""
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    at_risk_as_of: date | None = None
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    running_period: str | None = None


def manager_home(ctx: AnalysisContext, *, limit: int = 10) -> ManagerHome:
    """CSI, NPS, satisfaction and SLA by quarter with the change, and what to act on."""
    from patron.jobs import customers as customer_jobs

    home = ManagerHome(scope_label=ctx.scope.label(), as_of=ctx.as_of)
    loyalty = customer_jobs.loyalty(ctx, period=PERIOD)
    card = loyalty.tables["scorecard"]
    home.running_period = loyalty.figures.get("running_period_start")
    loyalty_cmd = f"patron analyze loyalty --period {PERIOD} {ctx.cli_args()}"
    for key, column, kind in (
        ("nps", "nps", "score"),
        ("satisfaction", "satisfaction", "index"),
        ("retention", "retention", "share"),
    ):
        figure = _figure_from(key, card, column, loyalty_cmd, kind)
        if figure is not None:
            home.figures[key] = figure
    sla = complaint_sla(ctx, period=PERIOD)
    sla_figure = _figure_from(
        "sla",
        sla.tables["sla"].rename(columns={"met_share": "sla"}),
        "sla",
        f"patron analyze sla --period {PERIOD} {ctx.cli_args()}",
        "share",
    )
    if sla_figure is not None:
        home.figures["sla"] = sla_figure

    # The CSI at the end of the latest complete quarter and of the one before.
    end = periods.period_end(periods.last_complete(ctx.as_of, PERIOD), PERIOD)
    before_end = periods.period_end(periods.shift(end, PERIOD, -1), PERIOD)
    now, before = csi_at(ctx, end), csi_at(ctx, before_end)
    if now is not None:
        home.figures["csi"] = Figure(
            "csi",
            now["index"],
            before["index"] if before else None,
            periods.period_start(end, PERIOD).isoformat(),
            periods.period_start(before_end, PERIOD).isoformat() if before else None,
            now["command"],
            "index",
        )
        home.drivers = _drivers(ctx, now["ipma"], limit=3)
        home.drivers_command = now["command"]
    home.at_risk, home.at_risk_as_of = valuable_at_risk(ctx, limit=limit)
    home.campaigns = campaign_effects(ctx.workspace, limit=3)
    return home


def _drivers(ctx: AnalysisContext, ipma: pd.DataFrame, *, limit: int) -> list[dict[str, Any]]:
    """The items to improve first, with the question's words."""
    from patron.collect.questions import item_questions

    top = ipma.head(limit)
    url = ctx.workspace.database_url if ctx.workspace is not None else None
    words = item_questions(url, top["item"])
    return [
        {
            "item": row["item"],
            "question": words.get(row["item"], row["item"]),
            "construct": row.get("construct"),
            "importance": float(row["importance"]),
            "performance": float(row["performance"]),
        }
        for _i, row in top.iterrows()
    ]


#: Value tiers counted as valuable, and the churn-risk deciles counted as at risk.
VALUABLE_TIERS = ("platinum", "gold")
RISKY_DECILES = ("decile 1", "decile 2")


def valuable_at_risk(ctx: AnalysisContext, *, limit: int = 10) -> tuple[list[dict], date | None]:
    """Platinum and gold customers in the top two churn-risk deciles, by name, from the
    latest stored scores in scope (``patron churn … --write-back``, ``patron analyze
    segments --write-back``)."""
    import sqlalchemy as sa

    from patron.collect.store.db import open_store
    from patron.collect.store.models import Customer, ScoreSnapshot
    from patron.collect.units import customer_in_scope
    from patron.collect.worklist import NAME_ZH

    if ctx.workspace is None:
        return [], None
    s = ScoreSnapshot
    inside = customer_in_scope(ctx.scope, s.customer_pk)
    with open_store(ctx.workspace.database_url).connect() as conn:
        latest = dict(
            conn.execute(
                sa.select(s.metric, sa.func.max(s.as_of))
                .where(s.metric.in_(("churn_risk", "value_tier")), inside)
                .group_by(s.metric)
            ).all()
        )
        if len(latest) < 2:
            return [], None
        tier = sa.alias(s.__table__, "tier")
        rows = conn.execute(
            sa.select(
                Customer.customer_id,
                Customer.name,
                NAME_ZH,
                s.value,
                s.label,
                tier.c.label.label("tier"),
            )
            .join(Customer, Customer.id == s.customer_pk)
            .join(tier, tier.c.customer_pk == s.customer_pk)
            .where(
                s.metric == "churn_risk",
                s.as_of == latest["churn_risk"],
                s.label.in_(RISKY_DECILES),
                tier.c.metric == "value_tier",
                tier.c.as_of == latest["value_tier"],
                tier.c.label.in_(VALUABLE_TIERS),
                inside,
            )
            .order_by(s.value.desc(), Customer.customer_id)
            .limit(limit)
        ).all()
    out = [
        {
            "customer_id": r.customer_id,
            "name": r.name,
            "name_zh": r.name_zh,
            "churn_probability": float(r.value) if r.value is not None else None,
            "risk": r.label,
            "tier": r.tier,
        }
        for r in rows
    ]
    return out, latest["churn_risk"]


def campaign_effects(workspace: Any, *, limit: int = 3) -> list[dict[str, Any]]:
    """The latest campaigns with their delivery and retention uplift in words."""
    from patron.act import results

    if workspace is None:
        return []
    out = []
    for campaign in results.list_campaigns(workspace)[:limit]:
        uplift = results.campaign_uplift(workspace, campaign["code"])
        retained = uplift["metrics"].get("retained") if uplift["measured"] else None
        out.append(
            {
                "code": campaign["code"],
                "name": campaign["name"],
                "state": campaign["state"],
                "treated": uplift["treated"],
                "control": uplift["control"],
                "verdict": retained["verdict"] if retained else uplift["reason"],
                "detectable": bool(retained and retained["detectable"]),
                "command": f"patron act campaign uplift {campaign['code']} "
                f"--workspace {workspace.root}",
            }
        )
    return out


CACHE_SECONDS = 600.0


def manager_home_for(
    workspace: Any, unit: str | None, *, today: date | None = None, wait: bool = True
) -> ManagerHome | str | None:
    """:func:`manager_home` for a unit's scope, computed by one request at a time and
    shared by every worker for ``CACHE_SECONDS`` (the CSI fits take seconds; the figures
    only change when the warehouse is synced).

    Returns the figures, or a sentence saying why there are none (no warehouse yet …),
    or — with ``wait=False`` while the first computation runs in the background — None.
    """
    from patron.core.computed import computed_once
    from patron.core.i18n import current_language
    from patron.exceptions import PatronError

    def compute() -> ManagerHome | str:
        try:
            return manager_home(AnalysisContext.open(workspace, unit=unit))
        except PatronError as error:  # e.g. the warehouse was never synced
            return str(error)

    today = today or date.today()
    # Campaign verdicts and reasons are words: one entry per language.
    key = ("manager_home", str(workspace.root), unit, today, current_language())
    kept = computed_once(workspace.root / "cache", key, compute, max_age=CACHE_SECONDS, wait=wait)
    return kept.value
