"""The report's sections: each calls its owning module's public API and returns figures.

A section never crashes the report: when its module is missing (not installed, not yet
written) or its data are absent (no surveys, no complaints) it comes back with
``status="missing"`` and a sentence saying so; any other failure comes back as
``status="error"`` with the message. Every section carries the command that recomputes
its figures.
"""

from __future__ import annotations

import html
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from patron.core.i18n import N_, _, format_currency, format_date, format_number, format_percent
from patron.exceptions import InputError, PatronError
from patron.report import charts

__all__ = ["Chart", "Section", "ReportContext", "SECTIONS", "run_section"]


@dataclass
class Chart:
    """One figure: a Vega-Lite spec and its caption."""

    title: str
    spec: dict[str, Any]
    id: str = ""
    command: str = ""  # the command that recomputes this one figure, shown beside it


@dataclass
class Section:
    """What one part of the report shows."""

    key: str
    title: str
    command: str
    status: str = "ok"  # ok | missing | error
    message: str = ""
    intro: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (heading, HTML)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class ReportContext:
    """Inputs every section reads, loaded once, and results sections share."""

    workspace: Any
    dataset: str | None
    horizon: str
    history: Any  # CustomerHistory
    as_of: date
    currency: str = "USD"
    con: Any = None
    shared: dict[str, Any] = field(default_factory=dict)
    max_rows: int = 20

    @property
    def ws_arg(self) -> str:
        return f"--workspace {self.workspace.root}"

    @property
    def ds_arg(self) -> str:
        """``--dataset D`` for the commands that take it (churn, linkage, report)."""
        return f" --dataset {self.dataset}" if self.dataset else ""

    def money(self, value: float) -> str:
        return format_currency(float(value), self.currency)

    def table(self, name: str):
        """An Ibis table of the warehouse Parquet (filtered to the data set), else of the
        loaded history: DuckDB scans Parquet in parallel, faster than pandas frames."""
        import ibis

        cache = self.shared.setdefault("_ibis", {})
        folder = Path(self.workspace.warehouse) / _WAREHOUSE.get(name, name)
        if name not in cache and folder.is_dir() and any(folder.glob("*.parquet")):
            cache[name] = self._parquet(folder)
        if name not in cache:
            frame = getattr(self.history, name)
            if frame is None or frame.empty:
                raise _Missing(_("no {table} in the workspace").format(table=name))
            cache[name] = ibis.memtable(frame)
        return cache[name]

    def responses_table(self):
        """Long survey answers as an Ibis table (the warehouse Parquet when there is one:
        millions of answer rows never pass through pandas)."""
        return self.table("responses")

    def _parquet(self, folder: Path):
        import ibis

        from patron.analyze.engine import connect

        if self.con is None:
            self.con = connect()
        table = self.con.read_parquet(f"{folder.as_posix()}/*.parquet")
        table = table.mutate(customer_id=table.customer_id.cast("string"))
        if self.dataset is not None:
            if "_keep" not in self.shared:
                self.shared["_keep"] = ibis.memtable(
                    pd.DataFrame({"customer_id": self.history.orders["customer_id"].unique()})
                )
            table = table.semi_join(self.shared["_keep"], "customer_id")
        return table


# Report table name → warehouse folder.
_WAREHOUSE = {"responses": "survey_responses"}


class _Missing(Exception):
    """The section's data are absent: say so, do not fail."""


def html_table(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None) -> str:
    """A small, escaped HTML table with values formatted for the reader's locale."""
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        fmt = formats.get(column)
        if fmt is not None:
            shown[column] = [fmt(v) if pd.notna(v) else "–" for v in shown[column]]
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = [
                format_number(v, decimals=2) if pd.notna(v) else "–" for v in shown[column]
            ]
        elif pd.api.types.is_integer_dtype(shown[column]):
            shown[column] = [format_number(int(v)) for v in shown[column]]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _pct(value: float) -> str:
    return format_percent(float(value), decimals=1)


