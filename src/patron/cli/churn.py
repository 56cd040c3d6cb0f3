"""``patron churn``: who is likely to leave and why, from a table or a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.analyze import (
    EngineOption,
    WriteBackOption,
    computing,
    emit,
    open_context,
    save_results,
)
from patron.cli.options import CsvOption, JsonOption, UnitOption, WorkspaceOption
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.jobs import churn as jobs


def churn(
    table: Annotated[
        Path | None,
        typer.Argument(
            help=_("CSV or Parquet table, one row per customer (default: the workspace)."),
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help=_("Column holding churned yes/no or 1/0."))
    ] = None,
    id_col: Annotated[
        str, typer.Option("--id-col", help=_("Column naming the customer."))
    ] = "customer_id",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            "--snapshot",
            help=_("Score customers as of this day (default: the last sale in the scope)."),
            show_default=False,
        ),
    ] = None,
    horizon: Annotated[
        str,
        typer.Option("--horizon", help=_("Churned = no purchase within this span: 90d, 6m, 1y.")),
    ] = "365d",
    active_within: Annotated[
        str,
        typer.Option(
            "--active-within", help=_("Only customers who bought within this span are scored.")
        ),
    ] = "2y",
    folds: Annotated[
        int, typer.Option("--folds", help=_("Cross-validation folds for a table."))
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help=_("Seed of the folds and the model."))] = 0,
    top: Annotated[int, typer.Option("--top", help=_("Customers to list."))] = 15,
    value_at_risk: Annotated[
        bool,
        typer.Option(
            "--value-at-risk",
            help=_("Also value each customer (12-month CLV): value at risk by segment and reason."),
        ),
    ] = False,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
    write_back: WriteBackOption = False,
) -> None:
    """Predict churn with reasons; --write-back stores the scores on the customer records.

    Example: patron churn Telco-Customer-Churn.csv --label Churn --id-col customerID
    """
    if table is not None:
        from patron.analyze.churn_input import read_table
        from patron.cli.options import open_workspace
        from patron.jobs.writeback import write_back as store

        if not label:
            raise InputError(_("--label COLUMN is required with a table"))
        result = jobs.churn_of_table(
            read_table(table), label=label, id_col=id_col, folds=folds, seed=seed, top=top,
            as_of=as_of,
        )  # fmt: skip
        if write_back:
            store(open_workspace(workspace), result)
        emit(result, json=as_json, csv=csv)
        return
    ctx = open_context(None, workspace, None, None, engine, unit, as_of)
    with computing(ctx):
        result = jobs.churn(
            ctx,
            horizon=horizon,
            active_within=active_within,
            seed=seed,
            top=top,
            value_at_risk=value_at_risk,
        )
    if write_back:
        save_results(ctx, result)
    emit(result, json=as_json, csv=csv)


def register(app: typer.Typer) -> None:
    app.command(
        "churn",
        help=_(
            "Predict who will leave and why (calibrated gradient boosting, reasons in words). "
            "Example: patron churn data.csv --label Churn --id-col customerID"
        ),
    )(churn)
