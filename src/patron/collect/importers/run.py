"""How one import runs: read in chunks, check, write each chunk in its own transaction, count.

Every row ends up imported, updated, skipped as a duplicate, or in the reject file.
A chunk's rows and the ``import_runs`` progress row commit together, so after a crash
or Ctrl-C everything reported as imported is in the store, and running the same
import again skips it (natural keys and content hashes make every write idempotent).
"""

from __future__ import annotations

import hashlib
import os
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from patron.collect.importers.loading import Loader
from patron.collect.importers.mapping import load_mapping_file, plan_columns
from patron.collect.importers.reading import Chunk, is_blank, open_table
from patron.collect.importers.rejects import RejectFile, split_raw
from patron.collect.importers.schemas import get_kind
from patron.collect.importers.settings import ImportSettings
from patron.collect.importers.validation import Validator
from patron.collect.importers.writing import StoreWriter
from patron.collect.store.db import open_store
from patron.collect.store.models import ImportRun
from patron.core.i18n import _, format_number
from patron.core.printer import Printer
from patron.core.progress import as_callback
from patron.core.workspace import Workspace

DEFAULT_CHUNK = 50_000
BULK_ROWS = 200_000  # from this many rows on, secondary indexes are rebuilt at the end


@dataclass
class ImportSummary:
    """What an import did: rows read, imported, updated, skipped as duplicates, rejected."""

    kind: str
    source: str
    read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    reject_file: str | None = None
    elapsed_s: float = 0.0
    customers_created: int = 0
    dry_run: bool = False
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def rows_per_second(self) -> float:
        return self.read / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_printer(self) -> Printer:
        title = _("Import of {kind} from {file}").format(
            kind=self.kind, file=Path(self.source).name
        )
        if self.dry_run:
            title += " " + _("(dry run: nothing was saved)")
        rows = [
            (_("read"), format_number(self.read)),
            (_("imported"), format_number(self.imported)),
            (_("updated"), format_number(self.updated)),
            (_("duplicates skipped"), format_number(self.duplicates)),
            (_("rejected"), format_number(self.rejected)),
        ]
        if self.customers_created:
            rows.append((_("customers created"), format_number(self.customers_created)))
        rows.append((_("reject file"), self.reject_file or "-"))
        rows.append(
            (_("time"), _("{seconds} s").format(seconds=format_number(round(self.elapsed_s, 2))))
        )
        return Printer(title=title, facts=dict(rows))

    def __str__(self) -> str:
        return self.to_printer().to_text()

    def _repr_html_(self) -> str:
        return self.to_printer().to_html()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    workspace: Workspace | str | os.PathLike[str],
    kind: str,
    path: str | os.PathLike[str],
    *,
    mapping: dict[str, str] | str | os.PathLike[str] | None = None,
    date_format: str | None = None,
    dry_run: bool = False,
    create_customers: bool = True,
    progress: Any = None,
    chunk_size: int = DEFAULT_CHUNK,
    unit: str | None = None,
) -> ImportSummary:
    """Import a CSV, .xlsx or Parquet file of ``kind`` rows into the workspace's store.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace (or its folder).
    kind : str
        customers, orders, order-lines, interactions, complaints, responses,
        preferences or important-dates.
    path : path
        The file. CSV encoding (UTF-8 ± BOM, GB18030/GBK …) and delimiter are detected.
    mapping : dict or path, default=None
        Field → source column (``{"customer_id": "CustomerId"}``), or a YAML/JSON
        mapping file. Unmapped fields match columns of the same (or an alias) name.
    date_format : str, default=None
        ``strptime`` format for dates the detection finds ambiguous (``%d/%m/%Y``).
    dry_run : bool, default=False
        Check and count everything, then roll back: the store is left unchanged.
    create_customers : bool, default=True
        Rows naming an unknown ``customer_id`` create a customer with only that id;
        when False they are rejected.
    progress : callable, default=None
        ``progress(task, done, total)`` after each chunk (see :mod:`patron.core.progress`);
        ``None``/``False`` report nothing. ``patron import`` draws it as a bar.
    chunk_size : int, default=50000
        Rows per chunk (one transaction each).
    unit : str, default=None
        Code of the organisation unit the rows belong to when the file has no ``unit``
        column (or leaves it empty). An unknown code is an error before anything is read.

    Returns
    -------
    ImportSummary

    Raises
    ------
    InputError
        The file is missing or unreadable, the kind unknown, or a required column absent.
    """
    started = time.perf_counter()
    if not isinstance(workspace, Workspace):
        workspace = Workspace.open(workspace)
    spec = get_kind(kind)
    path = Path(path)
    if isinstance(mapping, str | os.PathLike):
        mapping, file_format = load_mapping_file(mapping)
        date_format = date_format or file_format
    source = open_table(path)
    try:
        plan = plan_columns(spec, source.columns, mapping, path)
        validator = Validator(
            spec,
            path=path,
            decimal=source.decimal,
            date_format=date_format,
            timezone=str(workspace.setting("locale", "timezone", "UTC") or "UTC"),
            settings=ImportSettings.from_workspace(workspace),
        )
        units, default_unit_pk = _unit_codes(workspace, unit)
        loader = Loader(
            spec,
            create_customers=create_customers,
            sla_hours=workspace.setting("complaints", "sla_hours"),
            units=units,
            default_unit_pk=default_unit_pk,
        )
        rejects = RejectFile(workspace.rejects, spec.name, source.columns)
        summary = ImportSummary(kind=spec.name, source=str(path), dry_run=dry_run)
        engine = open_store(workspace.database_url)
        run_id = None if dry_run else _start_run(engine, spec.name, path)
        summary.run_id = run_id
        delimiter = getattr(getattr(source, "dialect", None), "delimiter", ",")
        advance = _progress(progress, source.total, spec.name, path)
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB: index pages stay hot
                # Every key is resolved inside the chunk's write transaction (BEGIN IMMEDIATE
                # below), so SQLite's per-row foreign-key probe only repeats that work.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                # One checkpoint (and fsync) at the end instead of one per chunk; a crash
                # loses nothing committed (the WAL holds it), a power cut is as before.
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
                conn.commit()
            writer = StoreWriter(conn)
            bulk = False
            outer = None
            status = "failed"
            try:
                if not dry_run:
                    with conn.begin():
                        writer.restore_indexes(spec.table)
                        writer.validate_foreign_keys(spec.table)
                        # A load at least as big as the table is faster with its secondary
                        # indexes rebuilt once at the end than maintained row by row.
                        rows_now = writer.max_id(spec.table)
                        bulk = source.estimated_rows >= max(BULK_ROWS, rows_now)
                        if bulk:
                            writer.drop_indexes(spec.table)
                else:
                    outer = conn.begin()
                    if sqlite:
                        writer.begin_immediate()
                prepared = (_prepare(c, plan, validator) for c in source.chunks(chunk_size))
                for item in _ahead(prepared):
                    if dry_run:
                        _store(item, plan, loader, writer, rejects, summary, delimiter)
                    else:
                        with conn.begin():
                            if sqlite:
                                writer.begin_immediate()
                            else:
                                # The chunk and its progress row commit together, so a
                                # crash can only lose whole chunks, which a re-run adds
                                # again: no need to wait for the WAL flush per chunk.
                                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                            # PostgreSQL bulk load: the chunk skips the per-row foreign-key
                            # trigger (its keys are resolved in this transaction); the keys
                            # come back before it commits and are checked once at the end.
                            suspended = writer.suspend_foreign_keys(spec.table) if bulk else []
                            _store(item, plan, loader, writer, rejects, summary, delimiter)
                            writer.resume_foreign_keys(spec.table, suspended)
                            _record_progress(conn, run_id, summary, rejects)
                    advance(item.chunk.position, summary)
                status = "finished"
            except KeyboardInterrupt:
                status = "interrupted"
                raise
            finally:
                if outer is not None:
                    outer.rollback()
                if conn.in_transaction():
                    conn.rollback()
                if bulk:
                    with conn.begin():
                        writer.restore_indexes(spec.table)
                    with conn.begin():
                        writer.validate_foreign_keys(spec.table)
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                    conn.commit()
                summary.reject_file = str(rejects.path) if rejects.path else None
                summary.elapsed_s = time.perf_counter() - started
                if run_id is not None:
                    _finish_run(engine, run_id, status, summary)
        return summary
    finally:
        source.close()


