"""The report's CLV section: expected value of each customer's next 12 months."""

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
    from patron.analyze.clv.pipeline import run_clv

    orders = ctx.history.orders[["customer_id", "ordered_at", "amount"]]
    result = run_clv(orders, calibration_end=ctx.as_of, model="bgnbd", time_unit="W", months=12)
    if "clv" not in result.predictions.columns:
        # The spend model refuses repeat buyers whose mean spend is 0 (free orders):
        # value the base on the paid orders and say so.
        paid = orders[orders["amount"] > 0]
        result = run_clv(paid, calibration_end=ctx.as_of, model="bgnbd", time_unit="W", months=12)
        if "clv" not in result.predictions.columns:
            raise Missing(_("the spend model could not be fitted: no CLV"))
        section.notes.append(
            _("{n} orders of amount 0 left out of the CLV").format(n=count(len(orders) - len(paid)))
        )
    predictions = result.predictions.set_index("customer_id")
    clv = predictions["clv"].astype(float).rename("clv")
    p_alive = predictions["p_alive"].astype(float)
    ctx.shared["clv"] = clv
    section.facts = [
        (_("customers valued"), count(len(clv))),
        (_("total 12-month CLV"), ctx.money(clv.sum())),
        (_("mean CLV"), ctx.money(clv.mean())),
        (
            _("share held by the top 10 %"),
            pct(clv.nlargest(max(1, len(clv) // 10)).sum() / clv.sum()),
        ),
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
    params = result.model.params_
    section.notes.append(
        _("BG/NBD parameters: {params}").format(
            params=", ".join(f"{k} {float(v):.3f}" for k, v in params.items())
        )
    )
    return section
