"""How the store's tables reach the warehouse: Parquet copies, kept up to date incrementally.

``patron sync`` writes ``WORKSPACE/warehouse/<table>/part-<NNNNNN>.parquet``. Fact
tables (orders, order lines, interactions, important dates, survey responses) grow by
appending a part with the rows whose ``id`` is above the last one copied. Tables whose
rows change in place (customers, complaints, preferences, survey items, score
snapshots) are rewritten as one part, replaced atomically, when their signature (row
count, highest id, sum of versions, latest change …) differs — so a changed row never
appears twice. An appended table is rewritten too when rows it already copied changed
or disappeared (an erasure). A sync with nothing new writes nothing.

Each folder holds ``_state.json``, the warehouse's own record of its parts (files not
listed there are leftovers of an interrupted sync and are removed); ``sync_state`` in
the store mirrors it. Every customer-owned table carries ``customer_id`` (the natural
key) beside ``customer_pk``; times are ``timestamp[us, tz=UTC]``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from patron.collect.store.db import open_store
from patron.collect.store.models import SyncState
from patron.collect.warehouse_tables import (
    DATE,
    F64,
    STR,
    TABLE_NAMES,
    TABLES,
    TS,
    TableCopy,
    table_path,
)
from patron.core.i18n import _, format_number
from patron.core.printer import Printer
from patron.core.progress import ProgressCallback, as_callback
from patron.core.workspace import Workspace

# Re-exported: callers find the tables and their paths through the warehouse too.
__all__ = [
    "TABLES",
    "TABLE_NAMES",
    "SyncSummary",
    "TableSync",
    "sync",
    "table_parts",
    "table_path",
]

BATCH = 100_000
STATE_FILE = "_state.json"


@dataclass
class TableSync:
    """What a sync did to one table."""

    table: str
    action: str  # unchanged / appended / rewritten / empty
    rows_written: int = 0
    rows_total: int = 0


@dataclass
class SyncSummary:
    """What ``sync`` did, table by table."""

    tables: list[TableSync] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def rows_written(self) -> int:
        return sum(t.rows_written for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tables": [t.__dict__ for t in self.tables],
            "rows_written": self.rows_written,
            "elapsed_s": self.elapsed_s,
        }

    def to_printer(self) -> Printer:
        import pandas as pd

        labels = {
            "unchanged": _("unchanged"),
            "appended": _("appended"),
            "rewritten": _("rewritten"),
            "empty": _("empty"),
        }
        frame = pd.DataFrame(
            [
                (t.table, labels.get(t.action, t.action), t.rows_written, t.rows_total)
                for t in self.tables
            ],
            columns=[_("table"), _("action"), _("rows written"), _("rows in warehouse")],
        )
        return Printer(
            title=_("Warehouse sync"),
            tables=[(_("Tables"), frame)],
            notes=[
                _("{n} rows written in {seconds} s").format(
                    n=format_number(self.rows_written),
                    seconds=format_number(round(self.elapsed_s, 2)),
                )
            ],
        )


# -- conversion -----------------------------------------------------------------------------


def _arrow_column(values: list[Any], target: pa.DataType, name: str) -> pa.Array:
    """Database values (SQLite text or PostgreSQL objects) as an Arrow column of ``target``."""
    if name == "dataset":
        values = [_load(v).get("dataset") for v in values]
    elif name in ("attributes", "detail"):
        values = [
            None if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
            for v in values
        ]
    if target == STR:
        values = [None if v is None else (v if isinstance(v, str) else str(v)) for v in values]
        return pa.array(values, type=STR)
    if target == F64:
        return pa.array([None if v is None else float(v) for v in values], type=F64)
    array = pa.array(values, from_pandas=True)
    if array.type == target:
        return array
    if pa.types.is_null(array.type):
        return pa.nulls(len(values), target)
    if target == TS:
        if pa.types.is_string(array.type):
            array = array.cast(pa.timestamp("us"))
        return array.cast(TS)
    if target == DATE and pa.types.is_string(array.type):
        return array.cast(pa.timestamp("us")).cast(DATE)
    return array.cast(target)


def _load(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


# -- state ----------------------------------------------------------------------------------


def _read_state(folder: Path) -> dict[str, Any]:
    path = folder / STATE_FILE
    if not path.exists():
        return {"parts": [], "last_id": 0, "rows": 0, "signature": None}
    return json.loads(path.read_text(encoding="utf-8"))


def table_parts(warehouse: str | os.PathLike[str], name: str) -> list[Path]:
    """The Parquet parts of table ``name`` that the last sync recorded, oldest first
    (``warehouse`` is the folder ``patron sync`` writes)."""
    folder = Path(warehouse) / name
    return [folder / part for part in _read_state(folder)["parts"]]


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / STATE_FILE)


def _signature(conn: sa.Connection, spec: TableCopy, up_to: int | None) -> str:
    table = spec.select.split(" FROM ", 1)[1].split()[0]
    where = "" if up_to is None else " WHERE t.id <= :last"
    row = conn.execute(
        sa.text(f"SELECT {spec.signature} FROM {table} t{where}"), {"last": up_to}
    ).one()
    return json.dumps([None if v is None else str(v) for v in row])


def _max_id(conn: sa.Connection, spec: TableCopy) -> int:
    table = spec.select.split(" FROM ", 1)[1].split()[0]
    return int(conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())


# -- sync -----------------------------------------------------------------------------------


def sync(
    workspace: Workspace | str | os.PathLike[str],
    *,
    tables: list[str] | None = None,
    progress: ProgressCallback | bool | None = None,
) -> SyncSummary:
    """Copy the store's tables to ``warehouse/`` as Parquet, writing only what changed.

    ``progress`` is a callback ``progress(task, done, total)`` over the tables (see
    ``patron.core.progress``); anything else (``None``, ``True``, ``False``) is silent.
    """
    started = time.perf_counter()
    if not isinstance(workspace, Workspace):
        workspace = Workspace.open(workspace)
    report = as_callback(progress)
    engine = open_store(workspace.database_url)
    summary = SyncSummary()
    chosen = [t for t in TABLES if tables is None or t.name in tables]
    task = _("Syncing the warehouse")
    report(task, 0, len(chosen))
    for done, spec in enumerate(chosen):
        folder = workspace.warehouse / spec.name
        folder.mkdir(parents=True, exist_ok=True)

        def table_rows(n: int, table: str = spec.name, done: int = done) -> None:
            report(
                _("{table}: {n} rows").format(table=table, n=format_number(n)), done, len(chosen)
            )

        with engine.connect() as conn:
            result = _sync_table(conn, spec, folder, table_rows)
            _mirror_state(conn, spec.name, _read_state(folder))
            conn.commit()
        summary.tables.append(result)
        report(task, done + 1, len(chosen))
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _sync_table(
    conn: sa.Connection, spec: TableCopy, folder: Path, on_rows: Callable[[int], None]
) -> TableSync:
    state = _read_state(folder)
    listed = set(state["parts"])
    for leftover in folder.glob("*.parquet"):
        if leftover.name not in listed:  # written by a sync that stopped before recording it
            leftover.unlink()
    for leftover in folder.glob("*.tmp"):
        leftover.unlink()
    top = _max_id(conn, spec)
    if state["parts"] and state.get("columns") != _column_names(spec):
        # Written by an older Patron with other columns: copy the table afresh.
        return _rewrite(conn, spec, folder, state, _signature(conn, spec, top), top, on_rows)
    if spec.mutable:
        signature = _signature(conn, spec, None)
        if signature == state["signature"] and state["parts"]:
            return TableSync(spec.name, "unchanged", 0, state["rows"])
        return _rewrite(conn, spec, folder, state, signature, top, on_rows)
    last = int(state["last_id"])
    if state["parts"] and _signature(conn, spec, last) != state["signature"]:
        # Rows already copied changed or vanished (e.g. an erasure): copy the table afresh.
        return _rewrite(conn, spec, folder, state, _signature(conn, spec, top), top, on_rows)
    if top <= last and state["parts"]:
        return TableSync(spec.name, "unchanged", 0, state["rows"])
    if top <= last and not state["parts"] and state["signature"] is not None:
        return TableSync(spec.name, "empty", 0, 0)
    number = _next_part(state)
    name = f"part-{number:06d}.parquet"
    written = _write_part(
        conn,
        spec,
        folder / name,
        "WHERE t.id > :last AND t.id <= :top",
        {"last": last, "top": top},
        on_rows,
    )
    parts = list(state["parts"])
    if written or not parts:
        parts.append(name)
    else:
        (folder / name).unlink(missing_ok=True)
    new_state = {
        "columns": _column_names(spec),
        "parts": parts,
        "last_id": top,
        "rows": int(state["rows"]) + written,
        "signature": _signature(conn, spec, top),
    }
    _write_state(folder, new_state)
    action = "appended" if written else ("empty" if not new_state["rows"] else "unchanged")
    return TableSync(spec.name, action, written, new_state["rows"])


def _rewrite(
    conn: sa.Connection,
    spec: TableCopy,
    folder: Path,
    state: dict[str, Any],
    signature: str,
    top: int,
    on_rows: Callable[[int], None],
) -> TableSync:
    tmp = folder / "part-000000.parquet.tmp"
    written = _write_part(conn, spec, tmp, "WHERE t.id <= :top", {"top": top}, on_rows)
    # Readers may glob the folder at any moment: drop the extra parts first (briefly
    # fewer rows), then swap the one full part in, so no row is ever seen twice.
    for old in state["parts"]:
        if old != "part-000000.parquet":
            (folder / old).unlink(missing_ok=True)
    os.replace(tmp, folder / "part-000000.parquet")
    new_state = {
        "columns": _column_names(spec),
        "parts": ["part-000000.parquet"],
        "last_id": top,
        "rows": written,
        "signature": signature,
    }
    _write_state(folder, new_state)
    return TableSync(spec.name, "rewritten" if written else "empty", written, written)


def _column_names(spec: TableCopy) -> list[str]:
    return [name for name, _type in spec.columns]


def _next_part(state: dict[str, Any]) -> int:
    numbers = [int(p.split("-")[1].split(".")[0]) for p in state["parts"]]
    return max(numbers, default=-1) + 1


def _write_part(
    conn: sa.Connection,
    spec: TableCopy,
    path: Path,
    where: str,
    params: dict[str, Any],
    on_rows: Callable[[int], None],
) -> int:
    """Stream the selected rows into one Parquet file; returns the number of rows."""
    schema = spec.schema
    names = [n for n, _t in spec.columns]
    written = 0
    statement = sa.text(spec.select.format(where=where)).execution_options(
        stream_results=True, yield_per=BATCH
    )
    result = conn.execute(statement, params)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for rows in result.partitions(BATCH):
            columns = list(zip(*rows, strict=True)) if rows else [[] for _n in names]
            arrays = [
                _arrow_column(list(values), field_type, name)
                for values, (name, field_type) in zip(columns, spec.columns, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            written += len(rows)
            on_rows(written)
        if written == 0:
            writer.write_table(schema.empty_table())
    return written


def _mirror_state(conn: sa.Connection, name: str, state: dict[str, Any]) -> None:
    """Record the warehouse's state of ``name`` in the store's ``sync_state`` table."""
    table = SyncState.__table__
    values = {
        "last_id": int(state["last_id"]),
        "rows": int(state["rows"]),
        "synced_at": datetime.now(UTC),
    }
    updated = conn.execute(sa.update(table).where(table.c.table_name == name).values(**values))
    if updated.rowcount == 0:
        conn.execute(sa.insert(table).values(table_name=name, **values))
