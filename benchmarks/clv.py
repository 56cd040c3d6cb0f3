"""Benchmark: Patron's BTYD models vs ``lifetimes`` on the same simulated data, in one run.

Simulates (at daily resolution, times in weeks) 1M BG/NBD customers with Gamma-Gamma
spend, 100k and 1M Pareto/NBD customers and 10M transactions, writes them as Parquet to
``benchmarks/out/clv/``, times Patron in this process and ``lifetimes`` 0.11.3 in
``benchmarks/.venv-lifetimes`` (a subprocess; create it with
``python3.11 -m venv benchmarks/.venv-lifetimes && benchmarks/.venv-lifetimes/bin/pip
install numpy==1.23.5 pandas==1.5.3 scipy==1.10.1 pyarrow==14.0.2 lifetimes==0.11.3``),
then prints times, ratios and the largest parameter difference.

Run: ``.venv/bin/python benchmarks/clv.py [--skip-lifetimes]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from patron.analyze.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, summarize_transactions
from patron.analyze.clv.simulate import simulate_bg_nbd, simulate_gamma_gamma, simulate_pareto_nbd

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "clv"
PEER = HERE / ".venv-lifetimes" / "bin" / "python"
BG_TRUTH = (0.243, 4.414, 0.793, 2.426)
PARETO_TRUTH = (0.553, 10.578, 0.606, 11.672)
GG_TRUTH = (6.25, 3.74, 15.44)


def ages(n: int, seed: int) -> np.ndarray:
    """Customers acquired on a random day of 78 weeks, observed to the end (weeks)."""
    return np.random.default_rng(seed).integers(1, 78 * 7 + 1, n) / 7.0


def transactions(n_rows: int, n_customers: int, seed: int = 5) -> pd.DataFrame:
    """``n_rows`` purchases of ``n_customers`` customers over 2024-2025."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01")
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, n_customers, n_rows),
            "ordered_at": start + rng.integers(0, 731, n_rows).astype("timedelta64[D]"),
            "amount": np.round(rng.gamma(2.0, 20.0, n_rows), 2),
        }
    )


