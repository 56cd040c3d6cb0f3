"""The report's CSI section: the satisfaction index and its drivers."""

from __future__ import annotations

from patron.core.i18n import _, format_number
from patron.report import charts
from patron.report.section import (
    Chart,
    Missing,
    ReportContext,
    Section,
    count,
    html_table,
    num,
)

# ---------------------------------------------------------------------------------------
# CSI and its drivers
# ---------------------------------------------------------------------------------------


#: The report's CSI: the ACSI model with a seeded bootstrap for the index's interval.
MODEL, BOOTSTRAP, SEED = "acsi", 500, 1


def csi_section(ctx: ReportContext) -> Section:
    from patron.jobs import csi as jobs
    from patron.jobs.context import AnalysisContext

    section = Section(
        "csi",
        _("Customer satisfaction index and its drivers"),
        f"patron csi --model {MODEL} --bootstrap {BOOTSTRAP} --seed {SEED} "
        f"--as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "ACSI model estimated by PLS path modelling on the survey answers; the index is 0–100. "
            "The map shows each driver's importance (total effect on satisfaction) against its "
            "performance: improve first what matters much and scores low."
        ),
    )
    if not ctx.analysis.reader.has("survey_responses"):
        raise Missing(_("no survey answers in the workspace"))
    # The answers given on or before the report's date, as the printed command reads them
    # (the report shows progress per section, not the bootstrap's).
    analysis = AnalysisContext(ctx.analysis.reader, ctx.as_of)
    result = jobs.csi(analysis, model=MODEL, bootstrap=BOOTSTRAP, seed=SEED)
    model = result.model
    ctx.shared["csi"] = model
    figures = section.figures = result.figures
    section.facts = [
        (_("satisfaction index (0–100)"), num(figures["satisfaction_index"])),
        (
            _("95% interval"),
            "{} – {}".format(
                num(figures["satisfaction_index_lower"]), num(figures["satisfaction_index_upper"])
            ),
        ),
        (_("respondents"), count(figures["respondents"])),
        (_("R² of satisfaction"), format_number(figures["r2_satisfaction"], decimals=3)),
        (_("SRMR"), format_number(figures["srmr"], decimals=3)),
    ]
    # Constructs in words ("Perceived quality", 感知质量), not their model names.
    names = {c: model.spec_.label(c) for c in model.index_.index}
    index = result.tables["indices"].assign(
        construct=lambda t: [names.get(c, c) for c in t["construct"]]
    )
    section.charts.append(
        Chart(
            _("Index of every construct (0–100)"),
            charts.bar(
                index,
                x="construct",
                y="index",
                x_title=_("construct"),
                y_title=_("index (0–100)"),
                sort=list(index["construct"]),
            ),
        )
    )
    section.charts.append(
        Chart(_("Importance–performance map (IPMA)"), model.ipma_.chart(names=names).to_dict())
    )
    from patron.collect.questions import item_questions

    plan = result.tables["ipma"].head(8).copy()
    # The question's words, not its code ("improve PQ1 first" says nothing to a manager).
    words = item_questions(ctx.workspace.database_url, plan["item"])
    plan["question"] = [words.get(code, code) for code in plan["item"]]
    plan["construct"] = [names.get(c, c) for c in plan["construct"]]
    section.tables.append(
        (
            _("Improve first (importance × room to improve)"),
            html_table(
                plan[
                    ["question", "item", "construct", "importance", "performance", "priority"]
                ].rename(
                    columns={
                        "question": _("question"),
                        "item": _("item"),
                        "construct": _("construct"),
                        "importance": _("importance"),
                        "performance": _("performance"),
                        "priority": _("priority"),
                    }
                )
            ),
        )
    )
    top = plan.iloc[0]
    ctx.shared["csi_finding"] = _(
        "Satisfaction index {index}; improve first: “{question}” ({item})."
    ).format(index=num(figures["satisfaction_index"]), question=top["question"], item=top["item"])
    return section
