"""CLV end to end: summarise the purchases, fit, validate on the holdout, predict per customer.

:func:`run_clv` is the analysis; :func:`patron.jobs.clv.clv` runs it on a workspace's
sales (or a file's) and turns it into the figures the CLI, the report and the demo show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.clv.base import PurchaseModel
from patron.analyze.clv.bg_nbd import BetaGeoModel
from patron.analyze.clv.data import _as_day, calibration_and_holdout, summarize_transactions
from patron.analyze.clv.gamma_gamma import PERIODS_PER_MONTH, GammaGammaModel
from patron.analyze.clv.mbg_nbd import ModifiedBetaGeoModel
from patron.analyze.clv.pareto_nbd import ParetoNBDModel
from patron.analyze.clv.validation import error_metrics, holdout_by_frequency, holdout_predictions
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.core.vocabulary import unit_days
from patron.exceptions import InputError, PatronError

__all__ = ["MODELS", "TIME_UNITS", "ClvResult", "run_clv"]

MODELS: dict[str, type[PurchaseModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "pareto": ParetoNBDModel,
}
#: Words for the time units the CLV models work in (``D``, ``W``, ``M``).
TIME_UNITS = {"D": "day", "W": "week", "M": "month"}
#: The horizon of ``expected_purchases_52w``, in days.
_HORIZON_DAYS = 52 * 7


@dataclass
class ClvResult:
    """A fitted purchase model (and spend model), holdout checks and per-customer predictions."""

    model: PurchaseModel
    spend_model: GammaGammaModel | None
    predictions: pd.DataFrame
    calibration_end: dt.date
    holdout_end: dt.date | None = None
    holdout_metrics: dict[str, float] = field(default_factory=dict)
    holdout_table: pd.DataFrame | None = None
    #: Repeat buyers left out of the spend fit because their repeat purchases were free.
    free_repeat_buyers: int = 0
    #: Customers left out because a covariate was missing.
    covariates_missing: int = 0
    #: Interval of the total CLV (lower, upper) and what one more point of each numeric
    #: covariate is worth in mean CLV per customer (estimate, lower, upper, …).
    clv_total_interval: tuple[float, float] | None = None
    worth: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def printer(self) -> Printer:
        printer = self.model._printer()
        tables = list(printer.tables)
        if self.spend_model is not None:
            tables.append((_("Spend model (Gamma-Gamma)"), self.spend_model.summary))
        if self.holdout_table is not None:
            tables.append((_("Holdout purchases by calibration frequency"), self.holdout_table))
        facts = dict(printer.facts)
        facts[_("calibration end")] = self.calibration_end.isoformat()
        if self.holdout_end is not None:
            facts[_("holdout end")] = self.holdout_end.isoformat()
            labels = {
                "actual_total": _("holdout purchases, actual"),
                "predicted_total": _("holdout purchases, predicted"),
                "total_error_pct": _("aggregate error (%)"),
                "mae": _("mean absolute error per customer"),
                "rmse": _("root mean squared error per customer"),
                "correlation": _("correlation, actual vs predicted"),
            }
            for key, label in labels.items():
                facts[label] = self.holdout_metrics[key]
        return Printer(title=printer.title, facts=facts, tables=tables)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": type(self.model).__name__,
            "customers": self.model.n_customers_,
            "log_likelihood": self.model.log_likelihood_,
            "converged": self.model.converged_,
            "parameters": _params(self.model),
            "calibration_end": self.calibration_end,
            "holdout_end": self.holdout_end,
            "holdout": self.holdout_metrics or None,
        }
        if self.spend_model is not None:
            out["spend_parameters"] = _params(self.spend_model)
        return out


def _params(model: Any) -> dict[str, dict[str, float]]:
    summary = model.summary
    return {
        name: {"coef": float(row["coef"]), "se": float(row["se"])}
        for name, row in summary.iterrows()
    }


def run_clv(
    transactions: Any,
    *,
    calibration_end: Any = None,
    holdout_end: Any = None,
    model: str = "bgnbd",
    time_unit: str = "W",
    amount: bool = True,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    con: Any = None,
    covariates: pd.DataFrame | None = None,
    n_draws: int = 200,
) -> ClvResult:
    """Fit a purchase model on the calibration period and predict every customer.

    Parameters
    ----------
    transactions : DataFrame or ibis Table
        The purchases (sales): ``customer_id, ordered_at`` and (with ``amount``)
        ``amount``.
    calibration_end : date, default=None
        Last day of the calibration period (default: the last purchase day).
    holdout_end : date, default=None
        With it, purchases in (calibration_end, holdout_end] are compared with the
        model's predictions.
    model : {"bgnbd", "mbgnbd", "pareto"}
    time_unit : {"W", "D", "M"}
        Unit of recency, T and the model's rates (the horizon of
        ``expected_purchases_52w`` is 52 weeks in any unit).
    amount : bool
        Fit the Gamma-Gamma spend model and compute CLV.
    con : ibis backend, default=None
        The engine that summarises the purchases (default: DuckDB; an Ibis table is read
        on the engine it is bound to).
    covariates : DataFrame, default=None
        ``customer_id`` and covariate columns (see
        :func:`~patron.analyze.clv.customer_covariates.customer_covariates`): the
        purchase and spend models then take them, and only customers with every
        covariate are valued (``covariates_missing`` counts the others).
    n_draws : int, default=200
        Parameter draws behind the intervals (``*_lower``/``*_upper`` columns, seeded);
        0 for none.

    Returns
    -------
    ClvResult
        ``predictions`` has ``customer_id, frequency, recency, T, monetary_value,
        expected_purchases_52w, p_alive, expected_spend, clv``.
    """
    if model not in MODELS:
        raise InputError(
            _("unknown model {model!r}: use one of {choices}").format(
                model=model, choices=", ".join(MODELS)
            )
        )
    unit = str(time_unit).strip().upper()[:1]
    if unit not in TIME_UNITS or unit not in PERIODS_PER_MONTH:
        raise InputError(
            _("unknown time unit {unit!r}: use one of {choices}").format(
                unit=time_unit, choices="day, week, month"
            )
        )
    from patron.analyze import engine
    from patron.analyze.clv.data import _read
    from patron.analyze.features import as_day

    backend = engine.connect(con)
    table = _read(transactions, "ordered_at", backend)
    facts = engine.to_pandas(
        table.aggregate(rows=table.count(), last=as_day(table.ordered_at).max()), backend
    )
    if int(facts["rows"].iloc[0]) == 0:
        raise InputError(_("the transactions hold no rows"))
    if calibration_end is None:
        calibration_end = pd.Timestamp(facts["last"].iloc[0]).date()
    cal_end = _as_day(calibration_end)
    amount_col = "amount" if amount and "amount" in table.columns else None
    if holdout_end is not None:
        summary = calibration_and_holdout(
            table,
            calibration_end=cal_end,
            holdout_end=holdout_end,
            amount_col=amount_col,
            time_unit=unit,
            con=backend,
        )
    else:
        summary = summarize_transactions(
            table, amount_col=amount_col, observation_end=cal_end, time_unit=unit, con=backend
        )
    if summary.empty:
        raise InputError(
            _("no customer bought on or before the calibration end {date}").format(date=cal_end)
        )
    names: list[str] = []
    missing = 0
    if covariates is not None:
        names = [c for c in covariates.columns if c != "customer_id"]
        known = covariates.assign(customer_id=covariates["customer_id"].astype(str))
        key = summary["customer_id"].astype(str)
        merged = summary.assign(_key=key).merge(
            known.rename(columns={"customer_id": "_key"}), on="_key", how="inner"
        )
        missing = len(summary) - len(merged)
        if merged.empty:
            raise InputError(_("no customer in the calibration period has every covariate"))
        summary = merged.drop(columns="_key").reset_index(drop=True)
    fitted = MODELS[model](covariates=names or None).fit(summary)
    horizon = _HORIZON_DAYS / unit_days(unit)
    predictions = summary[["customer_id", "frequency", "recency", "T"]].copy()
    predictions["expected_purchases_52w"] = fitted.expected_purchases(summary, horizon).to_numpy()
    predictions["p_alive"] = fitted.probability_alive(summary).to_numpy()
    spend_model = None
    free_repeat_buyers = 0
    if amount_col:
        predictions["monetary_value"] = summary["monetary_value"].to_numpy()
        # Gamma-Gamma needs a positive mean spend: repeat buyers whose repeat purchases
        # were all free (amount 0) stay in the purchase model (they bought) but are left
        # out of the spend fit; their expected spend is the model's for a mean of 0.
        free = (summary["frequency"] > 0) & ~(summary["monetary_value"] > 0)
        free_repeat_buyers = int(free.sum())
        try:
            spend_model = GammaGammaModel(covariates=names or None).fit(summary[~free])
        except PatronError:
            spend_model = None  # e.g. no repeat buyers: CLV cannot be valued
    if spend_model is not None:
        predictions["expected_spend"] = spend_model.expected_spend(summary).to_numpy()
        predictions["clv"] = spend_model.customer_lifetime_value(
            fitted,
            summary,
            months=months,
            discount_rate=discount_rate,
            margin=margin,
            time_unit=unit,
        ).to_numpy()
    for name in names:
        predictions[name] = summary[name].to_numpy()
    result = ClvResult(
        model=fitted,
        spend_model=spend_model,
        predictions=predictions,
        calibration_end=cal_end,
        free_repeat_buyers=free_repeat_buyers,
        covariates_missing=missing,
    )
    if n_draws:
        _intervals(result, summary, horizon, months, discount_rate, margin, unit, n_draws)
    if holdout_end is not None:
        per = holdout_predictions(fitted, summary)
        result.holdout_end = _as_day(holdout_end)
        result.holdout_metrics = error_metrics(per["actual"], per["predicted"])
        result.holdout_table = holdout_by_frequency(fitted, summary)
        predictions["frequency_holdout"] = per["actual"].to_numpy()
        predictions["predicted_holdout"] = per["predicted"].to_numpy()
    return result


def _intervals(
    result: ClvResult,
    summary: pd.DataFrame,
    horizon: float,
    months: int,
    discount_rate: float,
    margin: float,
    unit: str,
    n_draws: int,
) -> None:
    """Add 95 % intervals (seeded parameter draws) to the predictions and the result."""
    from patron.analyze.clv.uncertainty import clv_interval, covariate_worth, purchases_interval

    # A zero standard error is a flat direction at the boundary (a, b -> inf: no
    # heterogeneity in drop-out) that predictions do not depend on; NaN is no answer.
    if not np.all(np.isfinite(result.model.variance_matrix_.to_numpy())):
        result.notes.append(
            _("no intervals: the purchase model has no standard errors (see its warning)")
        )
        return
    p = result.predictions
    purchases = purchases_interval(result.model, summary, horizon, n_draws=n_draws)
    p["expected_purchases_52w_lower"] = purchases["lower"].to_numpy()
    p["expected_purchases_52w_upper"] = purchases["upper"].to_numpy()
    if result.spend_model is None:
        return
    options = {"months": months, "discount_rate": discount_rate, "margin": margin}
    table = clv_interval(
        result.spend_model, result.model, summary, time_unit=unit, n_draws=n_draws, **options
    )
    p["clv_lower"] = table["lower"].to_numpy()
    p["clv_upper"] = table["upper"].to_numpy()
    result.clv_total_interval = (table.attrs["total_lower"], table.attrs["total_upper"])
    design = getattr(result.model, "design_", None)
    for name in [] if design is None else design.columns:
        if name in design.levels:
            continue  # one more point only means something for numbers
        result.worth[name] = covariate_worth(
            result.spend_model,
            result.model,
            summary,
            name,
            time_unit=unit,
            n_draws=n_draws,
            **options,
        )
