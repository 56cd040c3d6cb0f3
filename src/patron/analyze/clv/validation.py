"""How well a fitted model predicts the holdout: per frequency level, week by week, and in error metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.clv.base import PurchaseModel
from patron.analyze.clv.data import validate_columns
from patron.core.i18n import _
from patron.core.vocabulary import unit_days
from patron.exceptions import InputError

__all__ = ["error_metrics", "holdout_by_frequency", "holdout_predictions", "tracking"]


def holdout_predictions(model: PurchaseModel, data: pd.DataFrame) -> pd.DataFrame:
    """Actual and predicted holdout purchases per customer.

    Parameters
    ----------
    model : fitted purchase model
    data : DataFrame
        From :func:`~patron.analyze.clv.data.calibration_and_holdout`: calibration
        ``frequency, recency, T`` plus ``frequency_holdout`` and ``duration_holdout``.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (calibration), ``actual``, ``predicted`` indexed by customer.
    """
    model.check_is_fitted()
    frame = validate_columns(
        data, ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    )
    durations = frame["duration_holdout"].unique()
    if len(durations) != 1:
        raise InputError(_("the holdout must have one length for every customer"))
    predicted = model.expected_purchases(frame, float(durations[0]))
    return pd.DataFrame(
        {
            "frequency": frame["frequency"].to_numpy(),
            "actual": frame["frequency_holdout"].to_numpy(dtype=float),
            "predicted": predicted.to_numpy(),
        },
        index=predicted.index,
    )


def holdout_by_frequency(
    model: PurchaseModel, data: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual vs predicted, per calibration frequency.

    The comparison of Fader, Hardie & Lee (2005, Figure 4): customers are grouped by
    their calibration repeat purchases, the last group collecting ``max_frequency`` and
    more.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (label such as ``"7+"``), ``customers``, ``actual``, ``predicted``.
    """
    per = holdout_predictions(model, data)
    level = np.minimum(per["frequency"].to_numpy(), max_frequency)
    grouped = (
        per.assign(level=level)
        .groupby("level")
        .agg(
            customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
    )
    labels = [f"{int(v)}+" if v == max_frequency else str(int(v)) for v in grouped.index]
    grouped.insert(0, "frequency", labels)
    return grouped.reset_index(drop=True)


def error_metrics(actual: Any, predicted: Any) -> dict[str, float]:
    """Customer-level and aggregate errors of predicted holdout purchases.

    Returns
    -------
    dict
        ``mae``, ``rmse`` (per customer), ``correlation``, ``actual_total``,
        ``predicted_total`` and ``total_error_pct`` (aggregate error in percent).
    """
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if a.shape != p.shape or a.size == 0:
        raise InputError(_("actual and predicted values must have the same, non-zero length"))
    total_a, total_p = float(a.sum()), float(p.sum())
    corr = float(np.corrcoef(a, p)[0, 1]) if a.std() > 0 and p.std() > 0 else float("nan")
    return {
        "mae": float(np.mean(np.abs(a - p))),
        "rmse": float(np.sqrt(np.mean((a - p) ** 2))),
        "correlation": corr,
        "actual_total": total_a,
        "predicted_total": total_p,
        "total_error_pct": 100.0 * (total_p - total_a) / total_a if total_a else float("nan"),
    }


def tracking(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    calibration_end: Any = None,
    periods: int | None = None,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Repeat purchases per period, actual vs expected, from the first purchase on.

    Each customer contributes :math:`E[X(t - t_{0})]` expected repeat purchases by time
    ``t``, where :math:`t_0` is their first purchase (Fader, Hardie & Lee 2005,
    Figure 3). Purchases on one day count once, as in the calibration summary.

    Parameters
    ----------
    model : fitted purchase model
    transactions : DataFrame
        One row per purchase.
    calibration_end : date, default=None
        Marks the end of the calibration in the result (``calibration`` column).
    periods : int, default=None
        Periods to track (default: up to the last purchase).
    time_unit : {"W", "D"}, default="W"

    Returns
    -------
    pandas.DataFrame
        ``period`` (1, 2, …), ``period_start`` (date), ``actual``, ``predicted``,
        ``actual_cumulative``, ``predicted_cumulative``, ``calibration`` (bool).
    """
    model.check_is_fitted()
    frame = validate_columns(transactions, [customer_col, date_col])
    days = pd.to_datetime(frame[date_col]).dt.tz_localize(None).dt.normalize()
    purchases = pd.DataFrame({"c": frame[customer_col].to_numpy(), "d": days}).drop_duplicates()
    first = purchases.groupby("c")["d"].transform("min")
    start = purchases["d"].min()
    unit = unit_days(time_unit)
    if periods is None:
        periods = int(np.ceil(((purchases["d"].max() - start).days + 1) / unit))
    repeat_days = purchases.loc[purchases["d"] > first, "d"]
    period_of = np.floor((repeat_days - start).dt.days / unit).astype(int) + 1
    actual = np.bincount(period_of[period_of <= periods], minlength=periods + 1)[1:]
    # Expected cumulative repeat purchases at the end of each period, summed over the
    # distinct first-purchase days (few) rather than over customers (many).
    first_days = purchases.groupby("c")["d"].min()
    cohort = first_days.value_counts()
    offsets = (cohort.index - start).days.to_numpy() / unit
    counts = cohort.to_numpy(dtype=float)
    ends = np.arange(1, periods + 1, dtype=float)
    age = ends[:, None] - offsets[None, :]
    expected = np.where(
        age > 0,
        model.expected_purchases_new_customer(np.maximum(age, 0.0).ravel()).reshape(age.shape),
        0.0,
    )
    cumulative = expected @ counts
    out = pd.DataFrame(
        {
            "period": np.arange(1, periods + 1),
            "period_start": (start + pd.to_timedelta((ends - 1) * unit, unit="D")).date,
            "actual": actual.astype(float),
            "predicted": np.diff(np.concatenate([[0.0], cumulative])),
        }
    )
    out["actual_cumulative"] = out["actual"].cumsum()
    out["predicted_cumulative"] = cumulative
    if calibration_end is not None:
        end = pd.Timestamp(calibration_end)
        out["calibration"] = pd.to_datetime(out["period_start"]) <= end
    else:
        out["calibration"] = True
    return out
