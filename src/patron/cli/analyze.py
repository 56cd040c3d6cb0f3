"""``patron analyze``: customer features, segments, 20/80, lifecycle, cohorts and loyalty."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from patron.cli.options import (
    CsvOption,
    JsonOption,
    UnitOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from patron.core.i18n import _
from patron.core.workspace import Workspace
from patron.exceptions import InputError
from patron.jobs import customers as jobs

app = typer.Typer(no_args_is_help=True, help=_("Customer analytics on DuckDB or Spark."))

SourceArg = Annotated[
    str | None,
    typer.Argument(
        help=_("Orders as a Parquet/CSV path or glob (default: the workspace warehouse)."),
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help=_("Analyse as of the end of this day (YYYY-MM-DD)."), show_default=False
    ),
]
TimeUnitOption = Annotated[
    str | None,
    typer.Option(
        "--time-unit", help=_("Time unit of recency and age: D, W, M or Y."), show_default=False
    ),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help=_("Column mapping target=source, e.g. --map customer_id=cust (repeatable)."),
        show_default=False,
    ),
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format", help=_("strftime format of the dates, e.g. %Y%m%d."), show_default=False
    ),
]
ChartOption = Annotated[
    Path | None,
    typer.Option(
        "--chart", help=_("Save the chart to FILE.html or FILE.json."), show_default=False
    ),
]
WriteBackOption = Annotated[
    bool,
    typer.Option(
        "--write-back", help=_("Write the results to the score snapshots and the warehouse.")
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        envvar="PATRON_ENGINE",
        help=_("Engine: duckdb (default) or spark."),
        show_default=False,
    ),
]
LimitOption = Annotated[int, typer.Option("--limit", help=_("Rows to show in the table."))]


def open_context(
    source: str | None,
    workspace_dir: Path | None,
    mapping: list[str] | None,
    date_format: str | None,
    engine_name: str | None,
    unit: str | None,
    as_of: str | None,
) -> Any:
    """The analysis context a command works in: a file of orders, or the workspace's
    warehouse scoped to ``unit``."""
    from patron.jobs.context import AnalysisContext

    columns = parse_mapping(mapping)
    if source is not None:
        ws = Workspace.open(workspace_dir) if workspace_dir is not None else None
        return AnalysisContext.from_file(
            source,
            mapping=columns or None,
            date_format=date_format,
            engine=engine_name,
            as_of=as_of,
            workspace=ws,
        )
    if columns:
        raise InputError(_("--map applies to a file of orders, not to the workspace"))
    return AnalysisContext.open(
        open_workspace(workspace_dir), unit=unit, engine=engine_name, as_of=as_of
    )


def computing(ctx: Any) -> Any:
    """A spinner on stderr while the engine works; stdout stays clean for --json/--csv."""
    return err_console.status(_("Computing on {engine}…").format(engine=ctx.con.name))


def save_results(ctx: Any, result: Any) -> None:
    """``--write-back``: scores to the store and the table to the warehouse."""
    from patron.jobs.writeback import write_back

    written, path = write_back(ctx.workspace, result)
    err_console.print(
        _("Wrote {n} scores as of {date} and {path}").format(
            n=written, date=result.as_of, path=path
        )
    )


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping = {}
    for pair in pairs or []:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(_("--map {pair!r}: write target=source").format(pair=pair))
        mapping[target.strip()] = source.strip()
    return mapping


def emit(
    result: Any,
    *,
    json: bool,
    csv: bool,
    chart: Any = None,
    chart_path: Path | None = None,
    csv_frame: pd.DataFrame | None = None,
) -> None:
    """Print a job's result as a Rich table, JSON or CSV, and save its chart if asked."""
    if chart_path is not None and chart is not None:
        from patron.analyze.plotting import save_chart

        save_chart(chart, chart_path)
    if json:
        print_json(result.to_dict())
        return
    if csv:
        from patron.core.csvsafe import safe_frame

        frame = csv_frame if csv_frame is not None else result.frame
        safe_frame(frame).to_csv(sys.stdout, index=False)
        return
    console.print(_("Scope: {scope}").format(scope=result.scope.label()), style="dim")
    result.print(console)
    if chart_path is not None:
        console.print(_("Chart saved to {path}").format(path=chart_path))


def overview(
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
) -> None:
    """Customers, active customers and recent sales of a unit: the report's headline.

    Example: patron analyze overview --workspace demo-workspace --unit hotel
    """
    ctx = open_context(None, workspace, None, None, engine, unit, as_of)
    with computing(ctx):
        result = jobs.overview(ctx)
    emit(result, json=json, csv=False)


def features(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    time_unit: TimeUnitOption = None,
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
    limit: LimitOption = 20,
) -> None:
    """Per-customer facts: purchases, x, t_x, T, revenue, margin, concentration, breadth.

    Example: patron analyze features orders.parquet --map customer_id=cust --as-of 2024-12-31
    """
    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    ctx = ctx.with_time_unit(time_unit)
    with computing(ctx):
        result = jobs.features(ctx, limit=limit)
    if write_back:
        save_results(ctx, result)
    chart_obj = None
    if chart:
        from patron.analyze.plotting import purchases_chart

        chart_obj = purchases_chart(result.frame)
    emit(result, json=json, csv=csv, chart=chart_obj, chart_path=chart)


