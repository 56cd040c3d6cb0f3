"""Benchmark: Patron's customer features vs hand-written DuckDB SQL, Polars lazy and pandas.

Generates N transactions of M customers as Parquet (in chunks, never all in memory),
then, each in a fresh process so peak memory is its own, computes the same per-customer
outputs three ways and checks that they agree:

* Patron: ``patron.analyze.features.customer_features`` on DuckDB (Ibis, executed to Arrow);
* hand-written DuckDB SQL: one query written for exactly these outputs;
* Polars lazy: ``scan_parquet`` and group-bys in one lazy query, collected once;
* pandas: ``read_parquet`` + ``groupby``;

and a bare DuckDB scan summing every column of the same Parquet, the floor any of them
could reach: each approach's time is also shown as the bare scan's share of it.

Outputs per customer: first/last purchase, orders, purchase days, x, t_x, T (weeks),
revenue, mean repeat spend, cost, discount, gross margin, channels, channel top share
and HHI.

Run: ``.venv/bin/python benchmarks/features.py [--rows 50000000] [--customers 1000000]
[--skip pandas]``. The machine may be shared: the load average and CPU count are printed.

``--incremental 0.01`` measures the customer state instead (``patron sync``'s
incremental path): a warehouse of the N transactions gets a new orders part of 1 % more,
dated in the last 30 days of the period;
it times, each in a fresh process, the state's full build on the N rows, the merge of the
new part plus reading all features from the state, and ``customer_features`` over all
rows (what every analysis did before); the two feature tables must be equal to the bit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
START = np.datetime64("2023-01-01T00:00:00", "us")
DAYS = 3 * 365
AS_OF = "2025-12-31"
CHANNELS = np.array(["web", "store", "phone", "app"])


def generate(
    folder: Path,
    rows: int,
    customers: int,
    chunk: int = 2_500_000,
    seed: int = 7,
    first_day: int = 0,
) -> None:
    """Write ``rows`` transactions as Parquet parts of ``chunk`` rows each."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # Customers differ in how often they buy: a skewed weight per customer.
    weights = rng.gamma(0.6, 1.0, customers)
    weights /= weights.sum()
    cdf = np.cumsum(weights)
    written = 0
    part = 0
    while written < rows:
        n = min(chunk, rows - written)
        ids = np.minimum(np.searchsorted(cdf, rng.random(n)), customers - 1)
        id_text = pc.utf8_lpad(pc.cast(pa.array(ids + 1), pa.string()), 7, "0")
        customer = pc.binary_join_element_wise("C", id_text, "")
        seconds = rng.integers(first_day * 86_400, DAYS * 86_400, n).astype("timedelta64[s]")
        ordered_at = (START + seconds).astype("datetime64[us]")
        amount = np.round(rng.lognormal(3.5, 0.8, n), 2)
        cost = np.round(amount * rng.uniform(0.4, 0.8, n), 2)
        discount = np.where(rng.random(n) < 0.15, np.round(amount * 0.1, 2), 0.0)
        channel = CHANNELS[rng.integers(0, len(CHANNELS), n)]
        table = pa.table(
            {
                "customer_id": customer,
                "ordered_at": pa.array(ordered_at, pa.timestamp("us", tz="UTC")),
                "amount": amount,
                "cost": cost,
                "discount": discount,
                "channel": channel,
            }
        )
        pq.write_table(table, folder / f"part-{part:06d}.parquet", row_group_size=500_000)
        written += n
        part += 1
        print(f"\r  generated {written:,} / {rows:,} rows", end="", flush=True)
    print()


