"""The report's churn section: who is likely to leave and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

# ---------------------------------------------------------------------------------------
# Churn risk
# ---------------------------------------------------------------------------------------


def churn_section(ctx: ReportContext) -> Section:
    section = Section(
        "churn",
        _("Churn risk and its reasons"),
        f"patron churn --horizon {ctx.horizon} {ctx.ws_arg}",
        intro=_(
            "Probability that a customer does not buy again within the horizon, from behaviour, "
            "satisfaction, complaints and contacts (calibrated gradient boosting). The figures "
            "come from a backtest: trained one horizon earlier, checked on what happened since."
        ),
    )
    from patron.analyze.churn import ChurnModel
    from patron.analyze.churn_run import predict_churn

    n = ctx.history.orders["customer_id"].nunique()
    # Large bases: a smaller sample and fewer trees keep the report inside a minute.
    large = n > 100_000
    model = ChurnModel(
        n_estimators=150 if large else 400,
        learning_rate=0.08 if large else 0.03,
        max_train_rows=50_000,
    )
    run = predict_churn(
        ctx.history,
        as_of=ctx.as_of,
        horizon=ctx.horizon,
        model=model,
        reasons_for=ctx.max_rows,
    )
    ctx.shared["churn"] = run
    scores = run.scores
    high = int((scores["churn_probability"] >= 0.5).sum())
    section.facts = [
        (_("customers scored"), count(len(scores))),
        (
            _("expected to leave within {days} days").format(days=run.horizon.days),
            count(scores["churn_probability"].sum()),
        ),
        (_("customers with risk ≥ 50 %"), count(high)),
    ]
    if run.evaluation is not None:
        ev = run.evaluation
        section.facts += [
            (_("backtest ROC AUC"), format_number(ev.roc_auc, decimals=3)),
            (_("backtest PR AUC"), format_number(ev.pr_auc, decimals=3)),
            (_("top-decile lift"), format_number(float(ev.lift["lift"].iloc[0]), decimals=2)),
        ]
        section.charts.append(
            Chart(
                _("Churn rate by decile of predicted risk (backtest)"),
                charts.bar(
                    ev.lift.assign(decile=ev.lift["decile"].astype(str)),
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
                    ev.calibration,
                    x_title=_("predicted probability"),
                    y_title=_("observed churn rate"),
                ),
            )
        )
    drivers = run.model.summary().head(12).reset_index()
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
                scores["churn_probability"].to_numpy(),
                bins=20,
                x_title=_("churn probability"),
                y_title=_("customers"),
            ),
        )
    )
    head = scores.head(ctx.max_rows).reset_index()
    clv = ctx.shared.get("clv")
    table = pd.DataFrame(
        {
            _("customer"): head["customer_id"].astype(str),
            _("churn probability"): head["churn_probability"],
            _("reasons"): ["; ".join(r) for r in head["reasons"]],
        }
    )
    formats: dict[str, Callable[[Any], str]] = {_("churn probability"): pct}
    if clv is not None:
        table.insert(2, _("CLV"), clv.reindex(head["customer_id"]).to_numpy())
        formats[_("CLV")] = ctx.money
    section.tables.append((_("Customers most at risk"), html_table(table, formats)))
    section.notes += run.notes + list(run.model.notes_)
    top_driver = drivers.iloc[0]["feature"]
    ctx.shared["churn_finding"] = _(
        "{n} customers are expected to leave within {days} days; the strongest signal is {driver}."
    ).format(n=count(scores["churn_probability"].sum()), days=run.horizon.days, driver=top_driver)
    return section