def _num(value: float) -> str:
    return format_number(float(value), decimals=1)


def _int(value: float) -> str:
    return format_number(int(round(float(value))))


# ---------------------------------------------------------------------------------------
# CSI and its drivers
# ---------------------------------------------------------------------------------------


def csi_section(ctx: ReportContext) -> Section:
    section = Section(
        "csi",
        _("Customer satisfaction index and its drivers"),
        f"patron csi --model acsi {ctx.ws_arg}",
        intro=_(
            "ACSI model estimated by PLS path modelling on the survey answers; the index is 0–100. "
            "The map shows each driver's importance (total effect on satisfaction) against its "
            "performance: improve first what matters much and scores low."
        ),
    )
    from patron.analyze.csi import CSIModel, preset

    if not ctx.history.has_surveys:
        raise _Missing(_("no survey answers in the workspace"))
    answers, _features = ctx.history.survey_answers()
    items = [i for c in preset("acsi").constructs for i in c.items if i in answers.columns]
    wide = answers[["customer_id", *items]]
    model = CSIModel(spec="acsi").fit(wide)
    ctx.shared["csi"] = model
    section.facts = [
        (_("satisfaction index (0–100)"), _num(model.satisfaction_index_)),
        (_("respondents"), _int(len(model.customer_scores_))),
    ]
    index = model.index_.rename("index").reset_index()
    index.columns = ["construct", "index"]
    section.charts.append(
        Chart(
            _("Index of every construct (0–100)"),
            charts.bar(
                index,
                x="construct",
                y="index",
                x_title=_("construct"),
                y_title=_("index (0–100)"),
                sort=list(index["construct"]),
            ),
        )
    )
    section.charts.append(
        Chart(_("Importance–performance map (IPMA)"), model.ipma_.chart().to_dict())
    )
    plan = model.ipma_.improvement_list(8).reset_index()
    section.tables.append(
        (
            _("Improve first (importance × room to improve)"),
            html_table(
                plan[["item", "construct", "importance", "performance", "priority"]].rename(
                    columns={
                        "item": _("item"),
                        "construct": _("construct"),
                        "importance": _("importance"),
                        "performance": _("performance"),
                        "priority": _("priority"),
                    }
                )
            ),
        )
    )
    top = plan.iloc[0]
    ctx.shared["csi_finding"] = _(
        "Satisfaction index {index}; improve {item} ({construct}) first."
    ).format(index=_num(model.satisfaction_index_), item=top["item"], construct=top["construct"])
    return section


# ---------------------------------------------------------------------------------------
# Loyalty scorecard
# ---------------------------------------------------------------------------------------


def loyalty_section(ctx: ReportContext) -> Section:
    section = Section(
        "loyalty",
        _("Loyalty scorecard"),
        f"patron analyze loyalty --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "The five measures of loyalty per quarter: retention, repeat purchases, share of "
            "wallet (when asked), new customers, satisfaction and recommendation (NPS)."
        ),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.loyalty import scorecard

    responses = None
    if ctx.history.has_surveys:
        responses = ctx.responses_table()
    card = to_pandas(scorecard(ctx.table("orders"), responses=responses, period="Q"))
    card = card.sort_values("period_start").tail(12)
    ctx.shared["scorecard"] = card
    last = card.iloc[-1] if len(card) else None
    if last is not None:
        section.facts = [
            (_("quarter"), format_date(pd.Timestamp(last["period_start"]).date())),
            (_("active customers"), _int(last["active"])),
            (_("new customers"), _int(last["new_customers"])),
            (
                _("retention from the previous quarter"),
                _pct(last["retention"]) if pd.notna(last["retention"]) else "–",
            ),
        ]
        if "nps" in card.columns and pd.notna(last.get("nps")):
            section.facts.append((_("NPS"), _num(last["nps"])))
    measures = []
    for column, label in (
        ("retention", N_("retention")),
        ("repeat_share", N_("repeat purchase share")),
    ):
        if column in card.columns:
            part = card[["period_start", column]].rename(columns={column: "value"})
            part["measure"] = _(label)
            measures.append(part)
    if measures:
        long = pd.concat(measures).dropna()
        section.charts.append(
            Chart(
                _("Retention and repeat purchases by quarter"),
                charts.lines(
                    long,
                    x="period_start",
                    y="value",
                    series="measure",
                    x_title=_("quarter"),
                    y_title=_("share"),
                    percent=True,
                ),
            )
        )
    shown = [
        c
        for c in (
            "period_start",
            "active",
            "new_customers",
            "retention",
            "repeat_share",
            "satisfaction",
            "nps",
            "responses",
        )
        if c in card.columns
    ]
    section.tables.append(
        (
            _("Scorecard"),
            html_table(
                card[shown].rename(columns={c: _(c.replace("_", " ")) for c in shown}),
                {
                    _("period start"): lambda v: format_date(pd.Timestamp(v).date()),
                    _("retention"): _pct,
                    _("repeat share"): _pct,
                },
            ),
        )
    )
    return section