HAND_SQL = """
WITH o AS (
  SELECT customer_id, CAST(ordered_at AS DATE) AS day,
         CAST(ROUND(amount * 100) AS BIGINT) AS amount,
         CAST(ROUND(COALESCE(cost, 0) * 100) AS BIGINT) AS cost,
         CAST(ROUND(COALESCE(discount, 0) * 100) AS BIGINT) AS discount,
         channel
  FROM read_parquet('{glob}')
  WHERE CAST(ordered_at AS DATE) <= DATE '{as_of}'
),
daily AS (
  SELECT customer_id, day, SUM(amount) AS spend FROM o GROUP BY customer_id, day
),
btyd AS (
  SELECT customer_id, MIN(day) AS first_purchase, MAX(day) AS last_purchase,
         COUNT(*) AS purchase_days, SUM(spend) AS total, arg_min(spend, day) AS first_spend
  FROM daily GROUP BY customer_id
),
per AS (
  SELECT customer_id, COUNT(*) AS orders, SUM(amount) AS revenue, SUM(cost) AS cost,
         SUM(discount) AS discount
  FROM o GROUP BY customer_id
),
ch AS (
  SELECT customer_id, COUNT(*) AS channels, MAX(k) AS top, SUM(k * k) AS sq, SUM(k) AS n
  FROM (SELECT customer_id, channel, COUNT(*) AS k FROM o
        WHERE channel IS NOT NULL GROUP BY customer_id, channel)
  GROUP BY customer_id
)
SELECT b.customer_id, b.first_purchase, b.last_purchase, p.orders, b.purchase_days,
       b.purchase_days - 1 AS frequency,
       DATE_DIFF('day', b.first_purchase, b.last_purchase) / 7.0 AS recency,
       DATE_DIFF('day', b.first_purchase, DATE '{as_of}') / 7.0 AS T,
       p.revenue / 100.0 AS revenue,
       CASE WHEN b.purchase_days > 1
            THEN ROUND((b.total - b.first_spend) / (b.purchase_days - 1)) / 100.0
            ELSE 0.0 END AS monetary_value,
       p.cost / 100.0 AS cost, p.discount / 100.0 AS discount,
       (p.revenue - p.cost - p.discount) / 100.0 AS gross_margin,
       COALESCE(c.channels, 0) AS channels,
       c.top / c.n AS channel_top_share,
       c.sq / (c.n * c.n) AS channel_hhi
FROM btyd b JOIN per p USING (customer_id) LEFT JOIN ch c USING (customer_id)
"""

COLUMNS = [
    "customer_id",
    "first_purchase",
    "last_purchase",
    "orders",
    "purchase_days",
    "frequency",
    "recency",
    "T",
    "revenue",
    "monetary_value",
    "cost",
    "discount",
    "gross_margin",
    "channels",
    "channel_top_share",
    "channel_hhi",
]


def run_patron(glob: str) -> pa.Table:
    from patron.analyze import engine
    from patron.analyze.features import customer_features

    con = engine.connect("duckdb", memory_limit=os.environ.get("BENCH_MEMORY_LIMIT"))
    orders = engine.read_table(glob, con=con)
    return engine.to_pyarrow(customer_features(orders, as_of=AS_OF).select(*COLUMNS), con)


def _state_warehouse(glob: str) -> Path:
    return Path(glob).parent.parent


def run_state_build(glob: str) -> pa.Table:
    """The customer state built from every part the warehouse lists (its full rebuild)."""
    from patron.analyze.customer_state import update_customer_state

    update = update_customer_state(_state_warehouse(glob), rebuild=True)
    return pa.table({"customers": [update.customers]})


def run_state_merge(glob: str) -> pa.Table:
    """The new part folded into the state, then every customer's features read from it."""
    from patron.analyze import engine
    from patron.analyze.customer_state import state_features, update_customer_state

    con = engine.connect("duckdb", memory_limit=os.environ.get("BENCH_MEMORY_LIMIT"))
    warehouse = _state_warehouse(glob)
    update = update_customer_state(warehouse, con=con)
    assert update.action == "merged", update
    print(json.dumps({"merge": update.to_dict()}), file=sys.stderr)
    features = state_features(warehouse, as_of=AS_OF, con=con)
    return engine.to_pyarrow(features, con)


def run_patron_all(glob: str) -> pa.Table:
    """customer_features over every part of the warehouse, all columns."""
    from patron.analyze import engine
    from patron.analyze.features import customer_features

    con = engine.connect("duckdb", memory_limit=os.environ.get("BENCH_MEMORY_LIMIT"))
    return engine.to_pyarrow(customer_features(engine.read_table(glob, con=con), as_of=AS_OF), con)


def run_sql(glob: str) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # The same engine settings as Patron's connection, so only the query differs.
    con.execute("SET preserve_insertion_order = false")
    if os.environ.get("BENCH_MEMORY_LIMIT"):
        con.execute(f"SET memory_limit = '{os.environ['BENCH_MEMORY_LIMIT']}'")
    return con.execute(HAND_SQL.format(glob=glob, as_of=AS_OF)).fetch_arrow_table()