def _unit_codes(workspace: Workspace, unit: str | None) -> tuple[dict[str, int], int | None]:
    """Every unit code → id (a few hundred at most), and the id of the default ``unit``."""
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Unit
    from patron.collect.units import unit_pk_for

    with session_scope(workspace.database_url) as session:
        codes = {code: int(pk) for code, pk in session.execute(sa.select(Unit.code, Unit.id))}
        default = unit_pk_for(session, unit)
    return codes, default


@dataclass
class _Prepared:
    """A chunk after reading and checking, ready to be written."""

    chunk: Chunk
    frame: pd.DataFrame
    lines: np.ndarray
    checked: Any


def _prepare(chunk: Chunk, plan: Any, validator: Validator) -> _Prepared:
    frame = chunk.frame
    lines = chunk.lines
    blank = is_blank(frame)
    if blank.any():
        frame = frame[~blank].reset_index(drop=True)
        lines = lines[~blank]
    checked = None
    if len(frame):
        mapped = pd.DataFrame({target: frame[column] for target, column in plan.sources.items()})
        checked = validator.check(mapped)
    return _Prepared(chunk, frame, lines, checked)


def _ahead(items: Iterator[_Prepared], depth: int = 2) -> Iterator[_Prepared]:
    """Read and check the next chunks in a thread while this one is written."""
    end = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(end)
        except BaseException as exc:  # handed to the writing thread, which raises it
            offer(exc)

    thread = threading.Thread(target=work, name="patron-import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _store(
    prepared: _Prepared,
    plan: Any,
    loader: Loader,
    writer: StoreWriter,
    rejects: RejectFile,
    summary: ImportSummary,
    delimiter: str,
) -> None:
    chunk, frame, lines, checked = prepared.chunk, prepared.frame, prepared.lines, prepared.checked
    width = len(rejects.columns)
    out: list[tuple[int | None, str, str, list[Any]]] = [
        (m.line, "", m.reason, split_raw(m.text, delimiter, width)) for m in chunk.malformed
    ]
    summary.read += len(frame) + len(chunk.malformed)
    if checked is not None:
        bad = checked.bad
        for i in np.flatnonzero(bad):
            out.append(
                (int(lines[i]), checked.fields[i], checked.reasons[i], frame.iloc[i].tolist())
            )
        good = checked.values[~bad]
        extras = (
            frame.loc[good.index, plan.extras]
            if plan.extras and loader.kind.extra_to_attributes
            else None
        )
        if len(good):
            outcome = loader.load(writer, good, extras)
            summary.imported += outcome.imported
            summary.updated += outcome.updated
            summary.duplicates += outcome.duplicates
            summary.customers_created += outcome.customers_created
            for label, field, reason in outcome.rejected:
                out.append((int(lines[label]), field, reason, frame.iloc[label].tolist()))
    out.sort(key=lambda r: (r[0] is None, r[0] or 0))
    rejects.write(out)
    summary.rejected += len(out)


