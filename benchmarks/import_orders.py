"""Benchmark: import 1,000,000 generated orders with Patron vs pandas ``read_csv`` + ``to_sql``.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/import_orders.py [--rows 1000000] [--repeat 1]
        [--format csv|parquet] [--no-ids] [--skip-postgres]

PostgreSQL comes from ``PATRON_TEST_POSTGRES_URL`` (start one with
``eval "$(bash .ci/postgres.sh)"``). For each database, ``--repeat`` rounds run in turn
(Patron, Patron again, pandas, pandas COPY — interleaved, each in a fresh child process
so its peak memory is its own):

* Patron: ``import_file(workspace, "orders", FILE)`` into a new workspace — reading the
  file, validation, customer-key resolution (creating the customers), content hashes,
  idempotent inserts into the real ``orders`` table with its unique keys, foreign keys
  and indexes;
* Patron again on the same file: the idempotent re-import, every row a duplicate;
* pandas: ``read_csv`` (dates parsed) then ``DataFrame.to_sql`` into a new table without
  keys or indexes, timed apart (``to_sql`` alone = "frame in memory") and together;
* PostgreSQL only, pandas at its best there: ``to_sql`` with the ``COPY`` insertion
  method of the pandas documentation (``psql_insert_copy``).

Results are checked equal (row count and the sum of amount per customer in Patron's
store and in pandas' table) before any figure is printed. Each line shows wall-clock
rows/s, CPU seconds of the process, its peak memory (RSS) and the 1-minute load
average when it ended; the header shows the CPU count. PostgreSQL's own CPU is not in
"CPU s" (it runs in the server).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def generate(rows: int, *, ids: bool, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = max(rows // 20, 1)
    start = np.datetime64("2023-01-01T00:00:00")
    seconds = rng.integers(0, 3 * 365 * 86400, rows)
    frame = pd.DataFrame(
        {
            "customer_id": np.char.add("C", rng.integers(1, customers + 1, rows).astype(str)),
            "ordered_at": (start + seconds.astype("timedelta64[s]")).astype("datetime64[s]"),
            "amount": np.round(rng.gamma(2.0, 30.0, rows), 2),
            "quantity": rng.integers(1, 6, rows).astype(float),
            "channel": rng.choice(["web", "store", "phone", "app"], rows),
            "location": rng.choice([f"shop-{i:02d}" for i in range(40)], rows),
        }
    )
    if ids:
        frame.insert(0, "order_id", [f"O{i:08d}" for i in range(1, rows + 1)])
    return frame


def write_file(frame: pd.DataFrame, folder: Path, fmt: str) -> Path:
    if fmt == "parquet":
        path = folder / "orders.parquet"
        frame.to_parquet(path, index=False)
    else:
        path = folder / "orders.csv"
        frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return path


def fresh_schema(base: str) -> tuple[str, str]:
    """A new, empty schema in the PostgreSQL database ``base`` and its URL."""
    from urllib.parse import quote

    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def drop_schema(base: str, schema: str) -> None:
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    engine = sa.create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- what each child process runs --------------------------------------------------------


def run_patron(folder: str, path: str, url: str | None, workspace: str | None) -> dict[str, Any]:
    """One Patron import in this (fresh) process; a new workspace unless ``workspace``."""
    if url:
        os.environ["PATRON_DATABASE_URL"] = url
    else:
        os.environ.pop("PATRON_DATABASE_URL", None)
    from patron.collect.importers import import_file
    from patron.collect.workspace_setup import init_workspace
    from patron.core.workspace import Workspace

    ws = (
        Workspace.open(workspace)
        if workspace
        else init_workspace(Path(folder) / f"ws-{uuid.uuid4().hex[:6]}")
    )
    wall, cpu = time.perf_counter(), time.process_time()
    summary = import_file(ws, "orders", path, progress=False, chunk_size=100_000)
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
        "load": os.getloadavg()[0],
        "summary": summary.to_dict(),
        "workspace": str(ws.root),
        "url": ws.database_url,
    }


def psql_insert_copy(table, conn, keys, data_iter):  # type: ignore[no-untyped-def]
    """The pandas documentation's ``to_sql`` method for PostgreSQL: one COPY per chunk."""
    import csv
    import io

    dbapi_conn = conn.connection
    with dbapi_conn.cursor() as cur:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(data_iter)
        buffer.seek(0)
        columns = ", ".join(f'"{k}"' for k in keys)
        name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        with cur.copy(f"COPY {name} ({columns}) FROM STDIN WITH CSV") as copy:
            copy.write(buffer.read())


def run_pandas(path: str, url: str, table: str, copy: bool) -> dict[str, Any]:
    """``read_csv`` + ``to_sql`` in this (fresh) process, timed apart and together."""
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    engine = sa.create_engine(normalize_url(url))
    wall, cpu = time.perf_counter(), time.process_time()
    if path.endswith(".parquet"):
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, parse_dates=["ordered_at"])
    read_wall, read_cpu = time.perf_counter() - wall, time.process_time() - cpu
    frame.to_sql(
        table,
        engine,
        index=False,
        chunksize=100_000,
        method=psql_insert_copy if copy else None,
    )
    out = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "read_wall": read_wall,
        "read_cpu": read_cpu,
        "peak_mb": _peak_mb(),
        "load": os.getloadavg()[0],
    }
    engine.dispose()
    return out


def in_child(fn, *args):  # type: ignore[no-untyped-def]
    """``fn(*args)`` in a new process (spawned: nothing inherited but the environment)."""
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# -- checks ------------------------------------------------------------------------------


