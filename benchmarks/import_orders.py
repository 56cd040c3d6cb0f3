"""Benchmark: import 1,000,000 generated orders with Patron vs a plain ``DataFrame.to_sql``.

Usage::

    .venv/bin/python benchmarks/import_orders.py [--rows 1000000] [--format csv|parquet]
        [--no-ids] [--skip-postgres]

PostgreSQL comes from ``PATRON_TEST_POSTGRES_URL`` (start one with
``eval "$(bash .ci/postgres.sh)"``). For each database the script times

* Patron: ``import_file(workspace, "orders", FILE)`` — reading the file, validation,
  customer-key resolution (creating the customers), content hashes, idempotent
  ``INSERT … ON CONFLICT DO NOTHING`` into the real ``orders`` table with its indexes;
* Patron again on the same file (the idempotent re-import: everything is a duplicate);
* pandas: ``DataFrame.to_sql`` of the same rows (already in memory, already typed)
  into a new table without indexes, and ``read_csv`` + ``to_sql`` end to end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

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


def clocked(fn, *args):  # type: ignore[no-untyped-def]
    """``fn(*args)`` with its wall-clock and CPU seconds (CPU: this process, all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def time_patron(folder: Path, path: Path, url: str | None):  # type: ignore[no-untyped-def]
    from patron.collect.importers import import_file
    from patron.collect.workspace_setup import init_workspace
    from patron.core.config import get_settings

    if url:
        os.environ["PATRON_DATABASE_URL"] = url
    else:
        os.environ.pop("PATRON_DATABASE_URL", None)
    assert get_settings().database_url == url
    workspace = init_workspace(folder / f"ws-{uuid.uuid4().hex[:6]}")
    run = lambda: import_file(workspace, "orders", path, progress=False, chunk_size=100_000)  # noqa: E731
    first, wall, cpu = clocked(run)
    again, wall2, cpu2 = clocked(run)
    assert first.imported == len(pd.read_csv(path, usecols=[0])) if path.suffix == ".csv" else True
    assert again.imported == 0 and again.duplicates == first.imported, again
    return (wall, cpu), (wall2, cpu2), first


def time_pandas(frame: pd.DataFrame, path: Path, url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    engine = sa.create_engine(normalize_url(url))
    table = f"bench_{uuid.uuid4().hex[:8]}"
    _r, wall, cpu = clocked(lambda: frame.to_sql(table, engine, index=False, chunksize=100_000))

    def end_to_end() -> None:
        if path.suffix == ".parquet":
            again = pd.read_parquet(path)
        else:
            again = pd.read_csv(path, parse_dates=["ordered_at"])
        again.to_sql(table + "_e2e", engine, index=False, chunksize=100_000)

    _r, wall2, cpu2 = clocked(end_to_end)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql(f"DROP TABLE {table}_e2e")
    engine.dispose()
    return (wall, cpu), (wall2, cpu2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--no-ids", action="store_true", help="orders without order_id (content hash)"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    out = Path(__file__).resolve().parent / "out"  # git-ignored; /tmp is shared and swept
    out.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-orders-", dir=out))
    try:
        frame = generate(args.rows, ids=not args.no_ids)
        path = write_file(frame, folder, args.format)
        print(
            f"{args.rows:,} orders, {args.format}, {path.stat().st_size / 1e6:.1f} MB, "
            f"{'without' if args.no_ids else 'with'} order_id; machine shared with other work"
        )
        targets: list[tuple[str, str | None]] = [("SQLite", None)]
        pg = os.environ.get("PATRON_TEST_POSTGRES_URL")
        if pg and not args.skip_postgres:
            targets.append(("PostgreSQL", pg))
        elif not args.skip_postgres:
            print("PostgreSQL skipped: PATRON_TEST_POSTGRES_URL not set")
        header = f"{'database':<11} {'what':<42} {'wall s':>7} {'rows/s':>9} {'CPU s':>7} {'rows/CPU-s':>10}"
        print(header)
        print("-" * len(header))
        for name, base in targets:
            schema = None
            url = base
            if base:
                schema, url = fresh_schema(base)
            try:
                patron, patron_again, summary = time_patron(folder, path, url)
                pandas_mem, pandas_e2e = time_pandas(
                    frame, path, url or f"sqlite:///{folder / f'pandas-{uuid.uuid4().hex[:6]}.db'}"
                )
            finally:
                if schema:
                    drop_schema(base, schema)
            n = args.rows
            for what, (wall, cpu) in (
                ("Patron import (file → store, validated)", patron),
                ("Patron re-import (all duplicates)", patron_again),
                ("pandas to_sql (frame in memory)", pandas_mem),
                ("pandas read + to_sql (file → table)", pandas_e2e),
            ):
                print(
                    f"{name:<11} {what:<42} {wall:7.2f} {n / wall:9,.0f} {cpu:7.2f} {n / cpu:10,.0f}"
                )
            print(
                f"{name:<11} Patron vs to_sql (in memory): {pandas_mem[0] / patron[0]:.2f}x as fast "
                f"(CPU {pandas_mem[1] / patron[1]:.2f}x); vs read + to_sql: "
                f"{pandas_e2e[0] / patron[0]:.2f}x (CPU {pandas_e2e[1] / patron[1]:.2f}x); "
                f"imported {summary.imported:,}, customers created {summary.customers_created:,}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
