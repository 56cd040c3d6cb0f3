"""The churn jobs: who is likely to leave, how sure we are, why, and the value at stake.

:func:`churn` scores a workspace's customers (trained one horizon back, backtested one
more horizon back, see :mod:`patron.analyze.churn_run`); :func:`churn_of_table` learns
from a table that already has a churned yes/no column (cross-validated). Both return a
:class:`~patron.jobs.result.JobResult` whose ``figures`` the report shows and
``patron churn … --json`` prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _, format_date, format_percent
from patron.core.printer import Printer
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

#: A customer whose churn probability is at least this is "at high risk".
HIGH_RISK = 0.5
#: Bases larger than this are fitted with fewer, faster trees (the report stays in a minute).
LARGE_BASE = 100_000
#: The model learns from at most this many customers (the scores still cover everyone).
MAX_TRAIN_ROWS = 50_000
#: Value at risk by reason uses the contributions of at most this many riskiest customers.
REASON_SAMPLE = 10_000


def churn_model(customers: int, *, seed: int = 0) -> Any:
    """The churn model a job fits on a base of ``customers``: 400 slow trees, or 150
    faster ones above :data:`LARGE_BASE` customers; at most :data:`MAX_TRAIN_ROWS` rows."""
    from patron.analyze.churn import ChurnModel

    large = customers > LARGE_BASE
    return ChurnModel(
        n_estimators=150 if large else 400,
        learning_rate=0.08 if large else 0.03,
        max_train_rows=MAX_TRAIN_ROWS,
        random_state=seed,
    )


def churn(
    ctx: AnalysisContext,
    *,
    horizon: str = "365d",
    snapshot: date | str | None = None,
    active_within: str = "2y",
    seed: int = 0,
    top: int = 15,
    reasons_for: int | None = None,
    value_at_risk: bool = False,
) -> JobResult:
    """Churn probability, risk decile and reasons for every active customer in scope.

    Parameters
    ----------
    ctx : AnalysisContext
    horizon : str, default="365d"
        Churned = no purchase within this span after the snapshot (``90d``, ``6m``, ``1y``).
    snapshot : date, default=None
        Score customers as of this day (default: the context's as-of date).
    active_within : str, default="2y"
        Only customers who bought within this span before a snapshot are modelled.
    seed : int, default=0
    top : int, default=15
        Customers listed on the terminal.
    reasons_for : int, default=None
        Word the reasons of only that many riskiest customers (all when None); the
        figures do not depend on it.
    value_at_risk : bool, default=False
        Also value each customer (12-month CLV) and add Σ CLV × churn probability, by
        segment and by reason.
    """
    run = _predict(
        ctx,
        horizon=horizon,
        snapshot=snapshot,
        active_within=active_within,
        seed=seed,
        reasons_for=reasons_for,
    )
    scores = run.scores
    p = scores["churn_probability"]
    frame = per_customer(scores).assign(horizon_days=run.horizon.days)
    drivers = run.model.drivers().reset_index()
    figures: dict[str, Any] = {
        "customers": len(scores),
        "horizon_days": run.horizon.days,
        "expected_churners": float(p.sum()),
        "high_risk": int((p >= HIGH_RISK).sum()),
        "mean_probability": float(p.mean()),
        "train_customers": run.train_customers,
        "churn_rate": run.train_rate,
    }
    tables: dict[str, pd.DataFrame] = {"drivers": drivers}
    ev = run.evaluation
    if ev is not None:
        figures["roc_auc"] = ev.roc_auc
        figures["pr_auc"] = ev.pr_auc
        figures["brier"] = ev.brier
        figures["top_decile_lift"] = float(ev.lift["lift"].iloc[0])
        tables["lift"] = ev.lift
        tables["calibration"] = ev.calibration
    notes = list(run.notes) + list(run.model.notes_)
    if value_at_risk:
        _value_at_risk(ctx, run, frame, figures, tables, notes)
    result = JobResult(
        "churn",
        ctx.scope,
        run.as_of,
        figures,
        tables,
        frame=frame,
        extra={
            "train_snapshot": run.train_snapshot.isoformat(),
            "backtest": ev.method if ev is not None else None,
            "notes": notes,
        },
    )
    result.printer = _printer(ctx, result, top=top)
    return result


def per_customer(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per customer, riskiest first: ``customer_id, churn_probability,
    risk_decile`` (1 = riskiest tenth), ``risk_label`` ("decile 1", the stored score's
    label) and ``reasons`` (a list of sentences)."""
    return pd.DataFrame(
        {
            "customer_id": scores.index.astype(str),
            "churn_probability": scores["churn_probability"].to_numpy(),
            "risk_decile": scores["risk_decile"].to_numpy(),
            "risk_label": [f"decile {d}" for d in scores["risk_decile"]],
            "reasons": [list(r) for r in scores["reasons"]],
        }
    )


def _predict(ctx: AnalysisContext, **params: Any) -> Any:
    """The churn run for these parameters, computed once per context (the report's churn
    and value-at-risk sections share it)."""
    from patron.analyze.churn_run import predict_churn

    def compute() -> Any:
        history = ctx.history()
        model = churn_model(history.orders["customer_id"].nunique(), seed=params["seed"])
        ctx.progress(_("Churn: training, backtest and scores"), 0, 1)
        run = predict_churn(
            history,
            as_of=params["snapshot"] or ctx.as_of,
            horizon=params["horizon"],
            model=model,
            active_within=params["active_within"],
            reasons_for=params["reasons_for"],
        )
        ctx.progress(_("Churn: training, backtest and scores"), 1, 1)
        return run

    key = ("churn", *sorted((k, str(v)) for k, v in params.items()))
    return ctx.cached(key, compute)


def customer_clv(ctx: AnalysisContext, *, months: int = 12) -> tuple[pd.Series, list[str]]:
    """Each customer's CLV over the next ``months`` as of the context's date — the CLV
    job's own figures (:func:`patron.jobs.clv.clv`), computed once per context — and notes;
    what value at risk multiplies churn by."""
    from patron.exceptions import InputError
    from patron.jobs.clv import clv

    result = ctx.cached(
        ("clv", ctx.as_of, months), lambda: clv(ctx, calibration_end=ctx.as_of, months=months)
    )
    if result.frame is None or "clv" not in result.frame.columns:
        raise InputError(_("the spend model could not be fitted: no CLV"))
    notes: list[str] = []
    free = int(result.figures.get("free_repeat_buyers") or 0)
    if free:
        notes.append(
            _(
                "{n} repeat buyers whose repeat purchases were all free left out of the spend model"
            ).format(n=free)
        )
    frame = result.frame.set_index("customer_id")
    return frame["clv"].astype(float).rename("clv"), notes


def _value_at_risk(
    ctx: AnalysisContext,
    run: Any,
    frame: pd.DataFrame,
    figures: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    notes: list[str],
) -> None:
    """Add Σ CLV × churn probability: per customer, in total, by RFM segment and by reason."""
    from patron.analyze import linkage
    from patron.analyze import segments as seg

    clv, clv_notes = customer_clv(ctx)
    notes += clv_notes
    p = run.scores["churn_probability"]
    rfm = ctx.run(seg.rfm(ctx.features()).select("customer_id", "rfm_segment"))
    segment = rfm.set_index("customer_id")["rfm_segment"].map(lambda s: _(seg.SEGMENTS[s]))
    by_segment = linkage.value_at_risk(clv, p, segment=segment)
    valued = clv.reindex(frame["customer_id"]).to_numpy()
    frame["clv"] = valued
    frame["value_at_risk"] = np.clip(valued, 0, None) * frame["churn_probability"].to_numpy()
    total = float(by_segment["value_at_risk"].sum())
    figures["customers_valued"] = int(by_segment["customers"].sum())
    figures["clv_total"] = round(float(by_segment["clv"].sum()), 2)
    figures["value_at_risk"] = round(total, 2)
    # The reasons of the riskiest customers stand for everyone's, scaled to the total.
    sample = run.scores.index[: min(len(run.scores), REASON_SAMPLE)]
    contributions = run.model.contributions(run.features.loc[sample].reset_index())
    by_reason = linkage.value_at_risk_by_driver(clv, p.loc[sample], contributions)
    if len(sample) < len(p):
        by_reason["value_at_risk"] *= total / max(float(by_reason["value_at_risk"].sum()), 1e-9)
    tables["value_at_risk"] = by_segment
    tables["value_at_risk_by_reason"] = by_reason


def _printer(ctx: AnalysisContext, result: JobResult, *, top: int) -> Printer:
    f = result.figures
    facts: dict[str, Any] = {
        _("as of"): format_date(result.as_of),
        _("horizon (days)"): f["horizon_days"],
        _("customers scored"): f["customers"],
        _("expected to leave"): f["expected_churners"],
        _("customers with risk ≥ 50 %"): f["high_risk"],
        _("mean churn probability"): format_percent(f["mean_probability"]),
        _("churn rate when trained"): format_percent(f["churn_rate"]),
    }
    if "roc_auc" in f:
        facts[_("backtest ROC AUC")] = f["roc_auc"]
        facts[_("backtest PR AUC")] = f["pr_auc"]
        facts[_("top-decile lift")] = f["top_decile_lift"]
    if "value_at_risk" in f:
        facts[_("value at risk")] = f["value_at_risk"]
    tables = [
        (_("What drives churn"), _drivers_shown(result.tables["drivers"], 10)),
        (_("Customers most at risk"), _at_risk_shown(result.frame.head(top))),
    ]
    if "value_at_risk" in result.tables:
        tables.append((_("Value at risk by segment"), result.tables["value_at_risk"]))
    return Printer(
        title=_("Churn risk over the next {days} days ({scope})").format(
            days=f["horizon_days"], scope=ctx.scope.label()
        ),
        facts=facts,
        tables=tables,
        notes=list(result.extra["notes"]),
    )


def _drivers_shown(drivers: pd.DataFrame, n: int) -> pd.DataFrame:
    return drivers.set_index("feature")[["importance", "share"]].head(n)


def _at_risk_shown(head: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("churn probability"): head["churn_probability"].to_numpy(),
            _("reasons"): ["; ".join(r) for r in head["reasons"]],
        },
        index=pd.Index(head["customer_id"], name=_("customer")),
    )


