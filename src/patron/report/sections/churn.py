"""The report's churn section: who is likely to leave and why (the ``churn`` job's figures)."""

from __future__ import annotations

import pandas as pd

from patron.core.i18n import _, format_number
from patron.report import charts
from patron.report.section import (
    Chart,
    ReportContext,
    Section,
    count,
    html_table,
    pct,
)


def churn_result(ctx: ReportContext, *, value_at_risk: bool = False):
    """The churn job as the report runs it: ``patron churn --horizon H [--value-at-risk]``
    on the report's scope and date (reasons worded for the listed customers only; the
    figures do not depend on that)."""
    from patron.jobs import churn

    return churn.churn(
        ctx.analysis,
        horizon=ctx.horizon,
        reasons_for=ctx.max_rows,
        value_at_risk=value_at_risk,
    )


def churn_command(ctx: ReportContext, *, value_at_risk: bool = False) -> str:
    """The command whose ``--json`` figures are :func:`churn_result`'s."""
    flag = " --value-at-risk" if value_at_risk else ""
    return f"patron churn --horizon {ctx.horizon}{flag} {ctx.analysis.cli_args()}"


def churn_section(ctx: ReportContext) -> Section:
    section = Section(
        "churn",
        _("Churn risk and its reasons"),
        churn_command(ctx),
        intro=_(
            "Probability that a customer does not buy again within the horizon, from behaviour, "
            "satisfaction, complaints and contacts (calibrated gradient boosting). The figures "
            "come from a backtest: trained one horizon earlier, checked on what happened since."
        ),
    )
    result = churn_result(ctx)
    f = section.figures = result.figures
    days = f["horizon_days"]
    section.facts = [
        (_("customers scored"), count(f["customers"])),
        (
            _("expected to leave within {days} days").format(days=days),
            count(f["expected_churners"]),
        ),
        (_("customers with risk ≥ 50 %"), count(f["high_risk"])),
    ]
    if "roc_auc" in f:
        section.facts += [
            (_("backtest ROC AUC"), format_number(f["roc_auc"], decimals=3)),
            (_("backtest PR AUC"), format_number(f["pr_auc"], decimals=3)),
            (_("top-decile lift"), format_number(f["top_decile_lift"], decimals=2)),
        ]
        lift = result.tables["lift"]
        section.charts.append(
            Chart(
                _("Churn rate by decile of predicted risk (backtest)"),
                charts.bar(
                    lift.assign(decile=lift["decile"].astype(str)),
                    x="decile",
                    y="churn_rate",
                    x_title=_("risk decile (1 = riskiest)"),
                    y_title=_("churn rate"),
                    sort=[str(i) for i in range(1, 11)],
                    y_format="%",
                ),
            )
        )
        section.charts.append(
            Chart(
                _("Calibration: predicted against observed churn (backtest)"),
                charts.calibration(
                    result.tables["calibration"],
                    x_title=_("predicted probability"),
                    y_title=_("observed churn rate"),
                ),
            )
        )
    drivers = result.tables["drivers"].head(12)
    section.charts.append(
        Chart(
            _("What drives churn (mean contribution to the log-odds)"),
            charts.bar(
                drivers,
                x="feature",
                y="importance",
                x_title=_("feature"),
                y_title=_("importance"),
                horizontal=True,
            ),
        )
    )
    section.charts.append(
        Chart(
            _("Distribution of churn probability"),
            charts.histogram(
                result.frame["churn_probability"].to_numpy(),
                bins=20,
                x_title=_("churn probability"),
                y_title=_("customers"),
            ),
        )
    )
    from patron.collect.customer_names import customer_names

    head = result.frame.head(ctx.max_rows)
    names = customer_names(_store_url(ctx), head["customer_id"])
    table = pd.DataFrame(
        {
            _("customer"): [names.get(str(c), str(c)) for c in head["customer_id"]],
            _("churn probability"): head["churn_probability"],
            _("reasons"): ["; ".join(r) for r in head["reasons"]],
        }
    )
    section.tables.append(
        (_("Customers most at risk"), html_table(table, {_("churn probability"): pct}))
    )
    section.notes += result.extra["notes"]
    ctx.shared["churn_finding"] = _(
        "{n} customers are expected to leave within {days} days; the strongest signal is {driver}."
    ).format(n=count(f["expected_churners"]), days=days, driver=drivers.iloc[0]["feature"])
    return section


def _store_url(ctx: ReportContext) -> str | None:
    """The store holding the customers' names (none for a report on a file)."""
    workspace = ctx.workspace
    return workspace.database_url if workspace is not None else None
