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
        *(
            [
                (
                    _("total CLV, 95 % interval"),
                    f"{ctx.money(figures['clv_total_lower'])} – "
                    f"{ctx.money(figures['clv_total_upper'])}",
                )
            ]
            if "clv_total_lower" in figures
            else []
        ),
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
    if "clv_lower" in predictions.columns:
        # A CLV is an estimate: shown with its 95 % interval from the parameters' uncertainty.
        top["interval"] = [
            f"{ctx.money(predictions.at[i, 'clv_lower'])} – "
            f"{ctx.money(predictions.at[i, 'clv_upper'])}"
            for i in top.index
        ]
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
                        "interval": _("95 % interval"),
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


# ---------------------------------------------------------------------------------------
# What satisfaction is worth
# ---------------------------------------------------------------------------------------


def clv_satisfaction_section(ctx: ReportContext) -> Section:
    """CLV with survey satisfaction as a covariate: what one more point is worth."""
    section = Section(
        "clv_satisfaction",
        _("What satisfaction is worth"),
        f"patron clv --calibration-end {ctx.as_of.isoformat()} --covariates satisfaction "
        f"{ctx.ws_arg}",
        intro=_(
            "BG/NBD and Gamma-Gamma with each surveyed customer's mean satisfaction (1–10, up "
            "to the calibration end) as a covariate of how often they buy, how soon they "
            "leave and how much they spend: the 12-month CLV one more point of satisfaction "
            "brings, all else equal, with its 95 % interval."
        ),
    )
    from patron.analyze.clv.uncertainty import covariate_curve
    from patron.exceptions import InputError
    from patron.jobs import clv as jobs

    try:
        result = ctx.analysis.cached(
            ("clv", ctx.as_of, 12, "satisfaction"),
            lambda: jobs.clv(
                ctx.analysis, calibration_end=ctx.as_of, months=12, covariates="satisfaction"
            ),
        )
    except InputError as exc:
        raise Missing(str(exc)) from exc
    figures = result.figures
    if "clv_per_point_satisfaction" not in figures:
        raise Missing(_("the CLV models with satisfaction gave no interval"))
    section.figures = figures
    section.facts = [
        (_("surveyed customers valued"), count(figures["customers"])),
        (
            _("12-month CLV per point of satisfaction"),
            ctx.money(figures["clv_per_point_satisfaction"]),
        ),
        (
            _("95 % interval"),
            f"{ctx.money(figures['clv_per_point_satisfaction_lower'])} – "
            f"{ctx.money(figures['clv_per_point_satisfaction_upper'])}",
        ),
        (
            _("purchase rate per point (effect on the log rate)"),
            f"{figures['param_alpha: satisfaction']:+.3f}",
        ),
    ]
    if figures.get("covariates_missing"):
        section.notes.append(
            _("{n} customers without a survey answer are not in this model").format(
                n=count(figures["covariates_missing"])
            )
        )
    frame = result.frame
    curve = covariate_curve(
        result.spend_model,
        result.model,
        frame,
        "satisfaction",
        range(1, 11),
        time_unit=result.extra["time_unit"],
        n_draws=100,
    )
    section.charts.append(
        Chart(
            _("Mean 12-month CLV if every surveyed customer had this satisfaction (95 % band)"),
            charts.band(
                curve,
                x="value",
                y="estimate",
                low="lower",
                high="upper",
                x_title=_("satisfaction (1–10)"),
                y_title=_("mean CLV"),
            ),
        )
    )
    return section
