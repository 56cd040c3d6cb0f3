"""What each customer looked like on a snapshot date, and whether they left after it.

The churn model's table for a Patron workspace: behaviour (purchases, spend, rhythm),
satisfaction (latest survey scores per construct, NPS class, change since the previous
answer), complaints (count, open, unresolved, time to resolve) and contacts, all computed
from events **on or before** the snapshot; the label comes only from the horizon after
it (no purchase in ``(snapshot, snapshot + horizon]`` = churned). Training uses an
earlier snapshot whose horizon has fully passed; scoring uses the latest date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.churn_history import (
    ANSWER_KEYS,
    ATTRIBUTE_FEATURES,
    CONSTRUCT_FEATURES,
    UNRESOLVED_OUTCOMES,
    CustomerHistory,
)
from patron.core.i18n import _, format_date
from patron.core.vocabulary import UNIT_DAYS
from patron.exceptions import InputError

__all__ = [
    "ATTRIBUTE_FEATURES",
    "CONSTRUCT_FEATURES",
    "CustomerHistory",
    "UNRESOLVED_OUTCOMES",
    "churn_table",
    "end_of_day",
    "parse_horizon",
]


def parse_horizon(value: str | int | timedelta) -> timedelta:
    """``"90d"``, ``"12w"``, ``"6m"``, ``"1y"`` or a number of days as a time span."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(days=float(value))
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dwmy]?)\s*", str(value).lower())
    if not match:
        raise InputError(
            _("horizon {value!r} not understood: use e.g. 90d, 12w, 6m or 1y").format(value=value)
        )
    number, unit = float(match.group(1)), match.group(2) or "d"
    days = UNIT_DAYS[unit.upper()] * number
    if days <= 0:
        raise InputError(_("horizon must be positive, got {value}").format(value=value))
    return timedelta(days=round(days))


def end_of_day(value: Any) -> pd.Timestamp:
    """A snapshot as the END of its day in UTC (events during that day count as before)."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return pd.Timestamp(value, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400.0


def _customer_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's customer as an integer code (first appearance order) and the ids.

    Aggregating on the codes with ``np.bincount`` hashes every id string once; a pandas
    groupby per feature would hash them again for every feature and every reindex.
    """
    codes, uniques = pd.factorize(ids, sort=False)
    return codes, pd.Index(uniques, name="customer_id")