def run_polars(glob: str) -> pa.Table:
    """The same outputs as one Polars lazy query, as a Polars user would write it."""
    import datetime as dt

    import polars as pl

    end = dt.date.fromisoformat(AS_OF)

    def cents(column: str) -> pl.Expr:
        value = pl.col(column).fill_null(0.0) * 100
        return value.round(0, mode="half_away_from_zero").cast(pl.Int64)

    o = (
        pl.scan_parquet(glob)
        .with_columns(
            day=pl.col("ordered_at").dt.date(),
            amount=cents("amount"),
            cost=cents("cost"),
            discount=cents("discount"),
        )
        .filter(pl.col("day") <= end)
    )
    per = o.group_by("customer_id").agg(
        orders=pl.len(),
        revenue=pl.col("amount").sum(),
        cost=pl.col("cost").sum(),
        discount=pl.col("discount").sum(),
    )
    daily = o.group_by("customer_id", "day").agg(spend=pl.col("amount").sum())
    btyd = daily.group_by("customer_id").agg(
        first_purchase=pl.col("day").min(),
        last_purchase=pl.col("day").max(),
        purchase_days=pl.len(),
        total=pl.col("spend").sum(),
        first_spend=pl.col("spend").sort_by("day").first(),
    )
    k = o.filter(pl.col("channel").is_not_null()).group_by("customer_id", "channel").agg(k=pl.len())
    ch = k.group_by("customer_id").agg(
        channels=pl.len(),
        top=pl.col("k").max(),
        sq=(pl.col("k").cast(pl.Int64) ** 2).sum(),
        n=pl.col("k").sum(),
    )
    x = pl.col("purchase_days") - 1
    days = (pl.col("last_purchase") - pl.col("first_purchase")).dt.total_days()
    result = (
        btyd.join(per, on="customer_id")
        .join(ch, on="customer_id", how="left")
        .select(
            "customer_id",
            "first_purchase",
            "last_purchase",
            pl.col("orders").cast(pl.Int64),
            pl.col("purchase_days").cast(pl.Int64),
            frequency=x.cast(pl.Int64),
            recency=days / 7.0,
            T=(pl.lit(end) - pl.col("first_purchase")).dt.total_days() / 7.0,
            revenue=pl.col("revenue") / 100.0,
            monetary_value=pl.when(x > 0)
            .then(
                ((pl.col("total") - pl.col("first_spend")) / x).round(0, mode="half_away_from_zero")
                / 100.0
            )
            .otherwise(0.0),
            cost=pl.col("cost") / 100.0,
            discount=pl.col("discount") / 100.0,
            gross_margin=(pl.col("revenue") - pl.col("cost") - pl.col("discount")) / 100.0,
            channels=pl.col("channels").fill_null(0).cast(pl.Int64),
            channel_top_share=pl.col("top") / pl.col("n"),
            channel_hhi=pl.col("sq") / (pl.col("n") * pl.col("n")),
        )
        .collect()
    )
    return result.to_arrow()


def run_scan(glob: str) -> pa.Table:
    """The floor: one DuckDB pass reading every column and summing it."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute(
        f"""SELECT sum(length(customer_id)) AS customer_id, sum(epoch(ordered_at)) AS ordered_at,
                   sum(amount) AS amount, sum(cost) AS cost, sum(discount) AS discount,
                   sum(length(channel)) AS channel
            FROM read_parquet('{glob}')"""
    ).fetch_arrow_table()


def half_up(values):
    """Round half away from zero, as SQL ROUND does (numpy rounds half to even)."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def run_pandas(glob: str) -> pa.Table:
    import pandas as pd

    frame = pd.read_parquet(Path(glob).parent)
    frame["day"] = frame["ordered_at"].dt.tz_convert("UTC").dt.normalize()
    frame = frame[frame["day"] <= pd.Timestamp(AS_OF, tz="UTC")]
    for column in ("amount", "cost", "discount"):
        frame[column] = half_up(frame[column].fillna(0.0).to_numpy() * 100).astype("int64")
    per = frame.groupby("customer_id", sort=False).agg(
        orders=("amount", "size"),
        revenue=("amount", "sum"),
        cost=("cost", "sum"),
        discount=("discount", "sum"),
    )
    daily = frame.groupby(["customer_id", "day"], sort=False, as_index=False)["amount"].sum()
    daily = daily.sort_values(["customer_id", "day"])
    grouped = daily.groupby("customer_id", sort=False)
    btyd = pd.DataFrame(
        {
            "first_purchase": grouped["day"].first(),
            "last_purchase": grouped["day"].last(),
            "purchase_days": grouped["day"].size(),
            "total": grouped["amount"].sum(),
            "first_spend": grouped["amount"].first(),
        }
    )
    k = frame.groupby(["customer_id", "channel"], sort=False).size().rename("k").reset_index()
    k["sq"] = k["k"] * k["k"]
    ch = k.groupby("customer_id", sort=False).agg(
        channels=("k", "size"), top=("k", "max"), sq=("sq", "sum"), n=("k", "sum")
    )
    out = btyd.join(per).join(ch)
    end = pd.Timestamp(AS_OF, tz="UTC")
    x = out["purchase_days"] - 1
    result = pd.DataFrame(
        {
            "customer_id": out.index,
            "first_purchase": out["first_purchase"].dt.date,
            "last_purchase": out["last_purchase"].dt.date,
            "orders": out["orders"],
            "purchase_days": out["purchase_days"],
            "frequency": x,
            "recency": (out["last_purchase"] - out["first_purchase"]).dt.days / 7.0,
            "T": (end - out["first_purchase"]).dt.days / 7.0,
            "revenue": out["revenue"] / 100.0,
            "monetary_value": np.where(
                x > 0, half_up((out["total"] - out["first_spend"]) / x.clip(lower=1)) / 100.0, 0.0
            ),
            "cost": out["cost"] / 100.0,
            "discount": out["discount"] / 100.0,
            "gross_margin": (out["revenue"] - out["cost"] - out["discount"]) / 100.0,
            "channels": out["channels"].fillna(0).astype("int64"),
            "channel_top_share": out["top"] / out["n"],
            "channel_hhi": out["sq"] / (out["n"] * out["n"]),
        }
    )
    return pa.Table.from_pandas(result, preserve_index=False)