def per_customer(url: str, sql: str) -> pd.Series:
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    engine = sa.create_engine(normalize_url(url))
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text(sql), conn)
    engine.dispose()
    return frame.set_index("customer_id")["total"].sort_index()


def check_equal(patron_url: str, pandas_url: str, table: str, rows: int) -> None:
    """Same row count and the same sum of amount per customer in both stores."""
    ours = per_customer(
        patron_url,
        "SELECT c.customer_id, sum(o.amount) AS total, count(*) AS n FROM orders o "
        "JOIN customers c ON c.id = o.customer_pk GROUP BY c.customer_id",
    )
    theirs = per_customer(
        pandas_url,
        f"SELECT customer_id, sum(amount) AS total FROM {table} GROUP BY customer_id",
    )
    count = per_customer(patron_url, "SELECT 'all' AS customer_id, count(*) AS total FROM orders")
    count_theirs = per_customer(
        pandas_url, f"SELECT 'all' AS customer_id, count(*) AS total FROM {table}"
    )
    assert int(count.iloc[0]) == int(count_theirs.iloc[0]) == rows, (count, count_theirs)
    assert ours.index.equals(theirs.index), "different customers"
    assert np.allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-6), "sums differ"


# -- the run -----------------------------------------------------------------------------


def line(db: str, what: str, rows: int, result: dict[str, Any]) -> str:
    wall, cpu = result["wall"], result["cpu"]
    return (
        f"{db:<10} {what:<44} {wall:7.2f} {rows / wall:9,.0f} {cpu:7.2f} "
        f"{result['peak_mb']:8,.0f} {result['load']:5.1f}"
    )


def bench_database(
    db: str, base: str | None, folder: Path, path: Path, rows: int, repeat: int
) -> list[str]:
    out = []
    best: dict[str, dict[str, Any]] = {}
    contenders = ["patron", "again", "pandas"] + (["copy"] if base else [])
    for _round in range(repeat):
        schema, url = fresh_schema(base) if base else (None, None)
        try:
            first = in_child(run_patron, str(folder), str(path), url, None)
            s = first["summary"]
            assert (s["read"], s["imported"], s["rejected"]) == (rows, rows, 0), s
            again = in_child(run_patron, str(folder), str(path), url, first["workspace"])
            s2 = again["summary"]
            assert (s2["imported"], s2["duplicates"], s2["rejected"]) == (0, rows, 0), s2
            results = {"patron": first, "again": again}
            for name in contenders[2:]:
                table = f"pandas_{uuid.uuid4().hex[:8]}"
                target = url or f"sqlite:///{folder / f'{table}.db'}"
                results[name] = in_child(run_pandas, str(path), target, table, name == "copy")
                check_equal(first["url"], target, table, rows)
        finally:
            if schema and base:
                drop_schema(base, schema)
        for name, result in results.items():
            if name not in best or result["wall"] < best[name]["wall"]:
                best[name] = result
    labels = {
        "patron": "Patron import (file → store, validated)",
        "again": "Patron re-import (all duplicates)",
        "pandas": "pandas read_csv + to_sql (file → table)",
        "copy": "pandas read_csv + to_sql COPY method",
    }
    for name in contenders:
        out.append(line(db, labels[name], rows, best[name]))
    p = best["pandas"]
    to_sql_only = {
        **p,
        "wall": p["wall"] - p["read_wall"],
        "cpu": p["cpu"] - p["read_cpu"],
    }
    out.append(line(db, "pandas to_sql alone (frame in memory)", rows, to_sql_only))
    ours = best["patron"]["wall"]
    ratios = [
        f"{p['wall'] / ours:.2f}x pandas read_csv + to_sql",
        f"{to_sql_only['wall'] / ours:.2f}x to_sql alone",
    ]
    if "copy" in best:
        ratios.append(f"{best['copy']['wall'] / ours:.2f}x to_sql COPY method")
    out.append(
        f"{db:<10} Patron is "
        + ", ".join(ratios)
        + f"; {rows / ours:,.0f} rows/s (best of {repeat}); results checked equal"
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds (best kept)")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--no-ids", action="store_true", help="orders without order_id (content hash)"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    out = Path(__file__).resolve().parent / "out"  # git-ignored; /tmp is shared and swept
    out.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-orders-", dir=out))
    try:
        frame = generate(args.rows, ids=not args.no_ids)
        path = write_file(frame, folder, args.format)
        del frame
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"{args.rows:,} orders, {args.format}, {path.stat().st_size / 1e6:.1f} MB, "
            f"{'without' if args.no_ids else 'with'} order_id; {os.cpu_count()} CPUs, "
            f"load average at start {load} (machine shared with other work)"
        )
        targets: list[tuple[str, str | None]] = []
        if not args.skip_sqlite:
            targets.append(("SQLite", None))
        pg = os.environ.get("PATRON_TEST_POSTGRES_URL")
        if pg and not args.skip_postgres:
            targets.append(("PostgreSQL", pg))
        elif not args.skip_postgres:
            print("PostgreSQL skipped: PATRON_TEST_POSTGRES_URL not set")
        header = (
            f"{'database':<10} {'what':<44} {'wall s':>7} {'rows/s':>9} {'CPU s':>7} "
            f"{'peak MB':>8} {'load':>5}"
        )
        print(header)
        print("-" * len(header))
        for name, base in targets:
            for text in bench_database(name, base, folder, path, args.rows, args.repeat):
                print(text, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