def _behaviour(orders: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    past = orders[(orders["ordered_at"] <= at) & orders["customer_id"].notna()]
    codes, index = _customer_codes(past["customer_id"])
    k = len(index)
    # Seconds before the snapshot (≤ 0): one subtraction, then plain numpy per customer.
    secs = (past["ordered_at"] - at).dt.total_seconds().to_numpy(dtype=float)
    amount = np.nan_to_num(pd.to_numeric(past["amount"], errors="coerce").to_numpy(dtype=float))
    year, two_years = -365 * 86400.0, -730 * 86400.0
    recent = secs > year
    before = (secs > two_years) & ~recent
    n = np.bincount(codes, minlength=k).astype(float)
    first = np.full(k, np.inf)
    np.minimum.at(first, codes, secs)
    last = np.full(k, -np.inf)
    np.maximum.at(last, codes, secs)
    revenue = np.bincount(codes, weights=amount, minlength=k)
    purchases_365d = np.bincount(codes, weights=recent, minlength=k)
    out = pd.DataFrame(
        {
            "purchases": n,
            "purchases_365d": purchases_365d,
            # Whole calendar days, as every room counts them (the snapshot is the end of
            # its day, so a purchase that day is 0 days ago).
            "days_since_last_purchase": np.floor(-last / 86400.0),
            "days_since_first_purchase": np.floor(-first / 86400.0),
            "revenue": revenue,
            "revenue_365d": np.bincount(codes, weights=amount * recent, minlength=k),
            "mean_spend": revenue / n,
        },
        index=index,
    )
    out["purchase_trend"] = purchases_365d - np.bincount(codes, weights=before, minlength=k)
    span = (last - first) / 86400.0
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(n > 1, span / (n - 1), np.nan)
        out["mean_days_between"] = gap
        out["silence_ratio"] = np.where(
            gap > 0, out["days_since_last_purchase"].to_numpy() / gap, np.nan
        )
        if "discount" in past.columns:
            discount = np.nan_to_num(
                pd.to_numeric(past["discount"], errors="coerce").to_numpy(dtype=float)
            )
            given = np.bincount(codes, weights=discount, minlength=k)
            whole = revenue + given
            out["discount_share"] = np.where(whole != 0, given / whole, 0.0)
    return out


def _complaints(complaints: pd.DataFrame, at: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    past = complaints[complaints["opened_at"] <= at]
    resolved_at = past["resolved_at"] if "resolved_at" in past.columns else None
    closed = (
        (resolved_at.notna() & (resolved_at <= at)).to_numpy()
        if resolved_at is not None
        else np.zeros(len(past), dtype=bool)
    )
    if "status" in past.columns and resolved_at is None:
        status = past["status"].astype("string").str.lower()
        closed = status.isin({"resolved", "closed", "unresolved"}).fillna(False).to_numpy()
    outcome = (
        past["outcome"].astype("string").str.lower()
        if "outcome" in past.columns
        else pd.Series(pd.NA, index=past.index, dtype="string")
    )
    if "status" in past.columns:
        outcome = outcome.fillna(past["status"].astype("string").str.lower())
    bad = outcome.isin(UNRESOLVED_OUTCOMES).fillna(False).to_numpy()
    pos = index.get_indexer(past["customer_id"])
    ok = pos >= 0
    pos, k = pos[ok], len(index)
    secs = (past["opened_at"] - at).dt.total_seconds().to_numpy(dtype=float)[ok]
    closed, bad = closed[ok], bad[ok]
    if resolved_at is not None:
        took = _days(resolved_at - past["opened_at"]).to_numpy(dtype=float)[ok]
        took = np.where(closed, took, np.nan)
    else:
        took = np.full(len(pos), np.nan)
    count = np.bincount(pos, minlength=k).astype(float)
    timed = ~np.isnan(took)
    n_timed = np.bincount(pos[timed], minlength=k)
    took_sum = np.bincount(pos[timed], weights=took[timed], minlength=k)
    last = np.full(k, -np.inf)
    np.maximum.at(last, pos, secs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "complaints": count,
                "complaints_open": np.bincount(pos, weights=~closed, minlength=k),
                "complaints_unresolved": np.bincount(pos, weights=closed & bad, minlength=k),
                "complaints_resolved": np.bincount(pos, weights=closed & ~bad, minlength=k),
                "complaints_365d": np.bincount(pos, weights=secs > -365 * 86400.0, minlength=k),
                "days_to_resolve": np.round(np.where(n_timed > 0, took_sum / n_timed, np.nan), 1),
                "days_since_last_complaint": np.where(count > 0, np.round(-last / 86400.0), np.nan),
            },
            index=index,
        )


def _surveys(history: CustomerHistory, at: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    scores = history.survey_scores()
    past = scores[scores["at"] <= at]
    pos = index.get_indexer(past["customer_id"])
    past, pos = past[pos >= 0], pos[pos >= 0]
    if past.empty:
        return pd.DataFrame(index=index)
    # Rank each customer's answers: 1 = latest survey, 2 = the one before (sorted on the
    # integer positions, not on the id strings).
    secs = (past["at"] - at).dt.total_seconds().to_numpy(dtype=float)
    order = np.lexsort((-secs, pos))
    past, pos, secs = past.iloc[order], pos[order], secs[order]
    row = np.arange(len(pos))
    starts = np.r_[True, pos[1:] != pos[:-1]]
    rank = row - np.maximum.accumulate(np.where(starts, row, 0)) + 1
    constructs = [c for c in past.columns if c not in ANSWER_KEYS and c != "nps"]
    # 1–10 items rescaled to 0–100 (ACSI).
    rescaled = (past[constructs].to_numpy(dtype=float) - 1.0) / 9.0 * 100.0
    first, second = rank == 1, rank == 2

    def spread(values: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Values of the selected rows placed at their customer's row of ``index``."""
        full = np.full((len(index),) + values.shape[1:], np.nan)
        full[pos[where]] = values[where]
        return full

    latest = spread(rescaled, first)
    out = pd.DataFrame(np.round(latest, 1), index=index, columns=constructs)
    if second.any():
        previous = spread(rescaled, second)
        for feature in ("satisfaction", "value", "quality"):
            if feature in constructs:
                j = constructs.index(feature)
                out[f"{feature}_change"] = np.round(latest[:, j] - previous[:, j], 1)
    if "nps" in past.columns:
        last_nps = pd.Series(spread(past["nps"].to_numpy(dtype=float), first), index=index)
        out["nps"] = last_nps
        out["nps_class"] = np.select(
            [last_nps >= 9, last_nps >= 7, last_nps >= 0], [2.0, 1.0, 0.0], default=np.nan
        )
    out["days_since_last_survey"] = np.round(-spread(secs, first) / 86400.0)
    return out


def _contacts(interactions: pd.DataFrame, at: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    past = interactions[interactions["occurred_at"] <= at]
    # Each row's position in ``index`` (one hash lookup), then sums per position.
    pos = index.get_indexer(past["customer_id"])
    ok = pos >= 0
    pos, k = pos[ok], len(index)
    service = (
        past["is_service"].fillna(False).astype(bool).to_numpy()[ok]
        if "is_service" in past.columns
        else np.zeros(len(pos), dtype=bool)
    )
    secs = (past["occurred_at"] - at).dt.total_seconds().to_numpy(dtype=float)[ok]
    count = np.bincount(pos, minlength=k).astype(float)
    last = np.full(k, -np.inf)
    np.maximum.at(last, pos, secs)
    return pd.DataFrame(
        {
            "interactions": count,
            "service_contacts": np.bincount(pos, weights=service, minlength=k),
            "interactions_90d": np.bincount(pos, weights=secs > -90 * 86400.0, minlength=k),
            "days_since_last_interaction": np.where(count > 0, np.round(-last / 86400.0), np.nan),
        },
        index=index,
    )


def churn_table(
    history: CustomerHistory,
    snapshot: Any,
    *,
    horizon: str | int | timedelta | None = None,
    active_within: str | int | timedelta | None = None,
    attributes: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """One row per customer who had bought by ``snapshot``: features, and the label.

    Parameters
    ----------
    history : CustomerHistory
    snapshot : date or ISO string
        Features use only events up to the end of this day.
    horizon : "90d", "6m", days or None
        When given, ``churned`` is 1 for customers with no purchase in
        ``(snapshot, snapshot + horizon]``. The data must reach the horizon's end.
    active_within : "2y", days or None
        Keep only customers whose last purchase lies within this span before the
        snapshot (those silent longer have already left: they belong to win-back, not to
        churn prevention).
    attributes : sequence of str, default=()
        Customer attributes to add as categorical features (e.g. ``ATTRIBUTE_FEATURES``);
        off by default: on small bases a many-levelled attribute such as city is fitted
        as noise.

    Returns
    -------
    DataFrame
        ``customer_id`` column, the features and (with ``horizon``) ``churned``.
    """
    at = end_of_day(snapshot)
    behaviour = _behaviour(history.orders, at)
    if behaviour.empty:
        raise InputError(
            _("no purchases on or before {date}: nothing to predict").format(
                date=format_date(at.date())
            )
        )
    if active_within is not None:
        window = parse_horizon(active_within).days
        behaviour = behaviour[behaviour["days_since_last_purchase"] <= window]
        if behaviour.empty:
            raise InputError(
                _("no customer bought within {days} days before {date}").format(
                    days=window, date=format_date(at.date())
                )
            )
    index = behaviour.index
    parts = [behaviour]
    if history.complaints is not None and len(history.complaints):
        parts.append(_complaints(history.complaints, at, index))
    if history.has_surveys:
        parts.append(_surveys(history, at, index))
    if history.interactions is not None and len(history.interactions):
        parts.append(_contacts(history.interactions, at, index))
    if attributes and history.customers is not None and len(history.customers):
        present = [c for c in attributes if c in history.customers.columns]
        if present:
            attrs = history.customers.drop_duplicates("customer_id").set_index("customer_id")
            parts.append(attrs[present].reindex(index).astype("string"))
    table = pd.concat(parts, axis=1)
    table = table.loc[:, table.notna().any()]
    if horizon is not None:
        span = pd.Timedelta(parse_horizon(horizon))
        end = at + span
        if history.last_event < end - pd.Timedelta(days=1):
            raise InputError(
                _(
                    "the data end on {last}, before the horizon ends on {end}: choose an earlier snapshot"
                ).format(last=format_date(history.last_event.date()), end=format_date(end.date()))
            )
        orders = history.orders
        after = orders[(orders["ordered_at"] > at) & (orders["ordered_at"] <= end)]
        returned = pd.Index(after["customer_id"].unique())
        table["churned"] = (~table.index.isin(returned)).astype(int)
    table.index.name = "customer_id"
    return table.reset_index()
