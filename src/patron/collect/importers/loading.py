"""What each kind's validated rows become in the store: keys resolved, defaults filled, inserted or updated.

Facts (orders, order lines, interactions, responses, preferences, important dates) are
inserted once: a row whose key is already stored is a duplicate. Customers and
complaints are *mutable*: a re-imported row with new values updates the stored one
(an empty cell leaves the stored value alone), an identical one is a duplicate.
References to customers are resolved by ``customer_id`` with one query per chunk; an
unknown customer is created with only its id when ``create_customers`` is on,
otherwise the row is rejected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from patron.collect.importers.keys import RowKeys, Sequence
from patron.collect.importers.schemas import Kind
from patron.collect.importers.writing import StoreWriter, canonical, python_columns, to_arrow
from patron.core.i18n import _

CACHE_LIMIT = 5_000_000  # customer keys kept per import (about 0.5 GB at most)
DEFAULT_SLA_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 168}


@dataclass
class Outcome:
    """What one chunk did; ``rejected`` holds (row label, field, reason)."""

    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    customers_created: int = 0
    rejected: list[tuple[Any, str, str]] = field(default_factory=list)


class KnownCustomers:
    """``customer_id`` → ``customer_pk`` of the customers one import has met, as Arrow
    arrays: a chunk's 100,000 ids are matched by one hash look-up in C (a Python dict
    mapped through pandas took 1 s per chunk)."""

    def __init__(self, limit: int = CACHE_LIMIT):
        self.limit = limit
        self.ids = pa.array([], type=pa.string())
        self.pks = np.zeros(0, dtype=np.float64)

    def resolve(self, writer: StoreWriter, ids: pd.Series) -> pd.Series:
        values = pa.array(ids, type=pa.string(), from_pandas=True)
        unique = pc.unique(values.drop_null())
        unseen = unique.filter(pc.invert(pc.is_in(unique, value_set=self.ids)))
        if len(self.ids) + len(unseen) > self.limit:
            # bounded memory: start again rather than grow without end
            self.ids, self.pks = pa.array([], type=pa.string()), np.zeros(0, dtype=np.float64)
            unseen = unique
        if len(unseen):
            found = writer.lookup("customers", "customer_id", unseen.to_pylist())
            if len(found):
                self.ids = pa.concat_arrays(
                    [self.ids, pa.array(found["customer_id"].tolist(), type=pa.string())]
                )
                self.pks = np.concatenate([self.pks, found["id"].to_numpy(dtype=np.float64)])
        at = pc.index_in(values, value_set=self.ids).to_numpy(zero_copy_only=False)
        out = np.full(len(values), np.nan)
        hit = ~np.isnan(at)
        out[hit] = self.pks[at[hit].astype(np.int64)]
        return pd.Series(out, index=ids.index)


class Loader:
    """Turns a kind's validated chunks into store rows."""

    def __init__(
        self,
        kind: Kind,
        *,
        create_customers: bool = True,
        sla_hours: dict[str, float] | None = None,
        units: dict[str, int] | None = None,
        default_unit_pk: int | None = None,
    ):
        self.kind = kind
        self.units = units or {}
        self.default_unit_pk = default_unit_pk
        self.create_customers = create_customers
        self.sla_hours = {**DEFAULT_SLA_HOURS, **(sla_hours or {})}
        self.keys = RowKeys(kind)
        self.lines = Sequence()
        # customer_id → customer_pk of every customer this import has met. Customers are
        # never deleted (erasure anonymises), so a pk once seen stays valid; a file's
        # later chunks then ask the store only about ids it has not seen yet.
        self.known = KnownCustomers()

    def load(
        self, writer: StoreWriter, values: pd.DataFrame, extras: pd.DataFrame | None
    ) -> Outcome:
        name = (
            "customers_kind" if self.kind.name == "customers" else self.kind.name.replace("-", "_")
        )
        method = getattr(self, "_" + name)
        return method(writer, values, extras)

    # -- shared steps ---------------------------------------------------------------------

    def _column(self, values: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
        if name in values.columns:
            column = values[name]
            if default is not None:
                column = column.astype(object).where(column.notna(), default)
                if isinstance(default, bool):
                    column = column.astype(bool)
                elif isinstance(default, int | float):
                    column = pd.to_numeric(column)
            return column
        if default is None:
            return pd.Series([None] * len(values), index=values.index, dtype=object)
        return pd.Series([default] * len(values), index=values.index)

    def _customers(
        self, writer: StoreWriter, values: pd.DataFrame, outcome: Outcome
    ) -> tuple[pd.DataFrame, pd.Series]:
        """Rows whose customer is known (or was created) and their ``customer_pk``."""
        if "customer_id" not in values.columns:
            return values, pd.Series([None] * len(values), index=values.index, dtype=object)
        ids = values["customer_id"]
        pks = self._customer_pks(writer, ids)
        unknown = (ids.notna() & pks.isna()).to_numpy(dtype=bool)
        if unknown.any() and self.create_customers:
            new_ids = pd.unique(ids[unknown].to_numpy(dtype=object)).tolist()
            outcome.customers_created += writer.create_keys("customers", "customer_id", new_ids)
            pks[unknown] = self._customer_pks(writer, ids[unknown])
            unknown = (ids.notna() & pks.isna()).to_numpy(dtype=bool)
        if unknown.any():
            reason = _("no customer with this customer_id (import customers first)")
            outcome.rejected.extend(
                (label, "customer_id", reason) for label in values.index[unknown]
            )
        kept = values[~unknown]
        pk = pks[~unknown].astype("Int64")
        return kept, pk

    def _customer_pks(self, writer: StoreWriter, ids: pd.Series) -> pd.Series:
        """``customer_id`` → ``customer_pk`` (float, NaN where unknown), asking the store
        only about ids this import has not met (one query per chunk)."""
        return self.known.resolve(writer, ids)

    def _units(self, values: pd.DataFrame, outcome: Outcome) -> tuple[pd.DataFrame, pd.Series]:
        """Rows whose ``unit`` code is known (or absent: the import's default unit) and
        their ``unit_pk``; an unknown code rejects the row."""
        default = pd.Series([self.default_unit_pk] * len(values), index=values.index, dtype="Int64")
        if "unit" not in values.columns:
            return values, default
        codes = values["unit"].astype("string").str.strip()
        mapped = codes.map(self.units).astype("Int64")
        unknown = (codes.notna() & (codes != "") & mapped.isna()).to_numpy(dtype=bool)
        if unknown.any():
            reason = _("no unit with this code (add it with `patron units add`)")
            outcome.rejected.extend((label, "unit", reason) for label in values.index[unknown])
        pks = mapped.fillna(default)[~unknown]
        return values[~unknown].drop(columns=["unit"]), pks

    def _insert(
        self, writer: StoreWriter, table: str, rows: pd.DataFrame, outcome: Outcome
    ) -> Outcome:
        inserted = writer.insert_ignore(table, rows)
        outcome.imported += inserted
        outcome.duplicates += len(rows) - inserted
        return outcome

    # -- facts ----------------------------------------------------------------------------

    def _orders(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        hashes = pd.Series(self.keys.content_hash(values), index=values.index)
        values, pk = self._customers(writer, values, outcome)
        values, unit_pk = self._units(values, outcome)
        rows = pd.DataFrame(
            {
                "order_id": self._column(values, "order_id"),
                "content_hash": hashes[values.index],
                "customer_pk": pk[values.index],
                "unit_pk": unit_pk,
                "ordered_at": values["ordered_at"],
                "amount": values["amount"],
                **{c: self._column(values, c) for c in ("cost", "discount", "quantity")},
                **{c: self._column(values, c) for c in ("channel", "location", "status")},
            }
        )
        for c in ("cost", "discount", "quantity"):
            rows[c] = pd.to_numeric(rows[c]).astype("float64")
        return self._insert(writer, "orders", rows, outcome)

    def _interactions(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        hashes = pd.Series(self.keys.content_hash(values), index=values.index)
        values, pk = self._customers(writer, values, outcome)
        values, unit_pk = self._units(values, outcome)
        rows = pd.DataFrame(
            {
                "interaction_id": self._column(values, "interaction_id"),
                "content_hash": hashes[values.index],
                "customer_pk": pk[values.index],
                "unit_pk": unit_pk,
                "occurred_at": values["occurred_at"],
                "channel": self._column(values, "channel"),
                "kind": self._column(values, "kind"),
                "is_service": self._column(values, "is_service", False),
                "summary": self._column(values, "summary"),
                "staff": self._column(values, "staff"),
            }
        )
        return self._insert(writer, "interactions", rows, outcome)

    def _order_lines(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        numbers = self.lines.number(values["order_id"])
        if "line_no" in values.columns:
            given = values["line_no"].to_numpy(dtype="float64", na_value=np.nan)
            numbers = np.where(np.isnan(given), numbers, given).astype(np.int64)
        numbers = pd.Series(numbers, index=values.index)
        order_pk = writer.key_map("orders", "order_id", values["order_id"])
        unknown = order_pk.isna().to_numpy(dtype=bool)
        if unknown.any():
            reason = _("no order with this order_id (import the orders first)")
            outcome.rejected.extend((label, "order_id", reason) for label in values.index[unknown])
        values = values[~unknown]
        rows = pd.DataFrame(
            {
                "order_pk": order_pk[~unknown].astype("int64"),
                "line_no": numbers[values.index],
                "product": self._column(values, "product"),
                "category": self._column(values, "category"),
                **{
                    c: pd.to_numeric(self._column(values, c)).astype("float64")
                    for c in ("quantity", "amount", "cost", "discount")
                },
            }
        )
        return self._insert(writer, "order_lines", rows, outcome)

    def _responses(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        values, customer_pk = self._customers(writer, values, outcome)
        values, unit_pk = self._units(values, outcome)
        customer_pk = customer_pk[values.index]
        survey_pk = pd.Series([None] * len(values), index=values.index, dtype=object)
        if "survey_code" in values.columns and values["survey_code"].notna().any():
            codes = values["survey_code"]
            survey_pk = writer.key_map("surveys", "code", codes)
            missing = (codes.notna() & survey_pk.isna()).to_numpy(dtype=bool)
            if missing.any():
                new = pd.unique(codes[missing].to_numpy(dtype=object)).tolist()
                writer.create_keys("surveys", "code", new, also=("name",))
                survey_pk[missing] = writer.key_map("surveys", "code", codes[missing])
            survey_pk = survey_pk.astype("Int64")
        rows = pd.DataFrame(
            {
                "response_id": values["response_id"],
                "survey_pk": survey_pk,
                "customer_pk": customer_pk,
                "unit_pk": unit_pk,
                "responded_at": values["responded_at"],
                "item_code": values["item_code"],
                "value": pd.to_numeric(self._column(values, "value")).astype("float64"),
                "text_value": self._column(values, "text_value"),
                "source": self._column(values, "source"),
            }
        )
        return self._insert(writer, "survey_responses", rows, outcome)

    def _preferences(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        values, pk = self._customers(writer, values, outcome)
        rows = pd.DataFrame(
            {
                "customer_pk": pk,
                "key": values["key"],
                "value": values["value"],
                "observed_at": self._column(values, "observed_at"),
                "source": self._column(values, "source"),
                "times_observed": 1,
            }
        )
        if rows["observed_at"].dtype == object:
            rows["observed_at"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us, UTC]")
        return self._insert(writer, "preferences", rows, outcome)

    def _important_dates(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        values, pk = self._customers(writer, values, outcome)
        rows = pd.DataFrame(
            {
                "customer_pk": pk,
                "kind": values["kind"].str.lower(),
                "date": values["date"],
                "label": self._column(values, "label"),
                "recurring": self._column(values, "recurring", True),
            }
        )
        return self._insert(writer, "important_dates", rows, outcome)

    # -- mutable rows ---------------------------------------------------------------------

    def _complaints(self, writer: StoreWriter, values: pd.DataFrame, extras: Any) -> Outcome:
        outcome = Outcome()
        hashes = pd.Series(self.keys.content_hash(values), index=values.index)
        values, pk = self._customers(writer, values, outcome)
        unit_given = "unit" in values.columns or self.default_unit_pk is not None
        values, unit_pk = self._units(values, outcome)
        pk = pk[values.index]
        severity = self._column(values, "severity", "medium")
        status = self._column(values, "status", "open")
        rows = pd.DataFrame(
            {
                "content_hash": hashes[values.index],
                "complaint_id": self._column(values, "complaint_id"),
                "customer_pk": pk,
                "unit_pk": unit_pk,
                "opened_at": values["opened_at"],
                "severity": severity,
                "status": status,
            }
        )
        given = [
            c
            for c in (
                "channel",
                "category",
                "description",
                "assigned_to",
                "sla_due_at",
                "escalation_level",
                "resolved_at",
                "resolution",
                "outcome",
            )
            if c in values.columns
        ]
        for c in given:
            rows[c] = values[c]
        if "sla_due_at" not in rows.columns or rows["sla_due_at"].isna().any():
            hours = severity.map(self.sla_hours).astype("float64")
            due = values["opened_at"] + pd.to_timedelta(hours, unit="h")
            rows["sla_due_at"] = (
                rows["sla_due_at"].fillna(due) if "sla_due_at" in rows.columns else due
            )
        if "escalation_level" in rows.columns:
            rows["escalation_level"] = rows["escalation_level"].fillna(0).astype("int64")
        compare = [c for c in rows.columns if c not in ("content_hash", "customer_pk", "opened_at")]
        explicit = set(given) | {c for c in ("severity", "status") if c in values.columns}
        if unit_given:
            explicit.add("unit_pk")
        else:
            compare.remove("unit_pk")
        return self._upsert(writer, "complaints", "content_hash", rows, compare, explicit, outcome)

    def _customers_kind(
        self, writer: StoreWriter, values: pd.DataFrame, extras: pd.DataFrame | None
    ) -> Outcome:
        outcome = Outcome()
        unit_given = "unit" in values.columns or self.default_unit_pk is not None
        values, unit_pk = self._units(values, outcome)
        rows = values.copy()
        if unit_given:
            rows["unit_pk"] = unit_pk
        if extras is not None and not extras.empty:
            rows["attributes"] = attribute_dicts(extras.loc[values.index])
        compare = [c for c in rows.columns if c != "customer_id"]
        return self._upsert(
            writer, "customers", "customer_id", rows, compare, set(compare), outcome
        )

    def _upsert(
        self,
        writer: StoreWriter,
        table: str,
        key: str,
        rows: pd.DataFrame,
        compare: list[str],
        explicit: set[str],
        outcome: Outcome,
    ) -> Outcome:
        """Insert new keys, update changed ones, count the rest as duplicates."""
        if rows.empty:
            return outcome
        repeated = rows.duplicated(subset=[key], keep="last").to_numpy()
        outcome.duplicates += int(repeated.sum())  # the last row with a key wins
        rows = rows[~repeated]
        stored = writer.lookup(table, key, rows[key].tolist(), tuple(compare))
        exists = rows[key].isin(stored[key]).to_numpy()
        new = rows[~exists]
        if not new.empty:
            insert = new.copy()
            if "attributes" in insert.columns:
                insert["attributes"] = insert["attributes"].map(_dump)
            if table == "customers":
                for name, default in (
                    ("consent_email", False),
                    ("consent_sms", False),
                    ("consent_phone", False),
                    ("consent_analytics", True),
                ):
                    if name in insert.columns:
                        insert[name] = insert[name].fillna(default).astype(bool)
            self._insert(writer, table, insert, outcome)
        old = rows[exists]
        if old.empty:
            return outcome
        stored = stored.drop_duplicates(subset=[key]).set_index(key).loc[old[key].to_numpy()]
        columns = [c for c in compare if c in explicit]
        arrow = to_arrow(old[[c for c in columns if c != "attributes"]], postgres=writer.postgres)
        fresh = dict(zip(arrow.column_names, python_columns(arrow, old), strict=True))
        changed_rows: list[dict[str, Any]] = []
        for i, key_value in enumerate(old[key].tolist()):
            update: dict[str, Any] = {}
            for c in columns:
                if c == "attributes":
                    before = _load(stored["attributes"].iloc[i])
                    addition = old["attributes"].iloc[i] or {}
                    merged = {**before, **addition}
                    if merged != before:
                        update[c] = _dump(merged)
                    continue
                value = fresh[c][i]
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    continue
                if canonical(value) != canonical(stored[c].iloc[i]):
                    update[c] = value
            if update:
                update[key] = key_value
                changed_rows.append(update)
        outcome.duplicates += len(old) - len(changed_rows)
        # Rows change different columns: group them so each UPDATE has one shape.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in changed_rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for shape, group in groups.items():
            columns = [c for c in shape if c != key]
            rows_out = [tuple(row[c] for c in columns) + (row[key],) for row in group]
            outcome.updated += writer.update(table, key, columns, rows_out)
        return outcome


def attribute_dicts(extras: pd.DataFrame) -> pd.Series:
    """The columns no field uses, per row, as a dict (numbers kept as numbers)."""
    typed: dict[str, pd.Series] = {}
    for column in extras.columns:
        values = extras[column]
        if values.dtype == object or str(values.dtype).startswith("string"):
            text = values.astype("string").str.strip()
            number = pd.to_numeric(text, errors="coerce")
            if text.notna().any() and number[text.notna()].notna().all():
                whole = (number.dropna() == number.dropna().round()).all()
                values = number.astype("Int64") if whole else number
            else:
                values = text
        typed[str(column)] = values
    frame = pd.DataFrame(typed, index=extras.index).astype(object)
    frame = frame.where(frame.notna(), None)
    records = frame.to_dict("records")
    return pd.Series(
        [{k: _plain(v) for k, v in r.items() if v is not None} or None for r in records],
        index=extras.index,
        dtype=object,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _dump(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
