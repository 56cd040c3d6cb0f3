"""The satisfaction-link jobs: what customers did after what they said, one job per view.

Each job follows the customers in scope from a moment (a survey answer; a purchase and
the complaint that followed it) over the horizon, up to the end of the context's as-of
day, and returns a :class:`~patron.jobs.result.JobResult` whose ``figures`` the report
shows and ``patron linkage VIEW … --json`` prints.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.exceptions import InputError
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

#: The views, with the title each prints under.
VIEWS: dict[str, str] = {
    "satisfaction": N_("Bought again by satisfaction level"),
    "expectations": N_("Expectation against perception and what came next"),
    "recovery": N_("Retention after a purchase, by complaint outcome"),
    "nps": N_("Bought again by NPS class"),
    "elasticity": N_("Revenue kept by one more point of each driver"),
}
# Columns shown on a terminal, in this order, when the view has them.
_SHOWN = (
    "label",
    "level",
    "driver",
    "moments",
    "retention",
    "retention_low",
    "retention_high",
    "spend_mean",
    "effect",
    "complained_next",
    "total_effect",
    "retention_per_point",
    "revenue_kept",
)


def _end(ctx: AnalysisContext) -> pd.Timestamp:
    from patron.analyze.churn_data import end_of_day

    return end_of_day(ctx.as_of)


def _key(value: Any) -> str:
    """A level as a figure key: ``very satisfied`` → ``very_satisfied``, 7 → ``7``."""
    return str(value).strip().lower().replace(" ", "_")


def _result(
    ctx: AnalysisContext,
    view: str,
    table: pd.DataFrame,
    figures: dict[str, Any],
    *,
    horizon: str,
    facts: dict[str, Any] | None = None,
) -> JobResult:
    shown = [
        c for c in _SHOWN if c in table.columns and not (c == "level" and "label" in table.columns)
    ]
    if facts is None:
        facts = {_("answers followed"): figures["answers"]}
    printer = Printer(
        title=f"{_(VIEWS[view])} ({ctx.scope.label()})",
        facts=facts,
        tables=[("", table[shown])],
    )
    return JobResult(
        f"linkage_{view}",
        ctx.scope,
        ctx.as_of,
        figures,
        {"rows": table},
        printer=printer,
        extra={"view": view, "horizon": horizon},
    )


def _by_group(table: pd.DataFrame, group: str, *columns: str) -> dict[str, float]:
    """Figures ``<column>_<group>`` (``retention_promoter``) for each row of ``table``."""
    return {
        f"{column}_{_key(g)}": float(v)
        for column in columns
        for g, v in zip(table[group], table[column], strict=True)
    }


def _followed(table: pd.DataFrame, group: str, *, moments: str = "answers") -> dict[str, Any]:
    """How many moments were followed, and the retention after each group's."""
    return {moments: int(table["moments"].sum()), **_by_group(table, group, "retention")}


def satisfaction(ctx: AnalysisContext, *, horizon: str = "365d", by: str = "band") -> JobResult:
    """Retention and spend after each survey answer, by satisfaction level (figure 5-2)."""
    from patron.analyze import linkage

    table = linkage.satisfaction_loyalty_curve(ctx.history(), horizon=horizon, by=by, end=_end(ctx))
    figures = {**_followed(table, "level"), "returned": int(table["returned"].sum())}
    figures["retention_gap"] = float(table["retention"].iloc[-1] - table["retention"].iloc[0])
    facts = {
        _("answers followed"): figures["answers"],
        _("retention, highest against lowest level"): figures["retention_gap"],
    }
    return _result(ctx, "satisfaction", table, figures, horizon=horizon, facts=facts)


def expectations(ctx: AnalysisContext, *, horizon: str = "365d") -> JobResult:
    """Perception above, equal to or below expectation, and what came next (table 5-1)."""
    from patron.analyze import linkage

    table = linkage.expectation_classes(ctx.history(), horizon=horizon, end=_end(ctx))
    figures = {**_followed(table, "class"), **_by_group(table, "class", "complained_next")}
    return _result(ctx, "expectations", table, figures, horizon=horizon)


