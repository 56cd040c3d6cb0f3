"""How validated rows reach the store in bulk: key look-ups, inserts that skip known rows, updates.

Everything runs on one connection inside the caller's transaction (one per chunk).
SQLite gets ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING``; PostgreSQL gets
``COPY`` into a temporary table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
Keys are resolved with one query per chunk (``json_each`` on SQLite, ``= ANY`` on
PostgreSQL); no ORM object is made per row. Rows skipped by ``ON CONFLICT`` are the
duplicates.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from patron.collect.importers import postgres

TS_FORMAT = "%Y-%m-%d %H:%M:%S"  # Arrow's %S carries the microseconds


class StoreWriter:
    """Bulk operations on one open connection (SQLite or PostgreSQL)."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.postgres = self.dialect == "postgresql"
        self._unique_keys: dict[str, list[tuple[str, ...]] | None] = {}

    def _cursor(self) -> Any:
        return self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def begin_immediate(self) -> None:
        """Take SQLite's write lock now, so key look-ups and writes see the same store."""
        dbapi = self.connection.connection.dbapi_connection
        if not dbapi.in_transaction:  # type: ignore[union-attr]
            dbapi.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

    @property
    def mark(self) -> str:
        return "%s" if self.postgres else "?"

    # -- look-ups -------------------------------------------------------------------------

    def lookup(
        self, table: str, key: str, values: list[str], columns: tuple[str, ...] = ("id",)
    ) -> pd.DataFrame:
        """Stored rows whose ``key`` is among ``values`` (one query)."""
        wanted = ", ".join([key, *columns])
        cursor = self._cursor()
        try:
            if self.postgres:
                cursor.execute(f"SELECT {wanted} FROM {table} WHERE {key} = ANY(%s)", (values,))
            else:
                cursor.execute(
                    f"SELECT {wanted} FROM {table} WHERE {key} IN (SELECT value FROM json_each(?))",
                    (json.dumps(values, ensure_ascii=False),),
                )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        names = [key, *columns]
        # Column by column: building a frame from a list of row tuples checks every tuple.
        transposed = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        return pd.DataFrame({n: list(c) for n, c in zip(names, transposed, strict=True)})

    def key_map(self, table: str, key: str, values: pd.Series) -> pd.Series:
        """``values`` (natural keys) → surrogate ids; missing where unknown."""
        unique = pd.unique(values.dropna().to_numpy(dtype=object)).tolist()
        if not unique:
            return pd.Series(np.nan, index=values.index)
        found = self.lookup(table, key, unique)
        ids = pd.Series(found["id"].to_numpy(), index=found[key].to_numpy(dtype=object))
        return values.map(ids)

    def create_keys(
        self, table: str, key: str, values: list[str], also: tuple[str, ...] = ()
    ) -> int:
        """Insert rows carrying only their natural key (minimal customers, surveys).

        ``also`` names columns that receive the key too (a new survey's name is its code).
        """
        if not values:
            return 0
        columns = ", ".join([key, *also])
        cursor = self._cursor()
        try:
            if self.postgres:
                select = ", ".join(["k"] * (1 + len(also)))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {select} FROM unnest(%s::text[]) AS k "
                    "ON CONFLICT DO NOTHING",
                    (values,),
                )
            else:
                select = ", ".join(["value"] * (1 + len(also)))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {select} FROM json_each(?) WHERE true "
                    "ON CONFLICT DO NOTHING",
                    (json.dumps(values, ensure_ascii=False),),
                )
            return max(cursor.rowcount, 0)
        finally:
            cursor.close()

    # -- bulk loading (SQLite) ------------------------------------------------------------

    def secondary_indexes(self, table: str) -> list[sa.Index]:
        """The table's non-unique indexes (the ones ``ON CONFLICT`` does not need)."""
        from patron.collect.store.models import Base

        found = Base.metadata.tables.get(table)
        if found is None:
            return []
        return sorted((i for i in found.indexes if not i.unique), key=lambda i: str(i.name))

    def drop_indexes(self, table: str) -> None:
        """Drop the secondary indexes for a bulk load (rebuilt by ``restore_indexes``)."""
        for index in self.secondary_indexes(table):
            self.connection.execute(sa.schema.DropIndex(index, if_exists=True))

    def restore_indexes(self, table: str) -> None:
        """Create any secondary index that is missing (also heals a killed bulk load)."""
        for index in self.secondary_indexes(table):
            self.connection.execute(sa.schema.CreateIndex(index, if_not_exists=True))

    def suspend_foreign_keys(self, table: str) -> list[tuple[str, str]]:
        """PostgreSQL bulk load: drop the table's foreign keys in this transaction."""
        if not self.postgres:
            return []  # SQLite: the import turns its foreign-key checks off per connection
        cursor = self._cursor()
        try:
            return postgres.suspend_foreign_keys(cursor, table)
        finally:
            cursor.close()

    def resume_foreign_keys(self, table: str, found: list[tuple[str, str]]) -> None:
        """Add back what :meth:`suspend_foreign_keys` dropped (``NOT VALID``)."""
        if found:
            cursor = self._cursor()
            try:
                postgres.resume_foreign_keys(cursor, table, found)
            finally:
                cursor.close()

    def validate_foreign_keys(self, table: str) -> None:
        """Check the rows against foreign keys a bulk load left unchecked (PostgreSQL)."""
        if self.postgres:
            cursor = self._cursor()
            try:
                postgres.validate_foreign_keys(cursor, table)
            finally:
                cursor.close()

    def max_id(self, table: str) -> int:
        cursor = self._cursor()
        try:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    # -- writes ---------------------------------------------------------------------------

    def insert_ignore(self, table: str, frame: pd.DataFrame) -> int:
        """Insert ``frame``'s rows; rows clashing with a unique key are skipped. Returns inserted."""
        if frame.empty:
            return 0
        # Columns empty in the whole chunk are left to the table's default (less to bind).
        frame = frame.loc[:, frame.notna().any().to_numpy()]
        columns = list(frame.columns)
        names = ", ".join(columns)
        arrow = to_arrow(frame, postgres=self.postgres)
        cursor = self._cursor()
        try:
            if self.postgres:
                import pyarrow.csv as pcsv

                stage = f"_patron_stage_{table}"
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
                cursor.execute(
                    f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"
                )
                buffer = io.BytesIO()
                pcsv.write_csv(
                    arrow,
                    buffer,
                    write_options=pcsv.WriteOptions(
                        include_header=False, quoting_style="all_valid"
                    ),
                )
                with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buffer.getbuffer())
                if table not in self._unique_keys:
                    self._unique_keys[table] = postgres.unique_keys(cursor, table)
                keys = self._unique_keys[table]
                if keys is not None and postgres.repeats_within(frame, keys):
                    keys = None  # a key twice in the chunk: ON CONFLICT decides which stays
                inserted = postgres.insert_staged(cursor, table, stage, names, keys, columns)
                cursor.execute(f"DROP TABLE {stage}")
                return inserted
            marks = ", ".join("?" * len(columns))
            # Rows handed over as they are zipped: no list of 100,000 tuples is built first.
            rows = zip(*python_columns(arrow, frame), strict=True)
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows
            )
            return cursor.rowcount
        finally:
            cursor.close()

    def update(self, table: str, key: str, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
        """Set ``columns`` (values as stored, key last in each row) in the rows named by ``key``."""
        if not rows:
            return 0
        mark = self.mark
        sets = ", ".join(f"{c} = {mark}" for c in columns)
        now = "now()" if self.postgres else "CURRENT_TIMESTAMP"
        statement = (
            f"UPDATE {table} SET {sets}, version = version + 1, updated_at = {now} "
            f"WHERE {key} = {mark}"
        )
        cursor = self._cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()
        return len(rows)


def to_arrow(frame: pd.DataFrame, *, postgres: bool) -> pa.Table:
    """The frame as Arrow columns the database accepts: times as UTC text, NaN as null."""
    arrays = []
    for name in frame.columns:
        values = frame[name]
        dtype = values.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            naive = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
            # A cast prints "YYYY-MM-DD HH:MM:SS.ffffff", the layout SQLAlchemy uses on SQLite.
            array = pa.array(naive, from_pandas=True).cast(pa.string())
            if postgres:
                array = pc.binary_join_element_wise(array, pa.scalar("+00"), "")
        elif pd.api.types.is_datetime64_dtype(dtype):
            days = pa.array(values.astype("datetime64[us]"), from_pandas=True).cast(pa.date32())
            array = days.cast(pa.string())
        elif pd.api.types.is_bool_dtype(dtype):
            array = pa.array(values, from_pandas=True, type=pa.bool_())
            if not postgres:
                array = array.cast(pa.int64())
        elif pd.api.types.is_float_dtype(dtype):
            array = pa.array(values.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
        elif pd.api.types.is_integer_dtype(dtype):
            array = pa.array(values, from_pandas=True, type=pa.int64())
        elif isinstance(dtype, pd.StringDtype):
            array = pa.array(values, from_pandas=True)
        else:
            array = pa.array(
                values.astype(object).where(values.notna(), None),
                type=pa.string(),
                from_pandas=True,
            )
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(frame.columns))


def python_columns(arrow: pa.Table, frame: pd.DataFrame) -> list[list[Any]]:
    """Column lists for ``executemany``: floats stay NaN (SQLite binds NaN as NULL)."""
    out = []
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if pa.types.is_floating(column.type):
            out.append(frame[name].to_numpy(dtype="float64", na_value=np.nan).tolist())
        elif pa.types.is_integer(column.type) and column.null_count == 0:
            out.append(column.to_numpy().tolist())
        else:
            out.append(column.to_pylist())
    return out


def canonical(value: Any) -> Any:
    """A stored or new value in one comparable form (dates as text, booleans as 0/1)."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, 6)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if value.endswith("+00") and len(value) > 19 and value[4] == "-":
            return value[:-3]
        if len(value) == 19 and value[4] == "-" and value[10] == " " and value[13] == ":":
            return value + ".000000"  # SQLite CURRENT_TIMESTAMP has no fraction
    if isinstance(value, Decimal | np.floating):
        return round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value
