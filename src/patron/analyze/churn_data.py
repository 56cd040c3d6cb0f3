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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _, format_date
from patron.core.vocabulary import DEFAULT_VOCABULARY, UNIT_DAYS, Vocabulary
from patron.exceptions import InputError

__all__ = [
    "CustomerHistory",
    "parse_horizon",
    "churn_table",
    "end_of_day",
    "CONSTRUCT_FEATURES",
    "UNRESOLVED_OUTCOMES",
]

# Survey constructs → feature names (ACSI/ECSI names, Chinese names and item prefixes).
CONSTRUCT_FEATURES: list[tuple[str, str]] = [
    (r"^(?:ce|exp)|expect|期望", "expectations"),
    (r"^pq|quality|质量", "quality"),
    (r"^pv|value|价值", "value"),
    (r"^sat|satisf|满意", "satisfaction"),
    (r"^cc|complain|抱怨|投诉", "complaint_score"),
    (r"^cl|loyal|忠诚", "loyalty_intent"),
    (r"^im|image|形象", "image"),
]
# Customer attributes used as (categorical) features when the customers table has them.
ATTRIBUTE_FEATURES = ("gender", "language", "country", "city", "acquisition_channel")
_NPS_ITEMS = {"nps", "recommend", "would_recommend", "ltr"}
#: Complaint outcomes (or final statuses) that mean the complaint was closed unresolved.
UNRESOLVED_OUTCOMES = ("unresolved", "rejected", "failed", "escalated_unresolved")


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


def _utc(series: pd.Series) -> pd.Series:
    out = pd.to_datetime(series, utc=True, errors="coerce")
    return out


