"""The report's campaigns section and the executive summary."""

from __future__ import annotations

import pandas as pd

from patron.core.i18n import N_, _, format_date
from patron.report.section import (
    Chart,
    Missing,
    ReportContext,
    Section,
    count,
    html_table,
    num,
    pct,
)

# ---------------------------------------------------------------------------------------
# Campaigns and their effect (uplift against the control group)
# ---------------------------------------------------------------------------------------

_UPLIFT_METRICS = (
    ("retained", N_("retention")),
    ("responded", N_("response")),
    ("spend", N_("revenue per member")),
)


def campaigns_section(ctx: ReportContext) -> Section:
    section = Section(
        "campaigns",
        _("Campaigns and their effect"),
        "",
        intro=_(
            "Treated members against the random control group held out of each campaign: "
            "differences in retention, response and revenue per member with 95 % intervals. "
            "An interval that covers zero means no detectable effect."
        ),
    )
    from patron.act.results import campaign_uplift, list_campaigns

    known = list_campaigns(ctx.workspace)
    if not known:
        raise Missing(_("no campaign in the workspace"))
    commands, rows = [], []
    worked: set[str] = set()
    for campaign in reversed(known):  # oldest first, as they were run
        code = campaign["code"]
        command = f"patron act campaign uplift {code} --workspace {ctx.workspace.root}"
        commands.append(command)
        result = campaign_uplift(ctx.workspace, code)
        if not result["measured"]:
            section.notes.append(
                _("Campaign {code}: {reason}").format(code=code, reason=result["reason"])
            )
            continue
        estimate = result["estimate"]
        section.charts.append(
            Chart(
                _("Uplift of campaign {code}").format(code=code),
                estimate.chart().to_dict(),
                command=command,
            )
        )
        for metric, label in _UPLIFT_METRICS:
            r = result["metrics"].get(metric)
            if r is None:
                continue
            money = metric == "spend"
            shown = ctx.money if money else pct
            gap = ctx.money if money else (lambda v: num(100 * v))
            rows.append(
                {
                    _("campaign"): code,
                    _("treated"): result["treated"],
                    _("control"): result["control"],
                    _("outcome"): _(label),
                    _("treated mean"): shown(r["treated"]),
                    _("control mean"): shown(r["control"]),
                    _("difference (95 % CI)"): _("{d} ({lo} to {hi})").format(
                        d=gap(r["difference"]), lo=gap(r["lower"]), hi=gap(r["upper"])
                    ),
                    _("verdict"): r["verdict"],
                }
            )
            if r["detectable"]:
                worked.add(code)
    section.command = "\n".join(commands)
    measured = len(section.charts)
    section.facts = [
        (_("campaigns"), count(len(known))),
        (_("measured against a control group"), count(measured)),
    ]
    if rows:
        section.tables.append(
            (
                _("Treated minus control (retention and response in points)"),
                html_table(pd.DataFrame(rows)),
            )
        )
        ctx.shared["campaigns_finding"] = (
            _("Campaigns with a detectable effect: {codes}.").format(
                codes=", ".join(sorted(worked))
            )
            if worked
            else _("No campaign had a detectable effect.")
        )
    return section


def summary_section(ctx: ReportContext, sections: list[Section]) -> Section:
    from patron.jobs import customers as jobs

    section = Section(
        "summary",
        _("Executive summary"),
        f"patron analyze overview {ctx.analysis.cli_args()}",
    )
    result = jobs.overview(ctx.analysis)
    section.figures = f = result.figures
    section.facts = [
        (_("scope"), ctx.scope.label()),
        (_("as of"), format_date(ctx.as_of)),
        (_("customers"), count(f["customers"])),
        (
            _("active in the last {days} days").format(days=f["active_days"]),
            count(f["active_customers"]),
        ),
        (
            _("revenue in the last {days} days").format(days=f["active_days"]),
            ctx.money(f["revenue_in_window"]),
        ),
    ]
    if "csi" in ctx.shared:
        section.facts.append((_("satisfaction index"), num(ctx.shared["csi"].satisfaction_index_)))
    if "pareto_top20" in ctx.shared:
        section.facts.append((_("revenue from the top 20 %"), pct(ctx.shared["pareto_top20"])))
    if "value_at_risk" in ctx.shared:
        section.facts.append((_("value at risk"), ctx.money(ctx.shared["value_at_risk"])))
    for key in (
        "csi_finding",
        "churn_finding",
        "recovery_finding",
        "elasticity_finding",
        "campaigns_finding",
    ):
        if key in ctx.shared:
            section.notes.append(ctx.shared[key])
    missing = [s.title for s in sections if s.status != "ok"]
    if missing:
        section.notes.append(
            _("Not shown for lack of data or modules: {names}.").format(names=", ".join(missing))
        )
    return section
