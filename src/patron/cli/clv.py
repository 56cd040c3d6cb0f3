"""``patron clv``: fit a Buy-Till-You-Die model on transactions and predict every customer's value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, WorkspaceOption, console, open_workspace, print_json
from patron.core.i18n import _
from patron.exceptions import InputError

_UNITS = {"week": "W", "weeks": "W", "w": "W", "day": "D", "days": "D", "d": "D"}


def clv(
    transactions: Annotated[
        Path | None,
        typer.Argument(
            help=_(
                "Transaction file (CSV, whitespace text or Parquet); default: the workspace's orders."
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
            help=_("Last day of the calibration period (default: the last purchase)."),
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
        str, typer.Option("--time-unit", help=_("Time unit of the model: week or day."))
    ] = "week",
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
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fit BG/NBD, MBG/NBD or Pareto/NBD (+ Gamma-Gamma spend) and predict every customer.

    Example: patron clv CDNOW_sample.txt --customer-col 2 --date-col 3 --amount-col 5
    --date-format %Y%m%d --calibration-end 1997-09-30 --holdout-end 1998-06-30
    """
    import pandas as pd

    from patron.analyze.clv.data import read_transactions
    from patron.analyze.clv.pipeline import run_clv

    unit = _UNITS.get(time_unit.strip().lower())
    if unit is None:
        raise InputError(_("unknown time unit {unit!r}: use week or day").format(unit=time_unit))
    ws = open_workspace(workspace) if (workspace is not None or transactions is None) else None
    with console.status(_("Reading transactions…")) if not as_json else _null():
        if transactions is not None:
            frame = read_transactions(
                transactions,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                date_format=date_format,
            )
        else:
            frame = _workspace_orders(ws)
            amount_col = "amount"
    with console.status(_("Fitting the model…")) if not as_json else _null():
        result = run_clv(
            frame,
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            model=model.strip().lower(),
            time_unit=unit,
            amount=amount_col is not None,
            months=months,
            discount_rate=discount_rate,
            margin=margin,
        )
    written = 0
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        result.predictions.to_parquet(out, index=False)
    if ws is not None:
        from patron.collect.scores import write_scores

        p = result.predictions
        metrics = ["expected_purchases_52w", "p_alive"] + (["clv"] if "clv" in p else [])
        scores = pd.concat(
            [
                pd.DataFrame({"customer_id": p["customer_id"], "metric": m, "value": p[m]})
                for m in metrics
            ],
            ignore_index=True,
        )
        written = write_scores(ws, scores, as_of=result.calibration_end, model=model)
    if as_json:
        payload = result.to_dict()
        payload["predictions_file"] = str(out) if out is not None else None
        payload["scores_written"] = written if ws is not None else None
        print_json(payload)
        return
    result.printer().print(console)
    if out is not None:
        console.print(
            _("Predictions for {n} customers written to {path}").format(
                n=len(result.predictions), path=out
            )
        )
    if ws is not None:
        console.print(_("{n} scores written to the workspace store").format(n=written))


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _workspace_orders(ws):  # type: ignore[no-untyped-def]
    """The workspace's orders from the warehouse (written by ``patron sync``)."""
    import glob

    from patron.analyze import engine

    try:
        from patron.collect.warehouse import table_path
    except ImportError as exc:
        raise InputError(
            _("this workspace has no warehouse yet: run patron sync, or pass a transaction file")
        ) from exc
    path = table_path(ws, "orders")
    if not glob.glob(path):
        raise InputError(
            _("no orders in the warehouse at {path}: run patron sync first").format(path=path)
        )
    con = engine.connect()
    table = con.read_parquet(path)
    frame = engine.to_pandas(table.select("customer_id", "ordered_at", "amount"), con)
    frame["ordered_at"] = pd_naive(frame["ordered_at"])
    return frame


def pd_naive(values):  # type: ignore[no-untyped-def]
    """UTC timestamps as naive datetimes (calendar days in UTC)."""
    import pandas as pd

    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None)


def register(app: typer.Typer) -> None:
    app.command(
        "clv",
        help=_(
            "Customer lifetime value: fit BG/NBD, MBG/NBD or Pareto/NBD and predict each customer."
        ),
    )(clv)