def timed(fn):
    """Run ``fn``; return its value and (wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, (time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-lifetimes",
        action="store_true",
        help="time Patron only; reuse lifetimes' figures from the last results.json",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    bg_data = simulate_bg_nbd(*BG_TRUTH, ages(1_000_000, 1), 1_000_000, seed=2, time_step=1 / 7)
    spend = simulate_gamma_gamma(*GG_TRUTH, bg_data["frequency"].to_numpy(), seed=3)
    bg_data["monetary_value"] = spend["monetary_value"]
    pareto_100k = simulate_pareto_nbd(
        *PARETO_TRUTH, ages(100_000, 4), 100_000, seed=5, time_step=1 / 7
    )
    pareto_1m = simulate_pareto_nbd(
        *PARETO_TRUTH, ages(1_000_000, 6), 1_000_000, seed=7, time_step=1 / 7
    )
    tx = transactions(10_000_000, 1_000_000)
    bg_data.to_parquet(OUT / "bgnbd_1m.parquet", index=False)
    pareto_100k.to_parquet(OUT / "pareto_100k.parquet", index=False)
    tx.to_parquet(OUT / "transactions_10m.parquet", index=False)

    ours: dict = {}
    bg, ours["bgnbd_1m_s"] = timed(lambda: BetaGeoModel().fit(bg_data))
    ours["bgnbd_params"] = bg.params_.tolist()
    gg, ours["gg_1m_s"] = timed(lambda: GammaGammaModel().fit(bg_data))
    ours["gg_params"] = gg.params_.tolist()
    clv, ours["clv_1m_s"] = timed(lambda: gg.customer_lifetime_value(bg, bg_data, months=12))
    ours["clv_1m_total"] = float(clv.sum())
    pareto, ours["pareto_100k_s"] = timed(lambda: ParetoNBDModel().fit(pareto_100k))
    ours["pareto_params"] = pareto.params_.tolist()
    pareto_big, ours["pareto_1m_s"] = timed(lambda: ParetoNBDModel().fit(pareto_1m))
    summary, ours["summary_10m_s"] = timed(
        lambda: summarize_transactions(tx, observation_end="2025-12-31", time_unit="W")
    )
    ours["summary_10m_customers"] = len(summary)
    ours["summary_10m_frequency_total"] = int(summary["frequency"].sum())

    peer: dict = {}
    previous = OUT / "results.json"
    if args.skip_lifetimes and previous.exists():
        # lifetimes is slow and its answer does not change: reuse the last run's figures.
        peer = json.loads(previous.read_text()).get("lifetimes", {})
        print("(lifetimes figures from the previous run)")
    if not args.skip_lifetimes:
        if not PEER.exists():
            sys.exit(f"{PEER} missing: see this file's docstring to create it")
        done = subprocess.run(
            [str(PEER), str(HERE / "_lifetimes_peer.py"), str(OUT)],
            capture_output=True,
            text=True,
            check=True,
        )
        peer = json.loads(done.stdout)

    print("Patron vs lifetimes 0.11.3 on the same simulated data, seconds.")
    print("Wall clock and CPU time of the process: the machine is shared and loaded, so the")
    print("CPU time (summed over threads) is the better guide to an idle machine.")
    rows = [
        ("BG/NBD fit, 1M customers", "bgnbd_1m_s", 0.5),
        ("Gamma-Gamma fit, 1M customers", "gg_1m_s", 0.5),
        ("12-month CLV, 1M customers", "clv_1m_s", 1.0),
        ("Pareto/NBD fit, 100k customers", "pareto_100k_s", None),
        ("Pareto/NBD fit, 1M customers", "pareto_1m_s", 10.0),
        ("Summary of 10M transactions", "summary_10m_s", 5.0),
    ]
    header = f"{'task':32} {'patron wall/cpu':>16} {'lifetimes wall/cpu':>19} {'ratio cpu':>10} {'goal':>5}"
    print(header)
    for label, key, goal in rows:
        wall, cpu = ours[key]
        theirs = peer.get(key)
        their_text = f"{theirs[0]:8.2f} /{theirs[1]:8.2f}" if theirs else f"{'–':>18}"
        ratio = f"{theirs[1] / cpu:9.1f}x" if theirs else f"{'–':>10}"
        goal_text = f"{goal:5.1f}" if goal else f"{'–':>5}"
        print(f"{label:32} {wall:7.2f} /{cpu:7.2f} {their_text} {ratio} {goal_text}")
    print()
    print("Parameters (patron | lifetimes | truth):")
    for name, key, truth in (
        ("BG/NBD r, alpha, a, b", "bgnbd_params", BG_TRUTH),
        ("Gamma-Gamma p, q, gamma", "gg_params", GG_TRUTH),
        ("Pareto/NBD r, alpha, s, beta (100k)", "pareto_params", PARETO_TRUTH),
    ):
        mine = np.round(ours[key], 4).tolist()
        theirs = np.round(peer[key], 4).tolist() if key in peer else "–"
        diff = (
            f"max |diff| {np.max(np.abs(np.array(ours[key]) - np.array(peer[key]))):.2e}"
            if key in peer
            else ""
        )
        print(f"  {name}: {mine} | {theirs} | {list(truth)}  {diff}")
    print(f"  Pareto/NBD (1M): {np.round(pareto_big.params_.tolist(), 4).tolist()}")
    if peer:
        print(
            f"  CLV total: patron {ours['clv_1m_total']:,.2f} | lifetimes {peer['clv_1m_total']:,.2f}"
        )
        print(
            f"  10M summary: customers {ours['summary_10m_customers']:,} | "
            f"{peer['summary_10m_customers']:,}; repeat purchases "
            f"{ours['summary_10m_frequency_total']:,} | {peer['summary_10m_frequency_total']:,}"
        )
    (OUT / "results.json").write_text(json.dumps({"patron": ours, "lifetimes": peer}, indent=2))


if __name__ == "__main__":
    main()
