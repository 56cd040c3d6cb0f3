"""The report's CLV section: expected value of each customer's next 12 months.

Its figures are :func:`patron.jobs.clv.clv`'s, computed with the arguments of the
command it prints, so ``that command --json`` shows the same ``figures``.
"""

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
    pct,
)

# ---------------------------------------------------------------------------------------
# CLV
# ---------------------------------------------------------------------------------------


def clv_section(ctx: ReportContext) -> Section:
    section = Section(
        "clv",
        _("Customer lifetime value"),
        f"patron clv --calibration-end {ctx.as_of.isoformat()} {ctx.ws_arg}",
        intro=_(
            "Expected value of each customer's purchases over the next 12 months: BG/NBD for "
            "how often, Gamma-Gamma for how much, discounted at 1 % a month."
        ),
    )
    from patron.jobs import clv as jobs

    result = ctx.analysis.cached(
        ("clv", ctx.as_of, 12),
        lambda: jobs.clv(ctx.analysis, calibration_end=ctx.as_of, months=12),
    )
    figures = result.figures
    if "clv_total" not in figures:
        raise Missing(_("the spend model could not be fitted: no CLV"))
    section.figures = figures
    if figures.get("free_repeat_buyers"):
        section.notes.append(
            _(
                "{n} repeat buyers whose repeat purchases were all free are left out of the"
                " spend model"
            ).format(n=count(figures["free_repeat_buyers"]))
        )
    predictions = result.frame.set_index("customer_id")
    clv = predictions["clv"].astype(float).rename("clv")
    p_alive = predictions["p_alive"].astype(float)
    ctx.shared["clv"] = clv
    section.facts = [
        (_("customers valued"), count(figures["customers"])),
        (_("total 12-month CLV"), ctx.money(figures["clv_total"])),
        (_("mean CLV"), ctx.money(figures["clv_mean"])),
        (_("share held by the top 10 %"), pct(figures["clv_top_10pct_share"])),
    ]
    section.charts.append(
        Chart(
            _("Distribution of 12-month CLV (log scale)"),
            charts.histogram(
                clv.to_numpy(), bins=40, x_title=_("CLV"), y_title=_("customers"), log_x=True
            ),
        )
    )
    top = clv.nlargest(ctx.max_rows // 2).to_frame()
    top["p_alive"] = p_alive.loc[top.index].to_numpy()
    top["purchases"] = predictions.loc[top.index, "frequency"].to_numpy() + 1
    top = top.reset_index()
    from patron.collect.customer_names import customer_names

    workspace = ctx.workspace
    names = customer_names(
        workspace.database_url if workspace is not None else None, top["customer_id"]
    )
    top["customer_id"] = [names.get(str(c), str(c)) for c in top["customer_id"]]
    section.tables.append(
        (
            _("Most valuable customers"),
            html_table(
                top.rename(
                    columns={
                        "customer_id": _("customer"),
                        "clv": _("CLV"),
                        "p_alive": _("P(alive)"),
                        "purchases": _("purchase days"),
                    }
                ),
                {_("CLV"): ctx.money, _("P(alive)"): pct},
            ),
        )
    )
    params = {k.removeprefix("param_"): v for k, v in figures.items() if k.startswith("param_")}
    section.notes.append(
        _("BG/NBD parameters: {params}").format(
            params=", ".join(f"{k} {float(v):.3f}" for k, v in params.items())
        )
    )
    return section
