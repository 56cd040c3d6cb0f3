"""Where analytics run: connect to DuckDB or PySpark, read inputs, execute Ibis expressions.

The analysis modules (``features``, ``segments``, ``lifecycle``, ``loyalty``) only build
Ibis expressions ``Table -> Table``; this module is the one place that opens an engine
and executes them. DuckDB is the default; ``PATRON_ENGINE=spark`` (or ``connect("spark")``)
runs the same expressions on PySpark in local mode, and any Ibis backend may be passed in.
Both engines are pinned to UTC so that timestamps fall on the same calendar day.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from patron.core.i18n import _
from patron.exceptions import InputError

ENGINES = ("duckdb", "spark")

_SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


def engine_name(con: BaseBackend) -> str:
    """``"duckdb"`` or ``"spark"`` (or the Ibis backend's own name)."""
    return "spark" if con.name == "pyspark" else con.name


def connect(
    engine: str | BaseBackend | None = None,
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> BaseBackend:
    """Open an analytics engine.

    Parameters
    ----------
    engine : str or ibis backend, default=None
        ``"duckdb"`` (in-memory), ``"spark"`` (PySpark local mode, needs ``patron[spark]``
        and Java) or an already connected Ibis backend, returned unchanged. ``None``
        reads ``PATRON_ENGINE`` and falls back to DuckDB.
    threads : int, default=None
        Worker threads for DuckDB / Spark local cores (default: the engine's own).
    memory_limit : str, default=None
        DuckDB memory cap such as ``"3GB"`` (default: ``PATRON_DUCKDB_MEMORY_LIMIT``, else
        DuckDB's own, 80 % of RAM); beyond it DuckDB spills to disk.
    """
    if isinstance(engine, BaseBackend):
        return engine
    name = (engine or os.environ.get("PATRON_ENGINE") or "duckdb").strip().lower()
    if name == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET TimeZone = 'UTC'")
        # Results are ordered explicitly where order matters; not keeping the scan order
        # lets DuckDB stream large aggregations with less memory.
        con.raw_sql("SET preserve_insertion_order = false")
        limit = memory_limit or os.environ.get("PATRON_DUCKDB_MEMORY_LIMIT")
        if limit:
            con.raw_sql(f"SET memory_limit = '{limit}'")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if name in ("spark", "pyspark"):
        return ibis.pyspark.connect(spark_session(threads=threads))
    raise InputError(
        _("unknown engine {name!r}: use one of {choices}").format(
            name=name, choices=", ".join(ENGINES)
        )
    )


def spark_session(*, threads: int | None = None) -> Any:
    """The process's PySpark session in local mode, pinned to UTC (created on first use)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise InputError(_("the Spark engine needs PySpark: pip install 'patron[spark]'")) from exc
    builder = SparkSession.builder.master(f"local[{threads or 2}]").appName("patron")
    for key, value in _SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.sparkContext.setLogLevel("ERROR")
    return session


def _rename(table: ir.Table, columns: Mapping[str, str] | None) -> ir.Table:
    if not columns:
        return table
    missing = [src for src in columns.values() if src not in table.columns]
    if missing:
        raise InputError(
            _("column {column!r} not found in the input (columns: {columns})").format(
                column=missing[0], columns=", ".join(table.columns)
            )
        )
    # Ibis renames with {new_name: old_name}.
    return table.rename({target: source for target, source in columns.items() if target != source})


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame | pa.Table | ir.Table,
    columns: Mapping[str, str] | None = None,
    *,
    con: BaseBackend | None = None,
    timestamps: Sequence[str] = (),
    date_format: str | None = None,
    csv_options: Mapping[str, Any] | None = None,
) -> ir.Table:
    """An Ibis table from a Parquet/CSV path (or glob), a pandas/Arrow table or an Ibis table.

    Parameters
    ----------
    source : path, DataFrame, pyarrow.Table or ibis Table
        Paths ending in ``.csv``/``.tsv``/``.txt`` (optionally ``.gz``) are read as CSV,
        anything else as Parquet (globs such as ``warehouse/orders/*.parquet`` work).
    columns : dict, default=None
        ``{patron_name: source_name}`` — e.g. ``{"customer_id": "cust", "amount": "sales"}``.
    con : ibis backend, default=None
        The engine to read with (default: ``connect()``). In-memory frames become
        memtables, which every backend accepts.
    timestamps : list of str, default=()
        Patron column names to turn into UTC timestamps (strings or ``YYYYMMDD`` numbers).
    date_format : str, default=None
        strftime-style format of those columns (``"%Y%m%d"``); ``None`` casts directly.
    """
    if isinstance(source, ir.Table):
        table = source
    elif isinstance(source, pd.DataFrame | pa.Table):
        table = ibis.memtable(source)
    else:
        con = connect(con)
        path = str(source)
        if not any(ch in path for ch in "*?[") and not Path(path).exists():
            raise InputError(_("input file not found: {path}").format(path=path))
        lower = path.lower().removesuffix(".gz")
        try:
            if lower.endswith((".csv", ".tsv", ".txt")):
                table = con.read_csv(path, **dict(csv_options or {}))
            else:
                table = con.read_parquet(path)
        except Exception as exc:  # engines raise their own error types
            raise InputError(
                _("cannot read {path}: {reason}").format(path=path, reason=str(exc).splitlines()[0])
            ) from exc
    table = _rename(table, columns)
    for name in timestamps:
        if name not in table.columns:
            raise InputError(_("column {column!r} not found in the input").format(column=name))
        col = table[name]
        if col.type().is_timestamp():
            continue
        if col.type().is_date():
            value = col.cast("timestamp")
        elif date_format:
            value = col.cast("string").as_timestamp(date_format)
        else:
            value = col.cast("timestamp")
        table = table.mutate(**{name: value})
    return table


def execute(expr: ir.Expr, con: BaseBackend | None = None) -> Any:
    """Run an expression on ``con`` (or the backend its tables are bound to)."""
    if con is not None:
        return con.execute(expr)
    return expr.execute()


def to_pandas(expr: ir.Table, con: BaseBackend | None = None) -> pd.DataFrame:
    """Execute a table expression into pandas (dates as ``datetime64``, money as float64)."""
    result = execute(expr, con)
    if isinstance(result, pd.Series):
        result = result.to_frame()
    return result


def to_pyarrow(expr: ir.Table, con: BaseBackend | None = None) -> pa.Table:
    """Execute a table expression into an Arrow table."""
    if con is not None:
        return con.to_pyarrow(expr)
    return expr.to_pyarrow()


def write_parquet(
    expr: ir.Table, path: str | os.PathLike[str], con: BaseBackend | None = None
) -> Path:
    """Execute ``expr`` and write the result as one Parquet file (folders are created)."""
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_pyarrow(expr, con), path)
    return path
