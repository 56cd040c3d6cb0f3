"""Benchmark: the BTYD summary of 10,000,000 transactions, Patron vs Polars lazy, checked equal.

Usage::

    .venv/bin/python benchmarks/summary.py [--rows 10000000] [--customers 1000000] [--rounds 2]

The transactions are written once as Parquet; each run is a fresh child process
(spawned: Polars' thread pool does not survive a fork) that reads them into memory
untimed (Patron: a pandas DataFrame, as ``summarize_transactions`` takes it; Polars:
its own DataFrame, ``.lazy()``), then times the summary, one row per customer sorted
by ``customer_id``. The two alternate, and the script prints wall and CPU seconds, the ratio, each child's
peak resident memory, the load average and the CPU count (the machine may be shared).
Polars' numbers are checked equal to Patron's (frequency, recency, T exactly; the
monetary value to the cent).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clv import transactions  # noqa: E402  (the generator benchmarks/clv.py times)

END = "2025-12-31"


def patron_summary(tx: pd.DataFrame) -> pd.DataFrame:
    from patron.analyze.clv import summarize_transactions

    return summarize_transactions(tx, observation_end=END, time_unit="W")


def polars_lazy(frame):  # type: ignore[no-untyped-def]
    """The summary as a Polars user writes it: two group-bys in one lazy query."""
    import datetime as dt

    import polars as pl

    end = dt.date.fromisoformat(END)
    daily = (
        frame.lazy()
        .with_columns(
            day=pl.col("ordered_at").dt.date(),
            spend=(pl.col("amount") * 100).round().cast(pl.Int64),
        )
        .filter(pl.col("day") <= end)
        .group_by("customer_id", "day")
        .agg(pl.col("spend").sum())
    )
    per = daily.group_by("customer_id").agg(
        first_purchase=pl.col("day").min(),
        last_purchase=pl.col("day").max(),
        n=pl.len(),
        total=pl.col("spend").sum(),
        first_spend=pl.col("spend").sort_by("day").first(),
    )
    return (
        per.with_columns(
            frequency=pl.col("n") - 1,
            recency=(pl.col("last_purchase") - pl.col("first_purchase")).dt.total_days() / 7.0,
            T=(pl.lit(end) - pl.col("first_purchase")).dt.total_days() / 7.0,
            monetary_value=pl.when(pl.col("n") > 1)
            .then((pl.col("total") - pl.col("first_spend")) / (pl.col("n") - 1) / 100.0)
            .otherwise(0.0),
        )
        .with_columns(pl.col("customer_id").cast(pl.String))
        .sort("customer_id")
        .select("customer_id", "frequency", "recency", "T", "monetary_value")
        .collect()
    )


def _child(name: str, path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    if name == "Patron":
        import patron.analyze.clv.summary_arrays  # noqa: F401  (imports before the clock)

        fn, data = patron_summary, pd.read_parquet(path)
    else:
        import polars as pl

        fn, data = polars_lazy, pl.read_parquet(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if name != "Patron":
        result = result.to_pandas()
    result = result[["customer_id", "frequency", "recency", "T", "monetary_value"]]
    out.put((wall, cpu, peak / 1e6, max(peak - before, 0) / 1e6, result))


def run(name: str, path: Path) -> tuple:  # type: ignore[type-arg]
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()  # type: ignore[type-arg]
    child = context.Process(target=_child, args=(name, str(path), queue))
    child.start()
    value = queue.get()
    child.join()
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "out"  # git-ignored
    out.mkdir(exist_ok=True)
    path = out / f"summary_{args.rows}_{args.customers}.parquet"
    if not path.exists():
        transactions(args.rows, args.customers).to_parquet(path, index=False)
    print(
        f"BTYD summary of {args.rows:,} transactions, {args.customers:,} customers; "
        f"{os.cpu_count()} CPUs; load before {os.getloadavg()[0]:.1f} (machine shared)"
    )
    print(
        f"{'round':>5} {'what':<12} {'wall s':>7} {'CPU s':>7} {'peak GB':>8} {'+GB':>6} {'load':>5}"
    )
    best: dict[str, float] = {}
    results: dict[str, pd.DataFrame] = {}
    for r in range(args.rounds):
        for name in ("Patron", "Polars lazy"):
            wall, cpu, peak, grew, result = run(name, path)
            results[name] = result
            best[name] = min(best.get(name, np.inf), wall)
            print(
                f"{r + 1:>5} {name:<12} {wall:7.2f} {cpu:7.2f} {peak:8.2f} {grew:6.2f} "
                f"{os.getloadavg()[0]:5.1f}"
            )
    ours, theirs = results["Patron"], results["Polars lazy"]
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    assert (ours["customer_id"].to_numpy() == theirs["customer_id"].to_numpy()).all()
    np.testing.assert_array_equal(ours["frequency"].to_numpy(), theirs["frequency"].to_numpy())
    for column in ("recency", "T"):  # days / 7: the last bit may differ
        np.testing.assert_allclose(ours[column].to_numpy(), theirs[column].to_numpy(), rtol=1e-14)
    cents = np.abs(ours["monetary_value"].to_numpy() - theirs["monetary_value"].to_numpy())
    assert cents.max() <= 0.005 + 1e-9, cents.max()
    print(
        f"equal: {len(ours):,} customers, frequency identical, recency/T to 1e-14, monetary value within "
        f"half a cent (Patron rounds to cents); best wall: Patron {best['Patron']:.2f} s, "
        f"Polars {best['Polars lazy']:.2f} s, Patron {best['Polars lazy'] / best['Patron']:.2f}x "
        "as fast"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
