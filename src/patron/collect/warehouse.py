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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from patron.collect.store.db import open_store
from patron.collect.store.models import SyncState
from patron.core.i18n import _, format_number
from patron.core.printer import Printer
from patron.core.workspace import Workspace

TS = pa.timestamp("us", tz="UTC")
STR, I64, F64, BOOL, DATE = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()
BATCH = 100_000
STATE_FILE = "_state.json"


@dataclass(frozen=True)
class TableCopy:
    """How one store table is copied: its query, column types, and whether rows change."""

    name: str
    select: str  # SELECT … FROM … ; ``{where}`` is replaced by the id condition
    columns: tuple[tuple[str, pa.DataType], ...]
    signature: str  # aggregates that change when any copied row changes
    mutable: bool
    alias: str = "t"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, t) for n, t in self.columns])


def _copy(
    name: str, select: str, columns: list[tuple[str, pa.DataType]], signature: str, mutable: bool
) -> TableCopy:
    return TableCopy(name, select, tuple(columns), signature, mutable)


TABLES: tuple[TableCopy, ...] = (
    _copy(
        "units",
        "SELECT t.id, t.code, t.name, t.name_zh, t.kind, t.parent_pk, t.path FROM units t"
        " {where} ORDER BY t.id",
        [
            ("id", I64),
            ("code", STR),
            ("name", STR),
            ("name_zh", STR),
            ("kind", STR),
            ("parent_pk", I64),
            ("path", STR),
        ],
        "count(*), max(t.id), max(t.updated_at), sum(length(t.path) + length(t.code)"
        " + length(t.name) + length(coalesce(t.name_zh, '')) + length(t.kind))",
        True,
    ),
    _copy(
        "customers",
        "SELECT t.id, t.id, t.customer_id, t.name, t.email, t.phone, t.birthday, t.gender, t.city,"
        " t.region, t.country, t.language, t.acquired_at, t.acquisition_channel, t.consent_email,"
        " t.consent_sms, t.consent_phone, t.consent_analytics, t.attributes, t.attributes,"
        " t.merged_into_id, t.erased_at, t.created_at, t.updated_at, t.version, t.unit_pk"
        " FROM customers t {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("name", STR),
            ("email", STR),
            ("phone", STR),
            ("birthday", DATE),
            ("gender", STR),
            ("city", STR),
            ("region", STR),
            ("country", STR),
            ("language", STR),
            ("acquired_at", DATE),
            ("acquisition_channel", STR),
            ("consent_email", BOOL),
            ("consent_sms", BOOL),
            ("consent_phone", BOOL),
            ("consent_analytics", BOOL),
            ("dataset", STR),
            ("attributes", STR),
            ("merged_into_pk", I64),
            ("erased_at", TS),
            ("created_at", TS),
            ("updated_at", TS),
            ("version", I64),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(t.version), max(t.updated_at), sum(coalesce(t.unit_pk, 0))",
        True,
    ),
    _copy(
        "preferences",
        "SELECT t.id, t.customer_pk, c.customer_id, t.key, t.value, t.observed_at, t.source,"
        " t.times_observed FROM preferences t JOIN customers c ON c.id = t.customer_pk"
        " {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("key", STR),
            ("value", STR),
            ("observed_at", TS),
            ("source", STR),
            ("times_observed", I64),
        ],
        "count(*), max(t.id), sum(t.times_observed), max(t.observed_at)",
        True,
    ),
    _copy(
        "important_dates",
        "SELECT t.id, t.customer_pk, c.customer_id, t.kind, t.date, t.label, t.recurring"
        " FROM important_dates t JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("kind", STR),
            ("date", DATE),
            ("label", STR),
            ("recurring", BOOL),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.label, '')))",
        False,
    ),
    _copy(
        "interactions",
        "SELECT t.id, t.interaction_id, t.customer_pk, c.customer_id, t.occurred_at, t.channel,"
        " t.kind, t.is_service, t.summary, t.staff, t.unit_pk FROM interactions t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("interaction_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("occurred_at", TS),
            ("channel", STR),
            ("kind", STR),
            ("is_service", BOOL),
            ("summary", STR),
            ("staff", STR),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.summary, ''))), sum(length(coalesce(t.staff, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "orders",
        "SELECT t.id, t.order_id, t.customer_pk, c.customer_id, t.ordered_at, t.amount, t.cost,"
        " t.discount, t.quantity, t.channel, t.location, t.status, t.unit_pk FROM orders t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("order_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("ordered_at", TS),
            ("amount", F64),
            ("cost", F64),
            ("discount", F64),
            ("quantity", F64),
            ("channel", STR),
            ("location", STR),
            ("status", STR),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(t.amount), count(t.status), sum(length(coalesce(t.status, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "order_lines",
        "SELECT t.id, t.order_pk, o.order_id, o.customer_pk, c.customer_id, o.ordered_at,"
        " t.line_no, t.product, t.category, t.quantity, t.amount, t.cost, t.discount, o.unit_pk"
        " FROM order_lines t JOIN orders o ON o.id = t.order_pk"
        " JOIN customers c ON c.id = o.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("order_pk", I64),
            ("order_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("ordered_at", TS),
            ("line_no", I64),
            ("product", STR),
            ("category", STR),
            ("quantity", F64),
            ("amount", F64),
            ("cost", F64),
            ("discount", F64),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(coalesce(t.amount, 0)), sum(coalesce(t.quantity, 0))",
        False,
    ),
    _copy(
        "complaints",
        "SELECT t.id, t.complaint_id, t.customer_pk, c.customer_id, t.opened_at, t.channel,"
        " t.category, t.severity, t.status, t.description, t.assigned_to, t.sla_due_at,"
        " t.escalation_level, t.escalated_at, t.resolved_at, t.resolution, t.outcome,"
        " t.created_at, t.updated_at, t.version, t.unit_pk FROM complaints t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("complaint_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("opened_at", TS),
            ("channel", STR),
            ("category", STR),
            ("severity", STR),
            ("status", STR),
            ("description", STR),
            ("assigned_to", STR),
            ("sla_due_at", TS),
            ("escalation_level", I64),
            ("escalated_at", TS),
            ("resolved_at", TS),
            ("resolution", STR),
            ("outcome", STR),
            ("created_at", TS),
            ("updated_at", TS),
            ("version", I64),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(t.version), max(t.updated_at)",
        True,
    ),
    _copy(
        "survey_items",
        "SELECT t.id, t.survey_pk, s.code, t.code, t.construct, t.text_en, t.text_zh,"
        " t.scale_min, t.scale_max, t.position FROM survey_items t"
        " JOIN surveys s ON s.id = t.survey_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("survey_pk", I64),
            ("survey_code", STR),
            ("code", STR),
            ("construct", STR),
            ("text_en", STR),
            ("text_zh", STR),
            ("scale_min", F64),
            ("scale_max", F64),
            ("position", I64),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.construct, '')) + length(t.code)"
        " + length(coalesce(t.text_en, '')) + length(coalesce(t.text_zh, ''))),"
        " sum(t.scale_min + t.scale_max + t.position)",
        True,
    ),
    _copy(
        "survey_responses",
        "SELECT t.id, t.response_id, t.survey_pk, s.code, t.customer_pk, c.customer_id,"
        " t.responded_at, t.item_code, i.construct, t.value, t.text_value, t.source, t.unit_pk"
        " FROM survey_responses t LEFT JOIN surveys s ON s.id = t.survey_pk"
        " LEFT JOIN survey_items i ON i.survey_pk = t.survey_pk AND i.code = t.item_code"
        " LEFT JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("response_id", STR),
            ("survey_pk", I64),
            ("survey_code", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("responded_at", TS),
            ("item_code", STR),
            ("construct", STR),
            ("value", F64),
            ("text_value", STR),
            ("source", STR),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(coalesce(t.value, 0)), sum(length(coalesce(t.text_value, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "score_snapshots",
        "SELECT t.id, t.customer_pk, c.customer_id, t.metric, t.value, t.label, t.as_of,"
        " t.model, t.detail, t.computed_at FROM score_snapshots t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("metric", STR),
            ("value", F64),
            ("label", STR),
            ("as_of", DATE),
            ("model", STR),
            ("detail", STR),
            ("computed_at", TS),
        ],
        "count(*), max(t.id), max(t.computed_at), sum(coalesce(t.value, 0)),"
        " sum(length(coalesce(t.label, '')))",
        True,
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)


def table_path(workspace: Workspace | str | os.PathLike[str], name: str) -> str:
    """The glob readers (DuckDB, Ibis, Spark) pass to read table ``name``'s Parquet parts."""
    root = (
        workspace.warehouse if isinstance(workspace, Workspace) else Path(workspace) / "warehouse"
    )
    return str(Path(root) / name / "*.parquet")


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
    progress: bool = True,
) -> SyncSummary:
    """Copy the store's tables to ``warehouse/`` as Parquet, writing only what changed."""
    started = time.perf_counter()
    if not isinstance(workspace, Workspace):
        workspace = Workspace.open(workspace)
    engine = open_store(workspace.database_url)
    summary = SyncSummary()
    chosen = [t for t in TABLES if tables is None or t.name in tables]
    with _Bar(progress, len(chosen)) as bar:
        for spec in chosen:
            folder = workspace.warehouse / spec.name
            folder.mkdir(parents=True, exist_ok=True)
            with engine.connect() as conn:
                result = _sync_table(conn, spec, folder, bar)
                _mirror_state(conn, spec.name, _read_state(folder))
                conn.commit()
            summary.tables.append(result)
            bar.table_done()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _sync_table(conn: sa.Connection, spec: TableCopy, folder: Path, bar: _Bar) -> TableSync:
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
        return _rewrite(conn, spec, folder, state, _signature(conn, spec, top), top, bar)
    if spec.mutable:
        signature = _signature(conn, spec, None)
        if signature == state["signature"] and state["parts"]:
            return TableSync(spec.name, "unchanged", 0, state["rows"])
        return _rewrite(conn, spec, folder, state, signature, top, bar)
    last = int(state["last_id"])
    if state["parts"] and _signature(conn, spec, last) != state["signature"]:
        # Rows already copied changed or vanished (e.g. an erasure): copy the table afresh.
        return _rewrite(conn, spec, folder, state, _signature(conn, spec, top), top, bar)
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
        bar,
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
    bar: _Bar,
) -> TableSync:
    tmp = folder / "part-000000.parquet.tmp"
    written = _write_part(conn, spec, tmp, "WHERE t.id <= :top", {"top": top}, bar)
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
    bar: _Bar,
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
            bar.rows(spec.name, written)
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


class _Bar:
    """Progress over tables (and rows of the table being copied)."""

    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled
        self.total = total

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(
                _("Syncing the warehouse"), total=self.total, detail=""
            )
        return self

    def rows(self, table: str, n: int) -> None:
        if self.enabled:
            self.progress.update(
                self.task, detail=_("{table}: {n} rows").format(table=table, n=format_number(n))
            )

    def table_done(self) -> None:
        if self.enabled:
            self.progress.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()
