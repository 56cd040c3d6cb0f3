"""The report's CSI section: the satisfaction index and its drivers."""

from __future__ import annotations

from patron.core.i18n import _
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


def csi_section(ctx: ReportContext) -> Section:
    section = Section(
        "csi",
        _("Customer satisfaction index and its drivers"),
        f"patron csi --model acsi {ctx.ws_arg}",
        intro=_(
            "ACSI model estimated by PLS path modelling on the survey answers; the index is 0–100. "
            "The map shows each driver's importance (total effect on satisfaction) against its "
            "performance: improve first what matters much and scores low."
        ),
    )
    from patron.analyze.csi import CSIModel, preset

    if not ctx.history.has_surveys:
        raise Missing(_("no survey answers in the workspace"))
    answers, _features = ctx.history.survey_answers()
    items = [i for c in preset("acsi").constructs for i in c.items if i in answers.columns]
    wide = answers[["customer_id", *items]]
    model = CSIModel(spec="acsi").fit(wide)
    ctx.shared["csi"] = model
    section.facts = [
        (_("satisfaction index (0–100)"), num(model.satisfaction_index_)),
        (_("respondents"), count(len(model.customer_scores_))),
    ]
    index = model.index_.rename("index").reset_index()
    index.columns = ["construct", "index"]
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
        Chart(_("Importance–performance map (IPMA)"), model.ipma_.chart().to_dict())
    )
    plan = model.ipma_.improvement_list(8).reset_index()
    section.tables.append(
        (
            _("Improve first (importance × room to improve)"),
            html_table(
                plan[["item", "construct", "importance", "performance", "priority"]].rename(
                    columns={
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
        "Satisfaction index {index}; improve {item} ({construct}) first."
    ).format(index=num(model.satisfaction_index_), item=top["item"], construct=top["construct"])
    return section