def _owner() -> dict[str, Any]:
    """Which process runs an import (kept in ``import_runs.counts`` to tell a dead run)."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def recover_stale_runs(engine: sa.Engine) -> list[int]:
    """Mark runs left ``running`` by a process that is gone (killed, crashed) ``abandoned``.

    A run belongs to a process on a host; a run of this host whose process no longer
    exists, or a run that recorded no owner, cannot finish. Runs of other hosts are left
    alone. Called at the start of every import; returns the ids it marked.
    """
    table = ImportRun.__table__
    host = socket.gethostname()
    marked = []
    with engine.begin() as conn:
        running = conn.execute(
            sa.select(table.c.id, table.c.counts).where(table.c.status == "running")
        ).all()
        for run_id, counts in running:
            owner = counts or {}
            pid = owner.get("pid")
            if owner.get("host") not in (None, host):
                continue
            if isinstance(pid, int) and _alive(pid):
                continue
            conn.execute(
                sa.update(table)
                .where(table.c.id == run_id, table.c.status == "running")
                .values(status="abandoned", finished_at=datetime.now(UTC))
            )
            marked.append(int(run_id))
    return marked


def _start_run(engine: sa.Engine, kind: str, path: Path) -> int:
    table = ImportRun.__table__
    recover_stale_runs(engine)
    with engine.begin() as conn:
        result = conn.execute(
            sa.insert(table).values(
                kind=kind,
                source=str(path.resolve()),
                file_sha256=_sha256(path),
                status="running",
                rows_done=0,
                counts=_owner(),
            )
        )
        return int(result.inserted_primary_key[0])


def _counts(summary: ImportSummary) -> dict[str, Any]:
    return {
        **{
            k: getattr(summary, k)
            for k in ("read", "imported", "updated", "duplicates", "rejected", "customers_created")
        },
        **_owner(),
    }


def _record_progress(
    conn: sa.Connection, run_id: int | None, summary: ImportSummary, rejects: RejectFile
) -> None:
    table = ImportRun.__table__
    conn.execute(
        sa.update(table)
        .where(table.c.id == run_id)
        .values(
            rows_done=summary.read,
            counts=_counts(summary),
            reject_file=str(rejects.path) if rejects.path else None,
        )
    )


def _finish_run(engine: sa.Engine, run_id: int, status: str, summary: ImportSummary) -> None:
    table = ImportRun.__table__
    values: dict[str, Any] = {"status": status, "finished_at": datetime.now(UTC)}
    if status == "finished":
        values.update(
            rows_done=summary.read, counts=_counts(summary), reject_file=summary.reject_file
        )
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == run_id).values(**values))
    except sa.exc.SQLAlchemyError:  # pragma: no cover - the store went away mid-crash
        pass


def _progress(progress: Any, total: int, kind: str, path: Path) -> Any:
    """The import's progress callback, advanced after each chunk (rows read so far in
    words); library code reports, ``patron.cli.progress`` draws."""
    report = as_callback(progress)
    label = _("Importing {kind} from {file}").format(kind=kind, file=path.name)

    def advance(position: int, summary: ImportSummary) -> None:
        rows = _("{n} rows").format(n=format_number(summary.read))
        report(f"{label}: {rows}", min(position, total), max(total, 1))

    return advance