def segments(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    measure: Annotated[
        str, typer.Option("--measure", help=_("Value behind the tiers: gross_margin or revenue."))
    ] = "gross_margin",
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
) -> None:
    """RFM quintiles with exact cut-offs, the eleven named segments, layers and value tiers.

    Example: patron analyze segments --workspace demo --chart rfm.html --write-back
    """
    from patron.analyze import plotting

    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    with computing(ctx):
        result = jobs.segments(ctx, measure=measure)
    if write_back:
        save_results(ctx, result)
    emit(
        result,
        json=json,
        csv=csv,
        chart=plotting.rfm_grid_chart(result.frame) if chart else None,
        chart_path=chart,
    )


def pareto(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
    limit: LimitOption = 20,
) -> None:
    """The 20/80 view: Pareto curve and Gini of revenue and margin, profit deciles, money losers.

    Example: patron analyze pareto --workspace demo --chart pareto.html
    """
    from patron.analyze import plotting

    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    with computing(ctx):
        result = jobs.pareto(ctx, limit=limit)
        curves = jobs.pareto_curves(ctx) if chart else None
    if write_back:
        save_results(ctx, result)
    chart_obj = None
    if curves is not None:
        chart_obj = plotting.pareto_chart(
            {_("revenue"): curves["revenue"], _("gross margin"): curves["gross_margin"]}
        )
    emit(
        result,
        json=json,
        csv=csv,
        chart=chart_obj,
        chart_path=chart,
        csv_frame=result.tables["deciles"],
    )


def lifecycle(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=_("Also show the transitions since this date (YYYY-MM-DD)."),
            show_default=False,
        ),
    ] = None,
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
) -> None:
    """Lifecycle stage of every customer at a date, and the transitions between two dates.

    Example: patron analyze lifecycle --workspace demo --as-of 2026-11-01 --from 2025-11-01
    """
    from patron.analyze import plotting

    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    with computing(ctx):
        result = jobs.lifecycle(ctx, start=start)
    if write_back:
        save_results(ctx, result)
    chart_obj = None
    if chart:
        matrix = result.tables.get("transitions")
        chart_obj = (
            plotting.transition_heatmap(matrix)
            if matrix is not None
            else plotting.funnel_chart(result.tables["stages"])
        )
    emit(result, json=json, csv=csv, chart=chart_obj, chart_path=chart)


def cohorts(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    period: Annotated[
        str, typer.Option("--period", "--time-unit", help=_("Cohort period: D, W, M, Q or Y."))
    ] = "M",
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
) -> None:
    """Acquisition-cohort retention: share of each cohort buying in each later period.

    Example: patron analyze cohorts --workspace demo --period M --chart cohorts.html
    """
    from patron.analyze import plotting

    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    with computing(ctx):
        result = jobs.cohorts(ctx, period=period)
    if write_back:
        save_results(ctx, result)
    frame = result.tables["retention"]
    emit(
        result,
        json=json,
        csv=csv,
        chart=plotting.cohort_heatmap(frame) if chart else None,
        chart_path=chart,
        csv_frame=frame,
    )


def loyalty(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    period: Annotated[
        str, typer.Option("--period", "--time-unit", help=_("Scorecard period: M, Q or Y."))
    ] = "Q",
    mapping: MapOption = None,
    date_format: DateFormatOption = None,
    engine: EngineOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    chart: ChartOption = None,
    write_back: WriteBackOption = False,
    limit: LimitOption = 20,
) -> None:
    """The five loyalty measures per period and each customer's loyalty type with its reason.

    Example: patron analyze loyalty --workspace demo --period Q --write-back
    """
    from patron.analyze import plotting

    ctx = open_context(source, workspace, mapping, date_format, engine, unit, as_of)
    with computing(ctx):
        result = jobs.loyalty(ctx, period=period, limit=limit)
    if write_back:
        save_results(ctx, result)
    emit(
        result,
        json=json,
        csv=csv,
        chart=plotting.scorecard_chart(result.tables["scorecard"]) if chart else None,
        chart_path=chart,
    )


def sla(
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    period: Annotated[str, typer.Option("--period", help=_("Period: D, W, M, Q or Y."))] = "Q",
    engine: EngineOption = None,
    json: JsonOption = False,
) -> None:
    """Complaints closed per period and the share closed within their SLA time.

    Example: patron analyze sla --workspace demo --unit hotel --period Q
    """
    from patron.jobs.home import complaint_sla

    ctx = open_context(None, workspace, None, None, engine, unit, as_of)
    with computing(ctx):
        result = complaint_sla(ctx, period=period)
    emit(result, json=json, csv=False)


def register(root: typer.Typer) -> None:
    app.command("overview", help=_("Customers, active customers and recent sales of a unit."))(
        overview
    )
    app.command(
        "features", help=_("Per-customer facts: purchases, BTYD statistics, revenue, margin.")
    )(features)
    app.command("segments", help=_("RFM segments with exact cut-offs, layers and value tiers."))(
        segments
    )
    app.command(
        "pareto", help=_("20/80: Pareto curve, Gini, profit deciles and money-losing customers.")
    )(pareto)
    app.command("lifecycle", help=_("Lifecycle stage per customer and transitions between dates."))(
        lifecycle
    )
    app.command("cohorts", help=_("Acquisition-cohort retention matrix."))(cohorts)
    app.command(
        "loyalty", help=_("Loyalty scorecard (five measures) and loyalty type per customer.")
    )(loyalty)
    app.command("sla", help=_("Complaints closed within their SLA time, per period."))(sla)
    root.add_typer(
        app,
        name="analyze",
        help=_("Customer analytics: features, segments, 20/80, lifecycle, cohorts, loyalty."),
    )
