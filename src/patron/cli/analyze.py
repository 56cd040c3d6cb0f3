"""``patron analyze``: customer features, segments, 20/80, lifecycle, cohorts and loyalty."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from patron.cli.options import (
    CsvOption,
    JsonOption,
    WorkspaceOption,
    console,
    err_console,
    print_json,
)
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

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


class Context:
    """Everything a command needs: engine, input tables, settings and output choices."""

    def __init__(
        self,
        source: str | None,
        workspace_dir: Path | None,
        mapping: list[str] | None,
        date_format: str | None,
        engine_name: str | None,
        *,
        need_workspace: bool = False,
    ) -> None:
        from patron.analyze import engine, writeback
        from patron.core.workspace import Workspace

        self.con = engine.connect(engine_name)
        self.workspace = None
        if workspace_dir is not None or source is None or need_workspace:
            self.workspace = Workspace.open(workspace_dir)
        columns = parse_mapping(mapping)
        if source is not None:
            orders = engine.read_table(source, columns, con=self.con)
            self.tables = {"orders": orders}
        else:
            self.tables = writeback.load_warehouse(self.workspace, self.con)
            if columns:
                self.tables["orders"] = engine.read_table(self.tables["orders"], columns)
        orders = self.tables["orders"]
        if "ordered_at" in orders.columns and not orders.ordered_at.type().is_temporal():
            self.tables["orders"] = engine.read_table(
                orders, timestamps=["ordered_at"], date_format=date_format
            )

    def setting(self, section: str, key: str, default: Any) -> Any:
        if self.workspace is None:
            return default
        return self.workspace.setting(section, key, default)

    def run(self, expr: Any) -> pd.DataFrame:
        from patron.analyze import engine

        # A spinner on stderr while the engine works; stdout stays clean for --json/--csv.
        with err_console.status(_("Computing on {engine}…").format(engine=self.con.name)):
            return engine.to_pandas(expr, self.con)

    def features(self, as_of: str | None, time_unit: str | None) -> Any:
        from patron.analyze.features import customer_features

        return customer_features(
            self.tables["orders"],
            order_lines=self.tables.get("order_lines"),
            complaints=self.tables.get("complaints"),
            interactions=self.tables.get("interactions"),
            as_of=as_of,
            time_unit=time_unit or self.setting("analytics", "time_unit", "W"),
            cost_per_complaint=float(self.setting("analytics", "cost_per_complaint", 0.0)),
            cost_per_service_interaction=float(
                self.setting("analytics", "cost_per_service_interaction", 0.0)
            ),
        )

    def as_of_date(self, as_of: str | None, frame: pd.DataFrame | None = None) -> date:
        if as_of:
            return parse_date(as_of)
        if frame is not None and "last_purchase" in frame.columns and len(frame):
            return pd.Timestamp(frame["last_purchase"].max()).date()
        return date.today()

    def write(
        self, name: str, frame: pd.DataFrame, scores: list[pd.DataFrame], as_of: date
    ) -> None:
        from patron.analyze import writeback

        if self.workspace is None:
            raise InputError(_("--write-back needs a workspace (--workspace DIR)"))
        path = writeback.write_parquet(self.workspace, name, frame)
        written = writeback.write_back(self.workspace, scores, as_of=as_of) if scores else 0
        console.print(
            _("Wrote {n} scores as of {date} and {path}").format(n=written, date=as_of, path=path)
        )


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping = {}
    for pair in pairs or []:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(_("--map {pair!r}: write target=source").format(pair=pair))
        mapping[target.strip()] = source.strip()
    return mapping


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            _("{value!r} is not a date: write YYYY-MM-DD").format(value=value)
        ) from None


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for JSON: missing values as null (JSON has no NaN), dates as ISO text."""
    out = frame.astype(object).where(frame.notna(), None)
    return out.to_dict("records")