# ---------------------------------------------------------------------------------------
# Segments and the 20/80 curve
# ---------------------------------------------------------------------------------------


def _features(ctx: ReportContext):
    if "features" not in ctx.shared:
        from patron.analyze.features import customer_features

        complaints = ctx.table("complaints") if _has(ctx, "complaints") else None
        interactions = ctx.table("interactions") if _has(ctx, "interactions") else None
        expr = customer_features(
            ctx.table("orders"), complaints=complaints, interactions=interactions, as_of=ctx.as_of
        )
        # Computed once and kept in the engine: segments, the Pareto curve and its summary
        # all read it.
        # (An Arrow memtable: creating a table through Ibis fails on some DuckDB versions.)
        import ibis

        from patron.analyze.engine import to_pyarrow

        ctx.shared["features"] = ibis.memtable(to_pyarrow(expr, ctx.con))
    return ctx.shared["features"]


def _has(ctx: ReportContext, name: str) -> bool:
    if name == "responses":
        return ctx.history.has_surveys
    frame = getattr(ctx.history, name, None)
    return frame is not None and not frame.empty


def segments_section(ctx: ReportContext) -> Section:
    section = Section(
        "segments",
        _("Segments and the 20/80 curve"),
        f"patron analyze segments --as-of {ctx.as_of} {ctx.ws_arg}\n"
        f"patron analyze pareto --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "RFM segments from recency, frequency and spend; the Pareto curve shows how much "
            "of the revenue the best customers bring."
        ),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.segments import pareto_curve, pareto_summary, rfm

    features = _features(ctx)
    scores = to_pandas(rfm(features))
    ctx.shared["rfm"] = scores.set_index("customer_id")["rfm_segment"]
    counts = (
        scores.groupby("rfm_segment")
        .agg(customers=("customer_id", "size"), revenue=("monetary", "sum"))
        .reset_index()
        .sort_values("revenue", ascending=False)
    )
    section.charts.append(
        Chart(
            _("Revenue by RFM segment"),
            charts.bar(
                counts,
                x="rfm_segment",
                y="revenue",
                x_title=_("segment"),
                y_title=_("revenue"),
                horizontal=True,
                tooltip=["rfm_segment", "customers", "revenue"],
            ),
        )
    )
    summary = to_pandas(pareto_summary(features, top_shares=(0.2,))).iloc[0]
    curve = to_pandas(pareto_curve(features))
    # 200 points draw the curve as well as a million do.
    step = max(1, len(curve) // 200)
    points = pd.concat([curve.iloc[::step], curve.iloc[[-1]]])[["customer_share", "value_share"]]
    points = pd.concat([pd.DataFrame({"customer_share": [0.0], "value_share": [0.0]}), points])
    section.charts.append(
        Chart(
            _("Share of revenue against share of customers (Pareto)"),
            charts.curve(
                points,
                x="customer_share",
                y="value_share",
                x_title=_("share of customers (best first)"),
                y_title=_("share of revenue"),
                diagonal=True,
            ),
        )
    )
    top_share = next(v for k, v in summary.items() if str(k).startswith("top_"))
    section.facts = [
        (_("customers"), _int(summary["customers"])),
        (_("revenue"), ctx.money(summary["total"])),
        (_("share of revenue from the top 20 %"), _pct(top_share)),
        (_("Gini coefficient"), format_number(float(summary["gini"]), decimals=3)),
    ]
    ctx.shared["pareto_top20"] = float(top_share)
    section.tables.append(
        (
            _("Segments"),
            html_table(
                counts.rename(
                    columns={
                        "rfm_segment": _("segment"),
                        "customers": _("customers"),
                        "revenue": _("revenue"),
                    }
                ),
                {_("revenue"): ctx.money},
            ),
        )
    )
    return section


# ---------------------------------------------------------------------------------------
# Lifecycle and cohorts
# ---------------------------------------------------------------------------------------


def lifecycle_section(ctx: ReportContext) -> Section:
    section = Section(
        "lifecycle",
        _("Lifecycle funnel and transitions"),
        f"patron analyze lifecycle --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_(
            "Where customers stand today (new, repeat, loyal, at risk, lapsed, won back) and "
            "how they moved over the last year."
        ),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.lifecycle import STAGES, stage_at, stage_counts, transition_matrix

    orders = ctx.table("orders")
    counts = to_pandas(stage_counts(stage_at(orders, ctx.as_of)))
    order = [s for s in STAGES if s in set(counts["stage"])]
    counts["label"] = [_(STAGES.get(s, s)) for s in counts["stage"]]
    labels = [_(STAGES[s]) for s in order]
    section.charts.append(
        Chart(
            _("Customers by lifecycle stage"),
            charts.bar(
                counts,
                x="label",
                y="customers",
                x_title=_("stage"),
                y_title=_("customers"),
                sort=labels,
            ),
        )
    )
    start = ctx.as_of - timedelta(days=365)
    moves = to_pandas(transition_matrix(orders, start, ctx.as_of))
    moves["from_label"] = [_(STAGES.get(s, s)) for s in moves["from_stage"]]
    moves["to_label"] = [_(STAGES.get(s, s)) for s in moves["to_stage"]]
    section.charts.append(
        Chart(
            _("Moves between stages from {start} to {end}").format(
                start=format_date(start), end=format_date(ctx.as_of)
            ),
            charts.heatmap(
                moves,
                x="to_label",
                y="from_label",
                value="customers",
                x_title=_("stage now"),
                y_title=_("stage a year ago"),
                value_title=_("customers"),
                percent=False,
                x_sort=labels,
                y_sort=labels,
            ),
        )
    )
    total = counts["customers"].sum()
    by = dict(zip(counts["stage"], counts["customers"], strict=True))
    section.facts = [(_(STAGES.get(s, s)), f"{_int(by[s])} ({_pct(by[s] / total)})") for s in order]
    ctx.shared["at_risk"] = int(by.get("at_risk", 0))
    return section


def cohort_section(ctx: ReportContext) -> Section:
    section = Section(
        "cohorts",
        _("Cohort retention"),
        f"patron analyze cohorts --period Q --as-of {ctx.as_of} {ctx.ws_arg}",
        intro=_("Share of each quarter's new customers who bought again in each quarter since."),
    )
    from patron.analyze.engine import to_pandas
    from patron.analyze.lifecycle import cohort_retention

    matrix = to_pandas(cohort_retention(ctx.table("orders"), period="Q", as_of=ctx.as_of))
    matrix = matrix[matrix["period"] > 0]
    # The latest 16 cohorts keep the picture readable and the file small.
    cohorts = sorted(matrix["cohort"].unique())[-16:]
    matrix = matrix[matrix["cohort"].isin(cohorts)].copy()
    matrix["cohort"] = pd.to_datetime(matrix["cohort"]).dt.strftime("%Y-%m")
    section.charts.append(
        Chart(
            _("Retention by acquisition quarter and quarters since"),
            charts.heatmap(
                matrix,
                x="period",
                y="cohort",
                value="retention",
                x_title=_("quarters since first purchase"),
                y_title=_("cohort (first purchase)"),
                value_title=_("retention"),
            ),
        )
    )
    first = matrix[matrix["period"] == 1]
    if len(first):
        weighted = float(
            (first["retention"] * first["cohort_size"]).sum() / first["cohort_size"].sum()
        )
        section.facts = [(_("bought again in the next quarter"), _pct(weighted))]
    return section


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
            raise _Missing(_("the spend model could not be fitted: no CLV"))
        section.notes.append(
            _("{n} orders of amount 0 left out of the CLV").format(n=_int(len(orders) - len(paid)))
        )
    predictions = result.predictions.set_index("customer_id")
    clv = predictions["clv"].astype(float).rename("clv")
    p_alive = predictions["p_alive"].astype(float)
    ctx.shared["clv"] = clv
    section.facts = [
        (_("customers valued"), _int(len(clv))),
        (_("total 12-month CLV"), ctx.money(clv.sum())),
        (_("mean CLV"), ctx.money(clv.mean())),
        (
            _("share held by the top 10 %"),
            _pct(clv.nlargest(max(1, len(clv) // 10)).sum() / clv.sum()),
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
                {_("CLV"): ctx.money, _("P(alive)"): _pct},
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


# ---------------------------------------------------------------------------------------
# Churn risk
# ---------------------------------------------------------------------------------------


def churn_section(ctx: ReportContext) -> Section:
    section = Section(
        "churn",
        _("Churn risk and its reasons"),
        f"patron churn --horizon {ctx.horizon}{ctx.ds_arg} {ctx.ws_arg}",
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
        (_("customers scored"), _int(len(scores))),
        (
            _("expected to leave within {days} days").format(days=run.horizon.days),
            _int(scores["churn_probability"].sum()),
        ),
        (_("customers with risk ≥ 50 %"), _int(high)),
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
    formats: dict[str, Callable[[Any], str]] = {_("churn probability"): _pct}
    if clv is not None:
        table.insert(2, _("CLV"), clv.reindex(head["customer_id"]).to_numpy())
        formats[_("CLV")] = ctx.money
    section.tables.append((_("Customers most at risk"), html_table(table, formats)))
    section.notes += run.notes + list(run.model.notes_)
    top_driver = drivers.iloc[0]["feature"]
    ctx.shared["churn_finding"] = _(
        "{n} customers are expected to leave within {days} days; the strongest signal is {driver}."
    ).format(n=_int(scores["churn_probability"].sum()), days=run.horizon.days, driver=top_driver)
    return section


# ---------------------------------------------------------------------------------------
# Complaint recovery and the satisfaction links
# ---------------------------------------------------------------------------------------


def recovery_section(ctx: ReportContext) -> Section:
    section = Section(
        "recovery",
        _("Complaint recovery"),
        f"patron linkage recovery --horizon {ctx.horizon}{ctx.ds_arg} {ctx.ws_arg}",
        intro=_(
            "Did customers buy again within the horizon after a purchase with no complaint, a "
            "resolved complaint or an unresolved one? Bars show the share with its 95 % interval."
        ),
    )
    from patron.analyze import linkage

    if not _has(ctx, "complaints"):
        raise _Missing(_("no complaints in the workspace"))
    table = linkage.complaint_recovery(ctx.history, horizon=ctx.horizon)
    ctx.shared["recovery"] = table
    order = list(table["label"])
    section.charts.append(
        Chart(
            _("Retention after a purchase, by complaint outcome"),
            charts.rate_with_interval(
                table,
                x="label",
                rate="retention",
                low="retention_low",
                high="retention_high",
                x_title=_("complaint"),
                y_title=_("bought again"),
                sort=order,
            ),
        )
    )
    shown = table[
        ["label", "moments", "retention", "retention_low", "retention_high", "spend_mean"]
    ]
    section.tables.append(
        (
            _("Retention and spend in the horizon"),
            html_table(
                shown.rename(
                    columns={
                        "label": _("complaint"),
                        "moments": _("purchases followed"),
                        "retention": _("bought again"),
                        "retention_low": _("low"),
                        "retention_high": _("high"),
                        "spend_mean": _("spend next"),
                    }
                ),
                {
                    _("bought again"): _pct,
                    _("low"): _pct,
                    _("high"): _pct,
                    _("spend next"): ctx.money,
                },
            ),
        )
    )
    by = table.set_index("complaint")
    if {"none", "unresolved"} <= set(by.index):
        ctx.shared["recovery_finding"] = _(
            "An unresolved complaint cuts the chance of buying again from {none} to {bad}; a resolved one keeps {good}."
        ).format(
            none=_pct(by.loc["none", "retention"]),
            bad=_pct(by.loc["unresolved", "retention"]),
            good=_pct(by.loc["resolved", "retention"]) if "resolved" in by.index else "–",
        )
    return section


def linkage_section(ctx: ReportContext) -> Section:
    section = Section(
        "linkage",
        _("Satisfaction and what customers did next"),
        f"patron linkage satisfaction --horizon {ctx.horizon}{ctx.ds_arg} {ctx.ws_arg}",
        intro=_(
            "Satisfaction is not loyalty: how often customers bought again after each answer, by "
            "satisfaction level, by NPS class and by whether the experience met expectations."
        ),
    )
    from patron.analyze import linkage

    if not _has(ctx, "responses"):
        raise _Missing(_("no survey answers in the workspace"))
    curve = linkage.satisfaction_loyalty_curve(ctx.history, horizon=ctx.horizon)
    section.charts.append(
        Chart(
            _("Bought again by satisfaction level (figure 5-2)"),
            charts.rate_with_interval(
                curve,
                x="label",
                rate="retention",
                low="retention_low",
                high="retention_high",
                x_title=_("satisfaction"),
                y_title=_("bought again"),
                sort=list(curve["label"]),
                line=True,
            ),
        )
    )
    try:
        nps = linkage.nps_repeat(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.charts.append(
            Chart(
                _("Bought again by NPS class"),
                charts.rate_with_interval(
                    nps,
                    x="label",
                    rate="retention",
                    low="retention_low",
                    high="retention_high",
                    x_title=_("NPS class"),
                    y_title=_("bought again"),
                    sort=list(nps["label"]),
                ),
            )
        )
    try:
        classes = linkage.expectation_classes(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.tables.append(
            (
                _("Expectation against perception (table 5-1) and what came next"),
                html_table(
                    classes[
                        ["label", "moments", "retention", "complained_next", "spend_mean"]
                    ].rename(
                        columns={
                            "label": _("class"),
                            "moments": _("answers"),
                            "retention": _("bought again"),
                            "complained_next": _("complained"),
                            "spend_mean": _("spend next"),
                        }
                    ),
                    {_("bought again"): _pct, _("complained"): _pct, _("spend next"): ctx.money},
                ),
            )
        )
    try:
        elasticity = linkage.retention_elasticity(ctx.history, horizon=ctx.horizon)
    except InputError as exc:
        section.notes.append(str(exc))
    else:
        section.charts.append(
            Chart(
                _("Revenue kept by one more point of each driver"),
                charts.bar(
                    elasticity,
                    x="label",
                    y="revenue_kept",
                    x_title=_("driver"),
                    y_title=_("revenue kept"),
                    horizontal=True,
                ),
            )
        )
        best = elasticity.iloc[0]
        ctx.shared["elasticity_finding"] = _(
            "One more point of {driver} keeps about {customers} customers and {revenue} a year."
        ).format(
            driver=best["label"],
            customers=_num(best["customers_kept"]),
            revenue=ctx.money(best["revenue_kept"]),
        )
    return section


def value_at_risk_section(ctx: ReportContext) -> Section:
    section = Section(
        "value_at_risk",
        _("Value at risk"),
        f"patron churn --horizon {ctx.horizon}{ctx.ds_arg} {ctx.ws_arg}",
        intro=_(
            "Σ CLV × churn probability: the value the risky customers take with them, by segment and by reason."
        ),
    )
    from patron.analyze import linkage

    run, clv = ctx.shared.get("churn"), ctx.shared.get("clv")
    if run is None or clv is None:
        raise _Missing(_("needs both the churn and the CLV sections"))
    p = run.scores["churn_probability"]
    segments = ctx.shared.get("rfm")
    table = linkage.value_at_risk(clv, p, segment=segments)
    total = float(table["value_at_risk"].sum())
    ctx.shared["value_at_risk"] = total
    section.facts = [(_("value at risk"), ctx.money(total))]
    section.charts.append(
        Chart(
            _("Value at risk by segment"),
            charts.bar(
                table,
                x="segment",
                y="value_at_risk",
                x_title=_("segment"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    sample = run.scores.index[: min(len(run.scores), 10_000)]
    contributions = run.model.contributions(run.features.loc[sample].reset_index())
    drivers = linkage.value_at_risk_by_driver(clv, p.loc[sample], contributions).head(10)
    scale = (
        total / max(float(drivers["value_at_risk"].sum()), 1e-9) if len(sample) < len(p) else 1.0
    )
    drivers["value_at_risk"] *= scale
    section.charts.append(
        Chart(
            _("Value at risk by reason"),
            charts.bar(
                drivers,
                x="label",
                y="value_at_risk",
                x_title=_("reason"),
                y_title=_("value at risk"),
                horizontal=True,
            ),
        )
    )
    return section


# ---------------------------------------------------------------------------------------
# Campaigns and their effect (uplift against the control group)
# ---------------------------------------------------------------------------------------

_UPLIFT_METRICS = (
    ("retained", N_("retention")),
    ("responded", N_("response")),
    ("spend", N_("revenue per member")),
)


def campaigns_section(ctx: ReportContext) -> Section:
    section = Section(
        "campaigns",
        _("Campaigns and their effect"),
        "",
        intro=_(
            "Treated members against the random control group held out of each campaign: "
            "differences in retention, response and revenue per member with 95 % intervals. "
            "An interval that covers zero means no detectable effect."
        ),
    )
    from patron.act.results import campaign_uplift, list_campaigns

    known = list_campaigns(ctx.workspace)
    if not known:
        raise _Missing(_("no campaign in the workspace"))
    commands, rows = [], []
    worked: set[str] = set()
    for campaign in reversed(known):  # oldest first, as they were run
        code = campaign["code"]
        command = f"patron act campaign uplift {code} {ctx.ws_arg}"
        commands.append(command)
        result = campaign_uplift(ctx.workspace, code)
        if not result["measured"]:
            section.notes.append(
                _("Campaign {code}: {reason}").format(code=code, reason=result["reason"])
            )
            continue
        estimate = result["estimate"]
        section.charts.append(
            Chart(
                _("Uplift of campaign {code}").format(code=code),
                estimate.chart().to_dict(),
                command=command,
            )
        )
        for metric, label in _UPLIFT_METRICS:
            r = result["metrics"].get(metric)
            if r is None:
                continue
            money = metric == "spend"
            shown = ctx.money if money else _pct
            gap = ctx.money if money else (lambda v: _num(100 * v))
            rows.append(
                {
                    _("campaign"): code,
                    _("treated"): result["treated"],
                    _("control"): result["control"],
                    _("outcome"): _(label),
                    _("treated mean"): shown(r["treated"]),
                    _("control mean"): shown(r["control"]),
                    _("difference (95 % CI)"): _("{d} ({lo} to {hi})").format(
                        d=gap(r["difference"]), lo=gap(r["lower"]), hi=gap(r["upper"])
                    ),
                    _("verdict"): r["verdict"],
                }
            )
            if r["detectable"]:
                worked.add(code)
    section.command = "\n".join(commands)
    measured = len(section.charts)
    section.facts = [
        (_("campaigns"), _int(len(known))),
        (_("measured against a control group"), _int(measured)),
    ]
    if rows:
        section.tables.append(
            (
                _("Treated minus control (retention and response in points)"),
                html_table(pd.DataFrame(rows)),
            )
        )
        ctx.shared["campaigns_finding"] = (
            _("Campaigns with a detectable effect: {codes}.").format(
                codes=", ".join(sorted(worked))
            )
            if worked
            else _("No campaign had a detectable effect.")
        )
    return section


def summary_section(ctx: ReportContext, sections: list[Section]) -> Section:
    section = Section(
        "summary",
        _("Executive summary"),
        f"patron report{ctx.ds_arg} {ctx.ws_arg}",
    )
    orders = ctx.history.orders
    year = orders[orders["ordered_at"] > pd.Timestamp(ctx.as_of, tz="UTC") - pd.Timedelta(days=365)]
    section.facts = [
        (_("as of"), format_date(ctx.as_of)),
        (_("customers"), _int(orders["customer_id"].nunique())),
        (_("active in the last 12 months"), _int(year["customer_id"].nunique())),
        (_("revenue in the last 12 months"), ctx.money(year["amount"].sum())),
    ]
    if "csi" in ctx.shared:
        section.facts.append((_("satisfaction index"), _num(ctx.shared["csi"].satisfaction_index_)))
    if "pareto_top20" in ctx.shared:
        section.facts.append((_("revenue from the top 20 %"), _pct(ctx.shared["pareto_top20"])))
    if "value_at_risk" in ctx.shared:
        section.facts.append((_("value at risk"), ctx.money(ctx.shared["value_at_risk"])))
    for key in (
        "csi_finding",
        "churn_finding",
        "recovery_finding",
        "elasticity_finding",
        "campaigns_finding",
    ):
        if key in ctx.shared:
            section.notes.append(ctx.shared[key])
    missing = [s.title for s in sections if s.status != "ok"]
    if missing:
        section.notes.append(
            _("Not shown for lack of data or modules: {names}.").format(names=", ".join(missing))
        )
    return section


# The order sections are computed in (the summary comes first on the page, last here).
SECTIONS: list[tuple[str, Callable[[ReportContext], Section], str]] = [
    ("csi", csi_section, N_("Customer satisfaction index and its drivers")),
    ("loyalty", loyalty_section, N_("Loyalty scorecard")),
    ("segments", segments_section, N_("Segments and the 20/80 curve")),
    ("lifecycle", lifecycle_section, N_("Lifecycle funnel and transitions")),
    ("cohorts", cohort_section, N_("Cohort retention")),
    ("clv", clv_section, N_("Customer lifetime value")),
    ("churn", churn_section, N_("Churn risk and its reasons")),
    ("value_at_risk", value_at_risk_section, N_("Value at risk")),
    ("recovery", recovery_section, N_("Complaint recovery")),
    ("linkage", linkage_section, N_("Satisfaction and what customers did next")),
    ("campaigns", campaigns_section, N_("Campaigns and their effect")),
]


def run_section(
    key: str, build: Callable[[ReportContext], Section], title: str, ctx: ReportContext
) -> Section:
    """Run one section; absent modules or data become a sentence, not a crash."""
    started = time.perf_counter()
    try:
        section = build(ctx)
    except ImportError as exc:
        section = Section(
            key,
            _(title),
            "",
            status="missing",
            message=_("This part needs a module that is not available: {name}.").format(
                name=getattr(exc, "name", None) or exc
            ),
        )
    except _Missing as exc:
        section = Section(key, _(title), "", status="missing", message=str(exc))
    except PatronError as exc:
        section = Section(key, _(title), "", status="missing", message=str(exc))
    except Exception as exc:  # a bug in one analysis must not cost the whole report
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        section = Section(
            key,
            _(title),
            "",
            status="error",
            message=_("This part failed: {error}").format(error=last),
        )
    section.seconds = time.perf_counter() - started
    return section