def end_of_day(value: Any) -> pd.Timestamp:
    """A snapshot as the END of its day in UTC (events during that day count as before)."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return pd.Timestamp(value, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


@dataclass
class CustomerHistory:
    """Everything customers did and said, as pandas tables keyed by ``customer_id``.

    Column names follow the warehouse: ``orders(customer_id, ordered_at, amount,
    [discount, status])``, ``complaints(customer_id, opened_at, [resolved_at, status,
    outcome])``, ``responses(customer_id, responded_at, item_code, value, [construct,
    response_id])``, ``interactions(customer_id, occurred_at, [is_service])`` and
    ``customers(customer_id, …)``. Only ``orders`` is required.

    Survey answers may come long (``responses``) or already wide (``answers``: one row
    per answer with ``customer_id, response_id, at`` and one column per item, plus
    ``item_features`` mapping item codes to construct features), which is how
    :meth:`from_workspace` reads them: pivoted by DuckDB, never as millions of rows.
    """

    orders: pd.DataFrame
    customers: pd.DataFrame | None = None
    complaints: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    answers: pd.DataFrame | None = None
    item_features: dict[str, str] | None = None
    vocabulary: Vocabulary = DEFAULT_VOCABULARY

    def __post_init__(self) -> None:
        self.orders = self._clean(
            self.orders, "orders", ["customer_id", "ordered_at", "amount"], ["ordered_at"]
        )
        if "status" in self.orders.columns:
            void = ~self.vocabulary.is_sale_mask(self.orders["status"])
            if void.any():
                self.notes.append(
                    _("{n} cancelled or returned orders not counted as purchases").format(
                        n=int(void.sum())
                    )
                )
                self.orders = self.orders[~void]
        if self.complaints is not None:
            self.complaints = self._clean(
                self.complaints,
                "complaints",
                ["customer_id", "opened_at"],
                ["opened_at", "resolved_at"],
            )
        if self.responses is not None:
            self.responses = self._clean(
                self.responses,
                "responses",
                ["customer_id", "responded_at", "item_code", "value"],
                ["responded_at"],
            )
        if self.interactions is not None:
            self.interactions = self._clean(
                self.interactions, "interactions", ["customer_id", "occurred_at"], ["occurred_at"]
            )

    @staticmethod
    def _clean(frame: pd.DataFrame, what: str, required: list[str], stamps: list[str]):
        for column in required:
            if column not in frame.columns:
                raise InputError(
                    _("{what}: required column {column} missing").format(what=what, column=column)
                )
        frame = frame.copy()
        frame["customer_id"] = frame["customer_id"].astype(str)
        for column in stamps:
            if column in frame.columns:
                frame[column] = _utc(frame[column])
        return frame

    @property
    def last_event(self) -> pd.Timestamp:
        """The latest purchase date: the natural "today" of the data."""
        end = getattr(self, "_data_end", None)
        return end if end is not None else self.orders["ordered_at"].max()

    @property
    def has_surveys(self) -> bool:
        if self.answers is not None:
            return len(self.answers) > 0
        return self.responses is not None and len(self.responses) > 0

    def survey_answers(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """Wide answers (``customer_id, response_id, at`` + one column per item) and the
        construct feature of each item, built once."""
        if self.answers is None:
            if not self.has_surveys:
                raise InputError(_("no survey responses: the satisfaction links need survey data"))
            self.answers, self.item_features = _pivot_answers(self.responses)
        if self.item_features is None:
            self.item_features = _item_features(
                pd.DataFrame({"item_code": [c for c in self.answers.columns if c not in _KEYS]})
            )
        return self.answers, self.item_features

    def survey_scores(self) -> pd.DataFrame:
        """Per answer: construct means on the 1–10 item scale and NPS (0–10), built once.

        Columns ``customer_id, response_id, at`` and one per construct found
        (``expectations, quality, value, satisfaction, complaint_score, loyalty_intent,
        image``) plus ``nps``.
        """
        cached = getattr(self, "_scores", None)
        if cached is not None:
            return cached
        answers, features = self.survey_answers()
        out = answers[list(_KEYS)].copy()
        by_feature: dict[str, list[str]] = {}
        for item, feature in features.items():
            if item in answers.columns:
                by_feature.setdefault(feature, []).append(item)
        for feature, items in by_feature.items():
            values = answers[items].to_numpy(dtype=float)
            if len(items) == 1:
                out[feature] = values[:, 0]
                continue
            # Mean of the answered items (NaN when none was answered).
            answered = (~np.isnan(values)).sum(axis=1)
            total = np.nansum(values, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[feature] = np.where(answered > 0, total / answered, np.nan)
        self._scores = out
        return out

    @classmethod
    def from_workspace(cls, workspace: Any, *, unit: Any = None) -> CustomerHistory:
        """The history of a workspace's customers in ``unit`` (see :meth:`from_reader`)."""
        from patron.analyze.reader import WarehouseReader

        return cls.from_reader(WarehouseReader(workspace, unit=unit))

    @classmethod
    def from_reader(cls, reader: Any) -> CustomerHistory:
        """Read the warehouse through the one reader: its scope, engine and vocabulary.

        Orders are the sales (by the workspace's vocabulary); survey answers are pivoted
        by the engine to one row per answer, never loaded as millions of long rows. Every
        table comes back in one order whatever the engine returned (DuckDB does not keep
        the scan order, Spark has its partitions): the same warehouse gives the same
        model, the same scores and the same figures on every run and engine.
        """

        def read(name: str, columns: list[str], table: Any = None) -> pd.DataFrame | None:
            table = reader.table(name, required=False) if table is None else table
            if table is None:
                return None
            wanted = [c for c in columns if c in table.columns]
            table = table.select(wanted)
            if "customer_id" in wanted:
                table = table.mutate(customer_id=table.customer_id.cast("string"))
            return _in_order(reader.to_pandas(table))

        orders = read(
            "orders",
            ["customer_id", "ordered_at", "amount", "discount", "status"],
            table=reader.sales(),
        )
        if orders.empty:
            raise InputError(
                _("no sales in {scope}: nothing to analyse").format(scope=reader.scope.label())
            )
        answers, features = _answers_from(reader)
        return cls(
            orders=orders,
            customers=read("customers", ["customer_id", *ATTRIBUTE_FEATURES]),
            complaints=read(
                "complaints",
                ["customer_id", "opened_at", "resolved_at", "status", "outcome", "severity"],
            ),
            interactions=read("interactions", ["customer_id", "occurred_at", "is_service", "kind"]),
            answers=answers,
            item_features=features,
            vocabulary=reader.vocabulary,
        )

    def restrict(self, customer_ids: Any) -> CustomerHistory:
        """The history of these customers only (e.g. a sample to learn from)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        keep = pa.array(pd.unique(np.asarray(customer_ids, dtype=object).astype(str)))

        def sub(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            if frame is None:
                return None
            # Arrow's hash set: pandas' isin of a string column against object ids
            # converts every string to a Python object first.
            ids = pa.array(frame["customer_id"].astype("str"))
            mask = pc.is_in(ids, value_set=keep.cast(ids.type)).to_numpy(zero_copy_only=False)
            return frame[mask]

        part = CustomerHistory(
            orders=sub(self.orders),
            customers=sub(self.customers),
            complaints=sub(self.complaints),
            responses=sub(self.responses),
            interactions=sub(self.interactions),
            answers=sub(self.answers),
            item_features=self.item_features,
            vocabulary=self.vocabulary,
        )
        # The data still end when the whole history ends (horizons are checked on it).
        part._data_end = self.last_event
        return part


def _answers_from(reader: Any) -> tuple[pd.DataFrame | None, dict[str, str] | None]:
    """Survey answers wide (one row per answer, one column per item, the mean of repeated
    items) and each item's construct feature, pivoted by the reader's engine."""
    long = reader.table("survey_responses", required=False)
    if long is None:
        return None, None
    construct = long.construct if "construct" in long.columns else long.item_code
    pairs = reader.to_pandas(
        long.group_by("item_code").aggregate(construct=construct.arbitrary()).order_by("item_code")
    )
    if pairs.empty:
        return None, None
    key = long.response_id if "response_id" in long.columns else long.responded_at.cast("string")
    wide = long.mutate(_key=key.cast("string"), customer_id=long.customer_id.cast("string"))
    columns = {
        str(code): wide.value.mean(where=wide.item_code == code).cast("float64")
        for code in pairs["item_code"]
    }
    frame = reader.to_pandas(
        wide.group_by(["customer_id", "_key"]).aggregate(at=wide.responded_at.max(), **columns)
    ).rename(columns={"_key": "response_id"})
    frame["at"] = _utc(frame["at"])
    frame = frame.sort_values(["customer_id", "response_id"], kind="stable", ignore_index=True)
    return frame, _item_features(pairs)


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted on every column, so that the engine's row order never matters."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), kind="stable", ignore_index=True)


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


_KEYS = ("customer_id", "response_id", "at")


def _construct_of(frame: pd.DataFrame) -> pd.Series:
    """The feature (construct) of each answer row from its construct name or item code."""
    codes = frame["item_code"].astype("string")
    source = frame["construct"] if "construct" in frame.columns else codes
    source = source.astype("string").fillna(codes).str.lower()
    lower = codes.str.lower()
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    for pattern, name in CONSTRUCT_FEATURES:
        hit = result.isna() & (
            source.str.contains(pattern, regex=True) | lower.str.contains(pattern, regex=True)
        ).fillna(False)
        result[hit] = name
    result[lower.isin(_NPS_ITEMS).fillna(False)] = "nps"
    return result


def _item_features(items: pd.DataFrame) -> dict[str, str]:
    """Item code → feature, for the items whose construct Patron knows."""
    items = items.drop_duplicates("item_code").reset_index(drop=True)
    features = _construct_of(items)
    return {
        str(code): str(feature)
        for code, feature in zip(items["item_code"], features, strict=True)
        if pd.notna(feature)
    }


def _pivot_answers(responses: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Long answers → one row per answer, one column per item (mean of repeated items)."""
    frame = responses
    if "response_id" in frame.columns:
        response = frame["response_id"].astype("string")
    else:
        response = frame["responded_at"].astype("string")
    key = frame["customer_id"].astype("string") + "\x1f" + response
    rows, uniques = pd.factorize(key, sort=False)
    cols, items = pd.factorize(frame["item_code"].astype("string"), sort=True)
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    sums = np.zeros((len(uniques), len(items)))
    counts = np.zeros((len(uniques), len(items)))
    ok = ~np.isnan(values)
    np.add.at(sums, (rows[ok], cols[ok]), values[ok])
    np.add.at(counts, (rows[ok], cols[ok]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide = np.where(counts > 0, sums / counts, np.nan)
    at = frame["responded_at"].groupby(rows).max()
    parts = pd.Series(uniques).str.split("\x1f", n=1, expand=True)
    out = pd.DataFrame(wide, columns=[str(i) for i in items])
    out.insert(0, "at", at.reindex(range(len(uniques))).array)
    out.insert(0, "response_id", parts[1].to_numpy())
    out.insert(0, "customer_id", parts[0].to_numpy())
    features = _item_features(
        frame[["item_code", "construct"]] if "construct" in frame.columns else frame[["item_code"]]
    )
    return out, features


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
    constructs = [c for c in past.columns if c not in _KEYS and c != "nps"]
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
