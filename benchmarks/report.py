"""Benchmark: `patron report` on a warehouse of 1,000,000 hotel guests.

Goal (issue 6): under 60 s and an HTML file under 10 MB. The warehouse is the synthetic
hotel world generated in 20 chunks of 50,000 guests (different seeds, ids prefixed per
chunk) and written as Parquet parts in the layout `patron sync` writes; it is generated
once into ``benchmarks/out/report-1m/`` and reused. Only the report is timed.

    .venv/bin/python benchmarks/report.py [--guests 1000000] [--chunk 50000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "report"))
from report_factories import CONSTRUCT_OF_PREFIX  # noqa: E402


def _construct(code: str) -> str | None:
    for prefix, name in CONSTRUCT_OF_PREFIX.items():
        if code.startswith(prefix):
            return name
    return None


def generate(root: Path, guests: int, chunk: int) -> None:
    from patron.data.hotel import generate_hotel

    warehouse = root / "warehouse"
    done = root / "DONE"
    if done.exists() and done.read_text() == f"{guests}/{chunk}":
        return
    parts = (guests + chunk - 1) // chunk
    started = time.perf_counter()
    for part in range(parts):
        data = generate_hotel(seed=1000 + part, n_guests=min(chunk, guests - part * chunk))
        prefix = f"P{part:02d}-"

        def ids(series: pd.Series, prefix: str = prefix) -> pd.Series:
            return prefix + series.astype(str)

        guests_frame = data.guests[~data.guests["customer_id"].eq("H-ORIENTAL")].copy()
        guests_frame["customer_id"] = ids(guests_frame["customer_id"])
        guests_frame["dataset"] = "hotel"
        tables = {
            "customers": guests_frame,
            "orders": data.stays[
                [
                    "order_id",
                    "customer_id",
                    "ordered_at",
                    "amount",
                    "cost",
                    "discount",
                    "quantity",
                    "channel",
                    "location",
                    "status",
                ]
            ].copy(),  # fmt: skip
            "complaints": data.complaints.drop(columns=["order_id"], errors="ignore").copy(),
            "interactions": data.interactions.copy(),
            "survey_responses": data.responses.copy(),
        }
        tables["survey_responses"]["construct"] = tables["survey_responses"]["item_code"].map(
            _construct
        )
        for name, frame in tables.items():
            if name != "customers":
                frame["customer_id"] = ids(frame["customer_id"])
                frame = frame[frame["customer_id"].isin(set(guests_frame["customer_id"]))]
            for key in ("order_id", "complaint_id", "interaction_id", "response_id"):
                if key in frame.columns:
                    frame[key] = ids(frame[key])
            folder = warehouse / name
            folder.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(folder / f"part-{part:06d}.parquet", index=False)
        print(f"  chunk {part + 1}/{parts} written ({time.perf_counter() - started:.0f} s)")
    done.write_text(f"{guests}/{chunk}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    args = parser.parse_args()
    root = HERE / "out" / f"report-{args.guests // 1000}k"
    root.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.guests:,} guests into {root} (once) …")
    generate(root, args.guests, args.chunk)

    from patron.collect.workspace_setup import init_workspace
    from patron.report import build_report

    os.environ.pop("PATRON_DATABASE_URL", None)
    workspace = init_workspace(root)
    started = time.perf_counter()
    result = build_report(workspace, out=root / "report.html", unit="all")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"report for {args.guests:,} guests: {elapsed:.1f} s, {result.bytes / 1e6:.2f} MB, "
          f"peak RSS {peak:,.0f} MB, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for section in result.sections:
        print(
            f"  {section.key:<14} {section.status:<8} {section.seconds:6.1f} s  {section.message}"
        )
    print(f"goal: < 60 s ({'met' if elapsed < 60 else 'MISSED'}), "
          f"< 10 MB ({'met' if result.bytes < 10e6 else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