def churn_of_table(
    table: pd.DataFrame,
    *,
    label: str,
    id_col: str = "customer_id",
    folds: int = 5,
    seed: int = 0,
    top: int = 15,
    as_of: date | str | None = None,
) -> JobResult:
    """Learn churn from a table with a yes/no ``label`` column (one row per customer):
    ``folds``-fold stratified cross-validation, then a model on every row scores them.

    ``as_of`` is the date the scores are stored under (default: today).
    """
    from patron.analyze.churn import ChurnModel
    from patron.collect.units import EVERYTHING
    from patron.jobs.context import _as_date

    model = ChurnModel(label=label, id_col=id_col, random_state=seed)
    evaluation = model.cross_validate(table, folds=folds, seed=seed)
    model.fit(table)
    frame = per_customer(model.score(table))
    p = frame["churn_probability"]
    figures: dict[str, Any] = {
        "customers": len(frame),
        "churn_rate": evaluation.base_rate,
        "roc_auc": evaluation.roc_auc,
        "pr_auc": evaluation.pr_auc,
        "brier": evaluation.brier,
        "top_decile_lift": float(evaluation.lift["lift"].iloc[0]),
        "folds": folds,
        "high_risk": int((p >= HIGH_RISK).sum()),
        "expected_churners": float(p.sum()),
    }
    result = JobResult(
        "churn",
        EVERYTHING,
        _as_date(as_of) or date.today(),
        figures,
        {
            "drivers": model.drivers().reset_index(),
            "lift": evaluation.lift,
            "calibration": evaluation.calibration,
        },
        frame=frame,
        extra={
            "fold_roc_auc": evaluation.fold_roc_auc,
            "fold_pr_auc": evaluation.fold_pr_auc,
            "notes": list(model.notes_),
        },
    )
    head = frame.head(top)
    printer = evaluation.printer()
    printer.tables += [
        (_("What drives churn"), _drivers_shown(result.tables["drivers"], 15)),
        (_("Customers most at risk"), _at_risk_shown(head)),
    ]
    printer.notes = list(model.notes_)
    result.printer = printer
    return result
