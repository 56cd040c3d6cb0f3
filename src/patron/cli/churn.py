"""``patron churn``: who is likely to leave and why, from a table or a workspace."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, UnitOption, WorkspaceOption, console, print_json
from patron.core.i18n import _
from patron.exceptions import InputError


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
    snapshot: Annotated[
        str | None,
        typer.Option(
            "--snapshot",
            help=_("Score customers as of this date (default: the last purchase in the data)."),
            show_default=False,
        ),
    ] = None,
    horizon: Annotated[
        str,
        typer.Option("--horizon", help=_("Churned = no purchase within this span: 90d, 6m, 1y.")),
    ] = "90d",
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
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Predict churn with reasons; on a workspace the scores go to the customer record.

    Example: patron churn Telco-Customer-Churn.csv --label Churn --id-col customerID
    """
    from patron.analyze.churn import ChurnModel, read_table
    from patron.cli.options import open_workspace
    from patron.collect.scores import write_scores

    if table is not None:
        if not label:
            raise InputError(_("--label COLUMN is required with a table"))
        frame = read_table(table)
        model = ChurnModel(label=label, id_col=id_col, random_state=seed)
        evaluation = model.cross_validate(frame, folds=folds, seed=seed)
        model.fit(frame)
        scored = model.score(frame)
        written = 0
        if workspace is not None:
            ws = open_workspace(workspace)
            rows = scored.reset_index().rename(columns={scored.index.name: "customer_id"})
            rows = rows.assign(
                metric="churn_risk",
                value=rows["churn_probability"],
                detail=[{"reasons": list(r)} for r in rows["reasons"]],
            )
            as_of = date.fromisoformat(snapshot) if snapshot else date.today()
            written = write_scores(ws, rows, as_of=as_of, model="churn-lightgbm")
        if as_json:
            print_json(
                {
                    "evaluation": evaluation.to_dict(),
                    "drivers": model.summary().reset_index().to_dict(orient="records"),
                    "top": [
                        {"customer_id": str(i), "churn_probability": float(p), "reasons": r}
                        for i, p, r in zip(
                            scored.index[:top],
                            scored["churn_probability"][:top],
                            scored["reasons"][:top],
                            strict=True,
                        )
                    ],
                    "notes": model.notes_,
                    "scores_written": written,
                }
            )
            return
        evaluation.printer().print(console)
        model.printer().print(console)
        import pandas as pd

        head = scored.head(top)
        from patron.core.printer import Printer

        Printer(
            title=_("Customers most at risk"),
            tables=[
                (
                    "",
                    pd.DataFrame(
                        {
                            _("churn probability"): head["churn_probability"].to_numpy(),
                            _("reasons"): ["; ".join(r) for r in head["reasons"]],
                        },
                        index=pd.Index(head.index.astype(str), name=_("customer")),
                    ),
                )
            ],
        ).print(console)
        if written:
            console.print(_("{n} churn scores written to the store").format(n=written))
        return

    from patron.analyze.churn_data import CustomerHistory
    from patron.analyze.churn_run import predict_churn

    ws = open_workspace(workspace)
    history = CustomerHistory.from_workspace(ws, unit=unit)
    run = predict_churn(
        history,
        as_of=snapshot,
        horizon=horizon,
        model=ChurnModel(random_state=seed),
        active_within=active_within,
    )
    written = write_scores(ws, run.score_rows(), as_of=run.as_of, model="churn-lightgbm")
    if as_json:
        payload = run.to_dict(top=top)
        payload["scores_written"] = written
        print_json(payload)
        return
    run.printer(top=top).print(console)
    console.print(_("{n} churn scores written to the store").format(n=written))


def register(app: typer.Typer) -> None:
    app.command(
        "churn",
        help=_(
            "Predict who will leave and why (calibrated gradient boosting, reasons in words). "
            "Example: patron churn data.csv --label Churn --id-col customerID"
        ),
    )(churn)