def recovery(ctx: AnalysisContext, *, horizon: str = "365d") -> JobResult:
    """Retention and spend after purchases with no complaint, a resolved or an unresolved one."""
    from patron.analyze import linkage

    history = ctx.history()
    if history.complaints is None or history.complaints.empty:
        raise InputError(_("no complaints in {scope}").format(scope=ctx.scope.label()))
    table = linkage.complaint_recovery(history, horizon=horizon, end=_end(ctx))
    figures = _followed(table, "complaint", moments="purchases")
    if "effect" in table.columns:
        effects = table[table["complaint"] != "none"]
        figures.update(_by_group(effects, "complaint", "effect", "effect_low", "effect_high"))
    facts = {_("purchases followed"): figures["purchases"]}
    for kind, label in linkage.COMPLAINT_CLASSES.items():
        if f"retention_{kind}" in figures:
            facts[_("bought again: {label}").format(label=_(label))] = figures[f"retention_{kind}"]
    return _result(ctx, "recovery", table, figures, horizon=horizon, facts=facts)


def nps(ctx: AnalysisContext, *, horizon: str = "365d") -> JobResult:
    """Repeat-purchase rate by NPS class (promoter 9–10, passive 7–8, detractor 0–6)."""
    from patron.analyze import linkage

    table = linkage.nps_repeat(ctx.history(), horizon=horizon, end=_end(ctx))
    return _result(ctx, "nps", table, _followed(table, "class"), horizon=horizon)


def active_customers(ctx: AnalysisContext) -> int:
    """Customers in scope whose last sale is within the vocabulary's ``active_days`` of
    the end of the as-of day."""
    orders = ctx.history().orders
    end = _end(ctx)
    past = orders[orders["ordered_at"] <= end]
    last = past.groupby("customer_id")["ordered_at"].max()
    return int((last >= end - pd.Timedelta(days=ctx.vocabulary.active_days)).sum())


def elasticity(ctx: AnalysisContext, *, horizon: str = "365d") -> JobResult:
    """How much retention, and revenue, one more point of each satisfaction driver keeps
    across the active customers in scope."""
    from patron.analyze import linkage

    table = linkage.retention_elasticity(
        ctx.history(), horizon=horizon, customers=active_customers(ctx), end=_end(ctx)
    )
    figures: dict[str, Any] = {
        "active_customers": int(table.attrs["customers"]),
        "revenue_per_customer": float(table.attrs["revenue_per_customer"]),
        "retention_per_satisfaction_point": float(table.attrs["satisfaction_retention_per_point"]),
        **_by_group(
            table, "driver", "total_effect", "retention_per_point", "customers_kept", "revenue_kept"
        ),
    }
    facts = {
        _("active customers"): figures["active_customers"],
        _("revenue per retained customer"): figures["revenue_per_customer"],
        _("retention per satisfaction point"): figures["retention_per_satisfaction_point"],
    }
    return _result(ctx, "elasticity", table, figures, horizon=horizon, facts=facts)


#: The job of each view.
JOBS = {
    "satisfaction": satisfaction,
    "expectations": expectations,
    "recovery": recovery,
    "nps": nps,
    "elasticity": elasticity,
}


def linkage(
    ctx: AnalysisContext, view: str, *, horizon: str = "365d", by: str = "band"
) -> JobResult:
    """The job of ``view`` (one of :data:`VIEWS`); ``by`` applies to ``satisfaction``."""
    if view not in JOBS:
        raise InputError(
            _("unknown view {view!r}: use one of {choices}").format(
                view=view, choices=", ".join(VIEWS)
            )
        )
    if view == "satisfaction":
        return satisfaction(ctx, horizon=horizon, by=by)
    return JOBS[view](ctx, horizon=horizon)
