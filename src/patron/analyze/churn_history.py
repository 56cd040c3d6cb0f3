"""What customers did and said: the history churn and the satisfaction links read.

One :class:`CustomerHistory` holds a scope's sales (by the workspace's vocabulary),
complaints, contacts, customer attributes and survey answers as pandas tables keyed by
``customer_id``, read once through the warehouse reader on DuckDB or Spark, in one row
order whatever the engine returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.core.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from patron.exceptions import InputError

__all__ = [
    "ATTRIBUTE_FEATURES",
    "CONSTRUCT_FEATURES",
    "CustomerHistory",
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


def _utc(series: pd.Series) -> pd.Series:
    out = pd.to_datetime(series, utc=True, errors="coerce")
    return out


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
                pd.DataFrame(
                    {"item_code": [c for c in self.answers.columns if c not in ANSWER_KEYS]}
                )
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
        out = answers[list(ANSWER_KEYS)].copy()
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
            raise reader.no_sales()
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


#: The columns that name one survey answer (the rest are its items or scores).
ANSWER_KEYS = ("customer_id", "response_id", "at")


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
