"""The CLV job: what each customer in scope is worth, from the sales the vocabulary counts.

:func:`clv` fits a Buy-Till-You-Die purchase model (BG/NBD, MBG/NBD, Pareto/NBD) and the
Gamma-Gamma spend model on the scope's sales up to the calibration end, and values every
customer over the next months. Its ``figures`` are what ``patron clv … --json`` prints
and what the report's CLV section shows; :func:`write_back` stores the per-customer
scores (``clv``, ``p_alive``, ``expected_purchases_52w``) as of the calibration end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from patron.core.i18n import _
from patron.core.printer import Printer
from patron.jobs.context import AnalysisContext, _as_date
from patron.jobs.result import JobResult

#: The per-customer scores the job writes back (metric = column of the frame).
SCORE_METRICS = ("clv", "p_alive", "expected_purchases_52w")


@dataclass
class ClvJobResult(JobResult):
    """A :class:`JobResult` that also keeps the fitted models (not printed by ``--json``).

    ``run`` is the :class:`~patron.analyze.clv.pipeline.ClvResult` behind the figures.
    """

    run: Any = None

    @property
    def model(self) -> Any:
        """The fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD)."""
        return None if self.run is None else self.run.model

    @property
    def spend_model(self) -> Any:
        """The fitted Gamma-Gamma spend model, or ``None`` when it could not be fitted."""
        return None if self.run is None else self.run.spend_model


def transactions_context(
    path: str | Path,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str | None = None,
    date_format: str | None = None,
    workspace: Any = None,
    engine: Any = None,
    progress: Any = None,
) -> AnalysisContext:
    """An analysis context over a transaction file instead of a workspace's warehouse.

    The file may be CSV, whitespace-separated text (the published CDNOW files) or
    Parquet, with columns named or numbered from 1 (see
    :func:`~patron.analyze.clv.data.read_transactions`). A ``status`` column, when the
    file has one, is kept, and the workspace (when given) lends its vocabulary, so
    returns and cancellations are left out as they are for the warehouse.
    """
    import ibis

    from patron.analyze.clv.data import read_transactions
    from patron.core.vocabulary import vocabulary_of

    frame = read_transactions(
        path,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
    )
    return AnalysisContext.from_tables(
        {"orders": ibis.memtable(frame)},
        engine=engine,
        vocabulary=vocabulary_of(workspace),
        progress=progress,
    )


def clv(
    ctx: AnalysisContext,
    *,
    model: str = "bgnbd",
    calibration_end: date | str | None = None,
    holdout_end: date | str | None = None,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | None = None,
    limit: int = 20,
    covariates: str | list[str] | None = None,
    n_draws: int = 200,
) -> ClvJobResult:
    """Fit the purchase and spend models on the scope's sales and value every customer.

    Parameters
    ----------
    ctx : AnalysisContext
        Scope, engine and vocabulary (what a sale is); the sales are
        ``ctx.reader.sales()``.
    model : {"bgnbd", "mbgnbd", "pareto"}, default="bgnbd"
    calibration_end : date, default=None
        Last day the models see (default: the context's as-of date, i.e. the last sale
        in scope unless the context was given one).
    holdout_end : date, default=None
        With it, the purchases in (calibration_end, holdout_end] are compared with the
        model's predictions (figures ``holdout_*``).
    months : int, default=12
        CLV horizon.
    discount_rate : float, default=0.01
        Monthly discount rate of the CLV.
    margin : float, default=1.0
        Share of spend that is profit.
    time_unit : {"D", "W", "M"}, default=None
        Unit of recency and age in the models (default: the vocabulary's time unit).
    limit : int, default=20
        Customers shown in the printed table of the most valuable.
    covariates : str or list of str, default=None
        Time-invariant covariates of the purchase and spend models (``"satisfaction,
        channel"``): ``satisfaction``, ``first_purchase_value``, ``channel`` or columns
        of the customers table (see
        :mod:`patron.analyze.clv.customer_covariates`). Only customers with every
        covariate are valued; figures ``covariates_missing`` and, per numeric covariate,
        ``clv_per_point_<name>`` with ``_lower``/``_upper`` (mean CLV gained per
        customer by one more point).
    n_draws : int, default=200
        Parameter draws behind the 95 % intervals (``clv_total_lower``/``_upper`` and
        the per-customer ``*_lower``/``*_upper`` columns); 0 for none.

    Returns
    -------
    ClvJobResult
        ``figures``: ``customers``, ``repeat_buyers``, ``expected_purchases_52w``,
        ``mean_p_alive``, ``log_likelihood``, ``param_<name>`` for the purchase model;
        with the spend model ``clv_total``, ``clv_mean``, ``clv_median``,
        ``clv_top_10pct_share`` and ``spend_param_<name>``; with a holdout
        ``holdout_<metric>``; ``free_repeat_buyers`` when repeat buyers whose repeat
        purchases were all free had to be left out of the spend model. ``frame``: one
        row per customer (``clv``, ``p_alive``, ``expected_purchases_52w``,
        ``expected_spend`` …).
    """
    from patron.analyze.clv.pipeline import run_clv

    name = str(model).strip().lower()
    unit = time_unit or ctx.vocabulary.time_unit
    cal_end = _as_date(calibration_end) if calibration_end is not None else ctx.as_of
    sales = ctx.reader.sales()
    columns = [c for c in ("customer_id", "ordered_at", "amount") if c in sales.columns]
    sales = sales.select(*columns)
    with_amount = "amount" in columns
    task = _("Fitting the model…")
    ctx.progress(task, 0, 1)

    from patron.analyze.clv.covariates import parse_covariates
    from patron.analyze.clv.customer_covariates import customer_covariates

    names = parse_covariates(covariates)
    known = None
    if names:
        history = ctx.history() if "satisfaction" in names else None
        known = customer_covariates(ctx.reader, names, calibration_end=cal_end, history=history)
    run = run_clv(
        sales,
        calibration_end=cal_end,
        holdout_end=holdout_end,
        model=name,
        time_unit=unit,
        amount=with_amount,
        months=months,
        discount_rate=discount_rate,
        margin=margin,
        con=ctx.con,
        covariates=known,
        n_draws=n_draws,
    )
    ctx.progress(task, 1, 1)
    figures = _figures(run)
    frame = run.predictions.sort_values("customer_id", kind="stable").reset_index(drop=True)
    return ClvJobResult(
        "clv",
        ctx.scope,
        run.calibration_end,
        figures,
        tables={} if run.holdout_table is None else {"holdout": run.holdout_table},
        frame=frame,
        printer=_printer(ctx, run, figures, frame, limit),
        extra={
            "model": name,
            "time_unit": str(unit).strip().upper()[:1],
            "calibration_end": run.calibration_end.isoformat(),
            "holdout_end": run.holdout_end.isoformat() if run.holdout_end else None,
            "months": int(months),
            "discount_rate": float(discount_rate),
            "margin": float(margin),
            "converged": bool(run.model.converged_),
            "covariates": names,
            "n_draws": int(n_draws),
            **_parameters(run),
        },
        run=run,
    )


def _figures(run: Any) -> dict[str, Any]:
    """The headline numbers (stable keys; the report and ``--json`` show exactly these)."""
    p = run.predictions
    figures: dict[str, Any] = {
        "customers": len(p),
        "repeat_buyers": int((p["frequency"] > 0).sum()),
        "expected_purchases_52w": float(p["expected_purchases_52w"].sum()),
        "mean_p_alive": float(p["p_alive"].mean()),
        "log_likelihood": float(run.model.log_likelihood_),
    }
    for key, value in run.model.params_.items():
        figures[f"param_{key}"] = float(value)
    if "clv" in p.columns:
        clv = p["clv"].astype(float)
        total = float(clv.sum())
        top = float(clv.nlargest(max(1, len(clv) // 10)).sum())
        figures["clv_total"] = round(total, 2)
        figures["clv_mean"] = round(float(clv.mean()), 2)
        figures["clv_median"] = round(float(clv.median()), 2)
        figures["clv_top_10pct_share"] = top / total if total else float("nan")
        for key, value in run.spend_model.params_.items():
            figures[f"spend_param_{key}"] = float(value)
        if run.clv_total_interval is not None:
            figures["clv_total_lower"] = round(run.clv_total_interval[0], 2)
            figures["clv_total_upper"] = round(run.clv_total_interval[1], 2)
    for name, worth in run.worth.items():
        figures[f"clv_per_point_{name}"] = round(worth["estimate"], 4)
        figures[f"clv_per_point_{name}_lower"] = round(worth["lower"], 4)
        figures[f"clv_per_point_{name}_upper"] = round(worth["upper"], 4)
    if run.covariates_missing:
        figures["covariates_missing"] = run.covariates_missing
    for key, value in run.holdout_metrics.items():
        figures[f"holdout_{key}"] = value
    if run.free_repeat_buyers:
        figures["free_repeat_buyers"] = run.free_repeat_buyers
    return figures


def _parameters(run: Any) -> dict[str, Any]:
    def table(model: Any) -> dict[str, dict[str, float]]:
        return {
            name: {"coef": float(row["coef"]), "se": float(row["se"])}
            for name, row in model.summary.iterrows()
        }

    out = {"parameters": table(run.model)}
    if run.spend_model is not None:
        out["spend_parameters"] = table(run.spend_model)
    return out


def _printer(
    ctx: AnalysisContext, run: Any, figures: dict[str, Any], frame: pd.DataFrame, limit: int
) -> Printer:
    base = run.printer()
    facts: dict[str, Any] = dict(base.facts)
    tables = list(base.tables)
    notes = list(base.notes)
    if "clv_total" in figures:
        facts[_("customers valued")] = figures["customers"]
        facts[_("total CLV")] = figures["clv_total"]
        if "clv_total_lower" in figures:
            facts[_("total CLV, 95 % interval")] = (
                f"{figures['clv_total_lower']:,.2f} – {figures['clv_total_upper']:,.2f}"
            )
        facts[_("mean CLV")] = figures["clv_mean"]
        facts[_("share held by the top 10 %")] = figures["clv_top_10pct_share"]
        shown = ["customer_id", "clv", "clv_lower", "clv_upper", "p_alive"]
        shown += ["expected_purchases_52w", "frequency"]
        top = frame.nlargest(max(0, int(limit)), "clv")[
            [c for c in shown if c in frame.columns]
        ].reset_index(drop=True)
        tables.append((_("Most valuable customers"), top))
    else:
        notes.append(_("the spend model could not be fitted: no CLV"))
    for name in run.worth:
        facts[_("CLV per point of {name} (95 % interval)").format(name=name)] = (
            f"{figures[f'clv_per_point_{name}']:,.2f} ("
            f"{figures[f'clv_per_point_{name}_lower']:,.2f} – "
            f"{figures[f'clv_per_point_{name}_upper']:,.2f})"
        )
    if figures.get("covariates_missing"):
        notes.append(
            _("{n} customers without every covariate are left out").format(
                n=f"{figures['covariates_missing']:,}"
            )
        )
    if figures.get("free_repeat_buyers"):
        notes.append(
            _(
                "{n} repeat buyers whose repeat purchases were all free are left out of the"
                " spend model"
            ).format(n=f"{figures['free_repeat_buyers']:,}")
        )
    title = f"{base.title} ({ctx.scope.label()})"
    return Printer(title=title, facts=facts, tables=tables, notes=notes)


def scores(result: JobResult) -> list[pd.DataFrame]:
    """The score rows of a CLV result: one metric per column of :data:`SCORE_METRICS`."""
    from patron.jobs.writeback import value_scores

    frame = result.frame
    return [value_scores(frame, metric, metric) for metric in SCORE_METRICS if metric in frame]


def write_back(workspace: Any, result: JobResult) -> tuple[int, Path]:
    """Store each customer's ``clv``, ``p_alive`` and ``expected_purchases_52w`` as of the
    calibration end, and the per-customer table as ``warehouse/analytics_clv``.

    Returns the number of score rows written (customers the store knows) and the path.
    """
    from patron.jobs.writeback import write_back as store

    model = result.extra.get("model", "bgnbd")
    return store(workspace, result, scores(result), model=f"patron.clv.{model}")
