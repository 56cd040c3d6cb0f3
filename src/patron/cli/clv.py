"""``patron clv``: fit a Buy-Till-You-Die model on the sales and predict every customer's value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.analyze import EngineOption, LimitOption, WriteBackOption, computing, emit
from patron.cli.options import (
    CsvOption,
    JsonOption,
    UnitOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
)
from patron.core.i18n import _
from patron.core.workspace import Workspace
from patron.jobs import clv as jobs


def clv(
    transactions: Annotated[
        Path | None,
        typer.Argument(
            help=_(
                "Transaction file (CSV, whitespace text or Parquet); default: the sales in"
                " the workspace's warehouse."
            ),
            show_default=False,
        ),
    ] = None,
    customer_col: Annotated[
        str, typer.Option("--customer-col", help=_("Customer column: name, or position from 1."))
    ] = "customer_id",
    date_col: Annotated[
        str, typer.Option("--date-col", help=_("Purchase date column: name, or position from 1."))
    ] = "ordered_at",
    amount_col: Annotated[
        str | None,
        typer.Option(
            "--amount-col", help=_("Spend column: name, or position from 1 (enables CLV).")
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help=_("strftime format of the dates, e.g. %Y%m%d.")),
    ] = None,
    calibration_end: Annotated[
        str | None,
        typer.Option(
            "--calibration-end",
            "--as-of",
            help=_("Last day of the calibration period (default: the last sale)."),
            show_default=False,
        ),
    ] = None,
    holdout_end: Annotated[
        str | None,
        typer.Option(
            "--holdout-end",
            help=_("Last day of the holdout period: compare predictions with what happened."),
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help=_("Purchase model: bgnbd, mbgnbd or pareto."))
    ] = "bgnbd",
    time_unit: Annotated[
        str | None,
        typer.Option(
            "--time-unit",
            help=_(
                "Time unit of the model: day, week or month (default: the workspace's time unit)."
            ),
            show_default=False,
        ),
    ] = None,
    months: Annotated[int, typer.Option("--months", help=_("CLV horizon in months."))] = 12,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", help=_("Monthly discount rate of the CLV."))
    ] = 0.01,
    margin: Annotated[
        float, typer.Option("--margin", help=_("Share of spend that is profit, for the CLV."))
    ] = 1.0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help=_("Write per-customer predictions to this Parquet file.")),
    ] = None,
    covariates: Annotated[
        str | None,
        typer.Option(
            "--covariates",
            help=_(
                "Covariates of the purchase and spend models, comma-separated: satisfaction, "
                "first_purchase_value, channel or columns of the customers table."
            ),
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws", help=_("Parameter draws behind the 95 % intervals (0: no intervals).")
        ),
    ] = 200,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
    write_back: WriteBackOption = False,
    limit: LimitOption = 20,
) -> None:
    """Fit BG/NBD, MBG/NBD or Pareto/NBD (+ Gamma-Gamma spend) and predict every customer.

    Example: patron clv --unit cdnow --calibration-end 1997-09-30 --holdout-end 1998-06-30

    Example: patron clv --unit hotel --covariates satisfaction,channel

    Example: patron clv CDNOW_sample.txt --customer-col 2 --date-col 3 --amount-col 5
    --date-format %Y%m%d --calibration-end 1997-09-30 --holdout-end 1998-06-30
    """
    if transactions is not None:
        ws = Workspace.open(workspace) if workspace is not None else None
        with err_console.status(_("Reading transactions…")):
            ctx = jobs.transactions_context(
                transactions,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                date_format=date_format,
                workspace=ws,
                engine=engine,
            )
    else:
        from patron.jobs.context import AnalysisContext

        ws = open_workspace(workspace)
        ctx = AnalysisContext.open(ws, unit=unit, engine=engine)
    with computing(ctx):
        result = jobs.clv(
            ctx,
            model=model,
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            months=months,
            discount_rate=discount_rate,
            margin=margin,
            time_unit=time_unit,
            limit=limit,
            covariates=covariates,
            n_draws=draws,
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        result.frame.to_parquet(out, index=False)
        result.extra["predictions_file"] = str(out)
    if write_back:
        written, path = jobs.write_back(ws, result)
        result.extra["scores_written"] = written
        err_console.print(
            _("Wrote {n} scores as of {date} and {path}").format(
                n=written, date=result.as_of, path=path
            )
        )
    emit(result, json=as_json, csv=csv)
    if out is not None and not (as_json or csv):
        console.print(
            _("Predictions for {n} customers written to {path}").format(
                n=len(result.frame), path=out
            )
        )


def register(app: typer.Typer) -> None:
    app.command(
        "clv",
        help=_(
            "Customer lifetime value: fit BG/NBD, MBG/NBD or Pareto/NBD and predict each customer."
        ),
    )(clv)
