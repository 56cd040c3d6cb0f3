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


def time_patron(folder: Path, path: Path, url: str | None) -> tuple[float, float, object]:
    from patron.collect.importers import import_file
    from patron.core.config import get_settings
    from patron.core.workspace import Workspace

    if url:
        os.environ["PATRON_DATABASE_URL"] = url
    else:
        os.environ.pop("PATRON_DATABASE_URL", None)
    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    workspace = Workspace.init(folder / f"ws-{uuid.uuid4().hex[:6]}")
    t0 = time.perf_counter()
    first = import_file(workspace, "orders", path, progress=False, chunk_size=100_000)
    t1 = time.perf_counter()
    again = import_file(workspace, "orders", path, progress=False, chunk_size=100_000)
    t2 = time.perf_counter()
    assert again.imported == 0 and again.duplicates == first.imported, again
    return t1 - t0, t2 - t1, first


def time_pandas(frame: pd.DataFrame, path: Path, url: str) -> tuple[float, float]:
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url

    engine = sa.create_engine(normalize_url(url))
    table = f"bench_{uuid.uuid4().hex[:8]}"
    t0 = time.perf_counter()
    frame.to_sql(table, engine, index=False, chunksize=100_000)
    t1 = time.perf_counter()
    if path.suffix == ".parquet":
        again = pd.read_parquet(path)
    else:
        again = pd.read_csv(path, parse_dates=["ordered_at"])
    again.to_sql(table + "_e2e", engine, index=False, chunksize=100_000)
    t2 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql(f"DROP TABLE {table}_e2e")
    engine.dispose()
    return t1 - t0, t2 - t1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--no-ids", action="store_true", help="orders without order_id (content hash)"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="patron-bench-"))
    try:
        frame = generate(args.rows, ids=not args.no_ids)
        path = write_file(frame, folder, args.format)
        print(
            f"{args.rows:,} orders, {args.format}, {path.stat().st_size / 1e6:.1f} MB, "
            f"{'without' if args.no_ids else 'with'} order_id; machine shared with other work"
        )
        targets = [("SQLite", None)]
        pg = os.environ.get("PATRON_TEST_POSTGRES_URL")
        if pg and not args.skip_postgres:
            targets.append(("PostgreSQL", pg))
        elif not args.skip_postgres:
            print("PostgreSQL skipped: PATRON_TEST_POSTGRES_URL not set")
        header = f"{'database':<11} {'what':<42} {'seconds':>8} {'rows/s':>10}"
        print(header)
        print("-" * len(header))
        for name, url in targets:
            patron_s, again_s, summary = time_patron(folder, path, url)
            sqlite_url = f"sqlite:///{folder / f'pandas-{uuid.uuid4().hex[:6]}.db'}"
            pandas_s, e2e_s = time_pandas(frame, path, url or sqlite_url)
            n = args.rows
            for what, seconds in (
                ("Patron import (file → store, validated)", patron_s),
                ("Patron re-import (all duplicates)", again_s),
                ("pandas to_sql (frame in memory)", pandas_s),
                ("pandas read + to_sql (file → table)", e2e_s),
            ):
                print(f"{name:<11} {what:<42} {seconds:8.2f} {n / seconds:10,.0f}")
            print(
                f"{name:<11} ratio Patron / to_sql (in memory): {pandas_s / patron_s:.2f}x as fast; "
                f"vs read + to_sql: {e2e_s / patron_s:.2f}x  "
                f"(imported {summary.imported:,}, customers created {summary.customers_created:,})"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