RUNNERS = {
    "bare_scan": run_scan,
    "patron": run_patron,
    "duckdb_sql": run_sql,
    "polars": run_polars,
    "pandas": run_pandas,
}
STATE_RUNNERS = {
    "state_build": run_state_build,
    "state_merge": run_state_merge,
    "patron_all": run_patron_all,
}


def child(name: str, glob: str, out: Path) -> None:
    """Run one approach in this process and report its time and own peak memory."""
    # Imports happen before the clock starts: we time the work, not module loading.
    if name in STATE_RUNNERS:
        import patron.analyze.customer_state  # noqa: F401
    elif name == "patron":
        import patron.analyze.engine
        import patron.analyze.features  # noqa: F401
    elif name in ("duckdb_sql", "bare_scan"):
        import duckdb  # noqa: F401
    elif name == "polars":
        import polars  # noqa: F401
    else:
        import pandas  # noqa: F401
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    table = {**RUNNERS, **STATE_RUNNERS}[name](glob)
    elapsed = time.perf_counter() - start
    sortable = "customer_id" in table.column_names
    pq.write_table(table.sort_by("customer_id") if sortable else table, out)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(
        json.dumps(
            {
                "name": name,
                "seconds": elapsed,
                "peak_mb": peak_kb / 1024,
                "cpu_seconds": cpu,
                "rows_out": table.num_rows,
            }
        )
    )