def emit(
    printer: Printer,
    frame: pd.DataFrame,
    *,
    json: bool,
    csv: bool,
    payload: dict[str, Any] | None = None,
    chart: Any = None,
    chart_path: Path | None = None,
) -> None:
    """Print a result as a Rich table, JSON or CSV, and save its chart if asked."""
    if chart_path is not None and chart is not None:
        from patron.analyze.plotting import save_chart

        save_chart(chart, chart_path)
    if json:
        print_json(payload if payload is not None else records(frame))
        return
    if csv:
        from patron.core.csvsafe import safe_frame

        safe_frame(frame).to_csv(sys.stdout, index=False)
        return
    printer.print(console)
    if chart_path is not None:
        console.print(_("Chart saved to {path}").format(path=chart_path))


def features(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    ctx = Context(source, workspace, mapping, date_format, engine)
    frame = (
        ctx.run(ctx.features(as_of, time_unit)).sort_values("customer_id").reset_index(drop=True)
    )
    when = ctx.as_of_date(as_of, frame)
    facts = {
        _("customers"): len(frame),
        _("orders"): int(frame["orders"].sum()),
        _("revenue"): float(frame["revenue"].sum()),
        _("gross margin"): float(frame["gross_margin"].sum()),
        _("repeat buyers"): int((frame["frequency"] > 0).sum()),
    }
    shown = frame[
        [
            "customer_id",
            "orders",
            "frequency",
            "recency",
            "T",
            "revenue",
            "gross_margin",
            "days_since_last",
        ]
    ].head(limit)
    printer = Printer(
        _("Customer features as of {date}").format(date=when),
        facts,
        [(_("First customers"), shown)],
    )
    if write_back:
        ctx.write("features", frame, [], when)
    chart_obj = None
    if chart:
        from patron.analyze.plotting import purchases_chart

        chart_obj = purchases_chart(frame)
    emit(printer, frame, json=json, csv=csv, chart=chart_obj, chart_path=chart)


def segments(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    from patron.analyze import plotting, writeback
    from patron.analyze import segments as seg

    ctx = Context(source, workspace, mapping, date_format, engine)
    feats = ctx.features(as_of, None)
    scores = seg.rfm(feats)
    per_customer = scores.join(seg.layers(scores), "customer_id").join(
        seg.value_tiers(feats, measure=measure), "customer_id"
    )
    frame = ctx.run(per_customer).sort_values("customer_id").reset_index(drop=True)
    cutoffs = (
        ctx.run(seg.rfm_cutoffs(scores)).sort_values(["dimension", "score"]).reset_index(drop=True)
    )
    summary = ctx.run(seg.segment_summary(scores, feats))
    order = list(seg.SEGMENTS)
    summary["order"] = summary["rfm_segment"].map(order.index)
    summary = summary.sort_values("order").drop(columns="order").reset_index(drop=True)
    summary.insert(0, "segment", [_(seg.SEGMENTS[s]) for s in summary["rfm_segment"]])
    layers = frame["layer"].value_counts().rename_axis("layer").reset_index(name="customers")
    tiers = (
        frame["value_tier"].value_counts().rename_axis("value_tier").reset_index(name="customers")
    )
    when = ctx.as_of_date(as_of)
    printer = Printer(
        _("RFM segments of {n} customers").format(n=len(frame)),
        {},
        [
            (_("Segments"), summary.drop(columns="rfm_segment")),
            (_("Cut-offs (lowest and highest value per score)"), cutoffs),
            (_("Layers"), layers),
            (_("Value tiers ({measure})").format(measure=measure), tiers),
        ],
    )
    if write_back:
        ctx.write(
            "segments",
            frame,
            [
                writeback.label_scores(frame, "rfm_segment", "rfm_segment", value_col="rfm_score"),
                writeback.label_scores(frame, "rfm_score", "rfm_segment", value_col="rfm_score"),
                writeback.label_scores(frame, "value_tier", "value_tier"),
                writeback.label_scores(frame, "layer", "layer"),
            ],
            when,
        )
    payload = {
        "segments": records(summary),
        "cutoffs": records(cutoffs),
        "customers": records(frame),
    }
    emit(
        printer,
        frame,
        json=json,
        csv=csv,
        payload=payload,
        chart=plotting.rfm_grid_chart(frame) if chart else None,
        chart_path=chart,
    )


def pareto(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    from patron.analyze import segments as seg

    ctx = Context(source, workspace, mapping, date_format, engine)
    feats = ctx.features(as_of, None)
    summary = pd.concat(
        [
            ctx.run(seg.pareto_summary(feats, measure=m, top_shares=(0.2, 0.1)))
            for m in ("revenue", "gross_margin")
        ],
        ignore_index=True,
    )
    deciles = ctx.run(seg.profit_deciles(feats))
    losers = ctx.run(seg.money_losers(feats)).reset_index(drop=True)
    losers["reason"] = [seg.loss_reason_text(r) for r in losers.to_dict("records")]
    facts = {}
    for row in summary.to_dict("records"):
        name = _("revenue") if row["measure"] == "revenue" else _("gross margin")
        facts[_("{measure}: share of the top 20%").format(measure=name)] = row["top_20pct_share"]
        facts[_("{measure}: Gini").format(measure=name)] = row["gini"]
    facts[_("customers losing money")] = len(losers)
    printer = Printer(
        _("20/80 of {n} customers").format(
            n=int(summary["customers"].iloc[0]) if len(summary) else 0
        ),
        facts,
        [
            (_("Profit deciles (1 = most profitable)"), deciles),
            (
                _("Customers losing money"),
                losers[["customer_id", "gross_margin", "reason"]].head(limit),
            ),
        ],
    )
    chart_obj = None
    if chart:
        curves = {
            _("revenue"): ctx.run(seg.pareto_curve(feats, measure="revenue")),
            _("gross margin"): ctx.run(seg.pareto_curve(feats, measure="gross_margin")),
        }
        chart_obj = plotting.pareto_chart(curves)
    if write_back:
        ctx.write("money_losers", losers, [], ctx.as_of_date(as_of))
    payload = {
        "summary": records(summary),
        "deciles": records(deciles),
        "money_losers": records(losers),
    }
    emit(printer, deciles, json=json, csv=csv, payload=payload, chart=chart_obj, chart_path=chart)


def lifecycle(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    from patron.analyze import lifecycle as lc
    from patron.analyze import plotting, writeback

    ctx = Context(source, workspace, mapping, date_format, engine)
    rules = lc.LifecycleRules.from_workspace(ctx.workspace)
    orders = ctx.tables["orders"]
    if as_of:
        when = as_of
    else:
        last = ctx.run(orders.aggregate(last=orders.ordered_at.max()))["last"].iloc[0]
        when = pd.Timestamp(last).strftime("%Y-%m-%d")
    when_date = parse_date(when)
    customers = ctx.tables.get("customers")
    stages = (
        ctx.run(lc.stage_at(orders, when, customers=customers, rules=rules))
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    counts = stages["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    counts["order"] = counts["stage"].map(list(lc.STAGES).index)
    counts = counts.sort_values("order").drop(columns="order").reset_index(drop=True)
    shown = counts.assign(stage=[_(lc.STAGES[s]) for s in counts["stage"]])
    tables = [(_("Customers per stage"), shown)]
    matrix = None
    if start:
        matrix = ctx.run(
            lc.transition_matrix(orders, start, when, customers=customers, rules=rules)
        )
        pivot = matrix.pivot(index="from_stage", columns="to_stage", values="customers").fillna(0)
        order = [s for s in lc.STAGES if s in pivot.index or s in pivot.columns]
        pivot = pivot.reindex(index=order, columns=order, fill_value=0)
        pivot = pivot.fillna(0).astype(int).rename_axis(index="from \\ to", columns=None)
        pivot = pivot.reset_index()
        tables.append((_("Transitions from {start} to {end}").format(start=start, end=when), pivot))
    printer = Printer(
        _("Lifecycle as of {date}").format(date=when), {_("customers"): len(stages)}, tables
    )
    chart_obj = None
    if chart:
        chart_obj = (
            plotting.transition_heatmap(matrix)
            if matrix is not None
            else plotting.funnel_chart(counts)
        )
    if write_back:
        ctx.write(
            "lifecycle",
            stages,
            [writeback.label_scores(stages, "lifecycle_stage", "stage")],
            when_date,
        )
    payload = {
        "as_of": when,
        "stages": records(counts),
        "transitions": records(matrix) if matrix is not None else None,
        "customers": records(stages),
    }
    emit(printer, stages, json=json, csv=csv, payload=payload, chart=chart_obj, chart_path=chart)


def cohorts(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    from patron.analyze import lifecycle as lc
    from patron.analyze import plotting

    ctx = Context(source, workspace, mapping, date_format, engine)
    frame = ctx.run(lc.cohort_retention(ctx.tables["orders"], period=period, as_of=as_of))
    frame = frame.sort_values(["cohort", "period"]).reset_index(drop=True)
    matrix = frame.pivot(index="cohort", columns="period", values="retention")
    matrix.index = [pd.Timestamp(c).strftime("%Y-%m-%d") for c in matrix.index]
    matrix = (matrix * 100).round(1).rename_axis(_("cohort")).reset_index()
    matrix.columns = [str(c) for c in matrix.columns]
    sizes = frame.drop_duplicates("cohort")[["cohort", "cohort_size"]]
    printer = Printer(
        _("Cohort retention (% active) by {period}").format(period=period.upper()),
        {_("cohorts"): len(sizes), _("customers"): int(sizes["cohort_size"].sum())},
        [(_("Retention matrix"), matrix)],
        decimals=1,
    )
    if write_back:
        ctx.write("cohorts", frame, [], ctx.as_of_date(as_of))
    emit(
        printer,
        frame,
        json=json,
        csv=csv,
        chart=plotting.cohort_heatmap(frame) if chart else None,
        chart_path=chart,
    )


def loyalty(
    source: SourceArg = None,
    workspace: WorkspaceOption = None,
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
    from patron.analyze import loyalty as ly
    from patron.analyze import plotting, writeback

    ctx = Context(source, workspace, mapping, date_format, engine)
    rules = ly.LoyaltyRules.from_workspace(ctx.workspace)
    responses = ctx.tables.get("survey_responses")
    card = ctx.run(
        ly.scorecard(ctx.tables["orders"], responses=responses, period=period, as_of=as_of)
    )
    feats = ctx.features(as_of, None)
    attach = ly.attachment(responses, as_of=as_of) if responses is not None else None
    types = ly.explain_loyalty(
        ctx.run(ly.loyalty_types(feats, attachment_table=attach, rules=rules))
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    counts = types["loyalty_type"].value_counts().rename_axis("type").reset_index(name="customers")
    counts["type"] = [_(ly.LOYALTY_TYPES[t]) for t in counts["type"]]
    # The screen gets the headline measures; --json/--csv carry every column.
    shown_card = card.assign(
        period_start=pd.to_datetime(card["period_start"]).dt.strftime("%Y-%m-%d")
    )[
        [
            "period_start",
            "active",
            "new_customers",
            "retention",
            "repeat_share",
            "share_of_wallet",
            "satisfaction",
            "nps",
        ]
    ]
    # A few customers of every type, so each rule shows its reason.
    per_type = max(1, limit // max(1, types["loyalty_type"].nunique()))
    examples = (
        types.groupby("loyalty_type", sort=False)
        .head(per_type)[["customer_id", "loyalty_type", "reason"]]
        .reset_index(drop=True)
    )
    printer = Printer(
        _("Loyalty scorecard by {period}").format(period=period.upper()),
        {},
        [
            (_("Scorecard"), shown_card),
            (_("Loyalty types"), counts),
            (_("Examples"), examples),
        ],
    )
    if write_back:
        ctx.write(
            "loyalty_types",
            types,
            [writeback.label_scores(types, "loyalty_type", "loyalty_type", reason_col="reason")],
            ctx.as_of_date(as_of),
        )
    payload = {"scorecard": records(card), "customers": records(types)}
    emit(
        printer,
        types,
        json=json,
        csv=csv,
        payload=payload,
        chart=plotting.scorecard_chart(card) if chart else None,
        chart_path=chart,
    )


def register(root: typer.Typer) -> None:
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
    root.add_typer(
        app,
        name="analyze",
        help=_("Customer analytics: features, segments, 20/80, lifecycle, cohorts, loyalty."),
    )