def compare(paths: dict[str, Path]) -> None:
    """Every approach must give the same table (floats to 1e-9)."""
    import pandas as pd

    frames = {name: pq.read_table(path).to_pandas() for name, path in paths.items()}
    ref = frames["duckdb_sql"]
    for name, frame in frames.items():
        assert len(frame) == len(ref), (name, len(frame), len(ref))
        for column in COLUMNS:
            a, b = frame[column], ref[column]
            if column in ("first_purchase", "last_purchase"):
                a, b = pd.to_datetime(a), pd.to_datetime(b)
                assert (a.to_numpy() == b.to_numpy()).all(), (name, column)
            elif pd.api.types.is_float_dtype(b):
                np.testing.assert_allclose(
                    a.astype(float),
                    b.astype(float),
                    rtol=1e-9,
                    equal_nan=True,
                    err_msg=f"{name}.{column}",
                )
            else:
                assert (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all(), (name, column)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE / "out" / "features")
    parser.add_argument("--child", nargs=3, metavar=("NAME", "GLOB", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--skip", nargs="*", default=[], help="approaches to skip")
    parser.add_argument(
        "--memory-limit", default="3GB", help="DuckDB memory_limit for both DuckDB approaches"
    )
    parser.add_argument(
        "--incremental",
        type=float,
        default=None,
        metavar="SHARE",
        help="measure the customer state: merge SHARE (0.01) new transactions onto N",
    )
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["BENCH_MEMORY_LIMIT"] = args.memory_limit
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    folder = args.data / f"{args.rows}x{args.customers}"
    if not (folder / "_done").exists():
        print(f"Generating {args.rows:,} transactions of {args.customers:,} customers in {folder}")
        started = time.perf_counter()
        generate(folder, args.rows, args.customers)
        (folder / "_done").write_text("ok")
        print(f"  took {time.perf_counter() - started:.1f} s")
    glob = str(folder / "*.parquet")
    if args.incremental:
        incremental(folder, args.rows, args.customers, args.incremental)
        return
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the start (machine shared)")
    results, outputs = {}, {}
    for name in RUNNERS:
        if name in args.skip:
            continue
        out = folder.parent / f"result-{name}.parquet"
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, glob, str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{name} failed:\n{proc.stderr[-2000:]}")
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        if name != "bare_scan":
            outputs[name] = out
        r = results[name]
        floor = results.get("bare_scan", {}).get("seconds")
        share = f"scan share {floor / r['seconds']:6.1%}" if floor else ""
        print(
            f"{name:>11}: {r['seconds']:7.1f} s  {args.rows / r['seconds'] / 1e6:6.2f} M rows/s  "
            f"CPU {r['cpu_seconds']:7.1f} s  peak {r['peak_mb']:,.0f} MB  "
            f"({r['rows_out']:,} rows out) {share}  load {os.getloadavg()[0]:.1f}"
        )
    if len(outputs) > 1:
        compare(outputs)
        print("All approaches return the same per-customer table.")
    if "patron" in results:
        for name in ("duckdb_sql", "polars", "pandas"):
            if name in results:
                ratio = results[name]["seconds"] / results["patron"]["seconds"]
                work = results[name]["cpu_seconds"] / results["patron"]["cpu_seconds"]
                print(
                    f"Patron is {ratio:.2f}x as fast as {name} "
                    f"(wall clock; {work:.2f}x in CPU time, which a loaded machine disturbs less)"
                )


def _run_child(name: str, glob: str, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, glob, str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for line in proc.stderr.splitlines():
        if line.startswith('{"merge"'):
            result.update(json.loads(line)["merge"])
    return result


def incremental(folder: Path, rows: int, customers: int, share: float) -> None:
    """The customer state absorbing ``share`` new transactions vs recomputing everything."""
    new_rows = int(rows * share)
    new_folder = folder.parent / f"{rows}x{customers}-new30d-{new_rows}"
    if not (new_folder / "_done").exists():
        # New transactions fall in the last 30 days (what a daily sync brings, with a
        # late tail): same-day repeats and sales inside known purchase spans included.
        generate(
            new_folder, new_rows, customers, chunk=max(new_rows, 1), seed=11, first_day=DAYS - 30
        )
        (new_folder / "_done").write_text("ok")
    warehouse = folder.parent / f"{rows}x{customers}-warehouse"
    orders = warehouse / "orders"
    shutil.rmtree(warehouse, ignore_errors=True)
    orders.mkdir(parents=True)
    base = sorted(folder.glob("part-*.parquet"))
    names = []
    for i, path in enumerate([*base, new_folder / "part-000000.parquet"]):
        names.append(f"part-{i:06d}.parquet")
        os.link(path, orders / names[-1])

    def listed(parts: list[str]) -> None:
        state = {"parts": parts, "last_id": 0, "rows": 0, "signature": None}
        (orders / "_state.json").write_text(json.dumps(state))

    glob = str(orders / "*.parquet")
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the start (machine shared)")
    listed(names[:-1])  # the warehouse before the sync: the N transactions
    build = _run_child("state_build", glob, folder.parent / "result-state_build.parquet")
    listed(names)  # the sync appended one part of new transactions
    merge = _run_child("state_merge", glob, folder.parent / "result-state_merge.parquet")
    full = _run_child("patron_all", glob, folder.parent / "result-patron_all.parquet")
    for name, r in (("state build (N)", build), ("merge + read", merge), ("full features", full)):
        print(
            f"{name:>16}: {r['seconds']:7.1f} s  CPU {r['cpu_seconds']:7.1f} s  "
            f"peak {r['peak_mb']:,.0f} MB  load {os.getloadavg()[0]:.1f}"
        )
    a = pq.read_table(folder.parent / "result-state_merge.parquet")
    b = pq.read_table(folder.parent / "result-patron_all.parquet")
    assert a.equals(b), "the state's features differ from customer_features"
    print(
        f"{new_rows:,} new transactions onto {rows:,} ({merge['customers_touched']:,} of "
        f"{merge['customers']:,} customers touched): merge + read in "
        f"{merge['seconds'] / full['seconds']:.1%} of the full recompute's time "
        f"({merge['cpu_seconds'] / full['cpu_seconds']:.1%} in CPU time); "
        f"all {b.num_rows:,} rows x {b.num_columns} columns equal."
    )


if __name__ == "__main__":
    main()
