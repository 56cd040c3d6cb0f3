"""Benchmark: Patron's BTYD models vs ``lifetimes`` and PyMC-Marketing on the same data.

Simulates 1M BG/NBD customers with Gamma-Gamma spend in two shapes (daily resolution,
times in weeks, and continuous times, where no two customers share a pattern), 100k and
1M Pareto/NBD customers, 1M BG/NBD customers with covariates (satisfaction and channel)
and 10M transactions, writes them as Parquet to ``benchmarks/out/clv/``, times Patron in
this process and the peers in their own venvs (subprocesses):

* ``lifetimes`` 0.11.3 in ``benchmarks/.venv-lifetimes`` (``python3.11 -m venv
  benchmarks/.venv-lifetimes && benchmarks/.venv-lifetimes/bin/pip install
  numpy==1.23.5 pandas==1.5.3 scipy==1.10.1 pyarrow==14.0.2 lifetimes==0.11.3``), at its
  best: the daily data as distinct patterns with ``weights``;
* ``pymc-marketing`` 1.3.0 in ``benchmarks/.venv-pymc`` (``python3.12 -m venv
  benchmarks/.venv-pymc && benchmarks/.venv-pymc/bin/pip install pymc-marketing
  pyarrow``): BG/NBD with covariates by MAP with flat priors (= maximum likelihood) on
  the first ``--pymc-customers`` (default 100,000) of the covariate data.

Prints wall and CPU seconds, ratios, parameter differences, peak memory, the load
average and the CPU count.

Run: ``.venv/bin/python benchmarks/clv.py [--skip-lifetimes] [--skip-pymc]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from patron.analyze.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, summarize_transactions
from patron.analyze.clv.covariates import CovariateDesign
from patron.analyze.clv.simulate import (
    simulate_bg_nbd,
    simulate_bg_nbd_covariates,
    simulate_gamma_gamma,
    simulate_pareto_nbd,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "clv"
PEER = HERE / ".venv-lifetimes" / "bin" / "python"
PYMC = HERE / ".venv-pymc" / "bin" / "python"
COVARIATE_TRUTH = {
    "r": 0.24,
    "alpha": 4.4,
    "a": 0.8,
    "b": 2.4,
    "alpha: satisfaction": 0.1,
    "alpha: channel: phone (vs store)": -0.3,
    "alpha: channel: web (vs store)": 0.2,
    "a: satisfaction": -0.1,
    "a: channel: phone (vs store)": 0.2,
    "b: satisfaction": 0.05,
    "b: channel: web (vs store)": -0.2,
}


def covariate_data(n: int, seed: int) -> pd.DataFrame:
    """BG/NBD customers (continuous times) whose rates depend on satisfaction and channel."""
    rng = np.random.default_rng(seed)
    covariates = pd.DataFrame(
        {
            "satisfaction": rng.integers(1, 11, n).astype(float),
            "channel": rng.choice(["store", "web", "phone"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    T = rng.uniform(1.0, 78.0, n)
    return simulate_bg_nbd_covariates(COVARIATE_TRUTH, covariates, T, seed=seed + 1)


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


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
    parser.add_argument("--skip-pymc", action="store_true", help="do not run PyMC-Marketing")
    parser.add_argument("--pymc-customers", type=int, default=100_000)
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
    continuous = np.random.default_rng(8).uniform(1.0, 78.0, 1_000_000)
    bg_cont = simulate_bg_nbd(*BG_TRUTH, continuous, 1_000_000, seed=9)
    pareto_cont = simulate_pareto_nbd(*PARETO_TRUTH, continuous, 1_000_000, seed=10)
    cov_data = covariate_data(1_000_000, 11)
    tx = transactions(10_000_000, 1_000_000)
    bg_data.to_parquet(OUT / "bgnbd_1m.parquet", index=False)
    bg_cont.to_parquet(OUT / "bgnbd_1m_continuous.parquet", index=False)
    design = CovariateDesign(["satisfaction", "channel"]).fit(cov_data)
    matrix = design.transform(cov_data)
    peer_cov = cov_data[["customer_id", "frequency", "recency", "T"]].copy()
    for j, name in enumerate(["satisfaction", "channel_phone", "channel_web"]):
        peer_cov[name] = matrix[:, j]  # the same design Patron builds
    peer_cov.to_parquet(OUT / "bgnbd_covariates_1m.parquet", index=False)
    pareto_100k.to_parquet(OUT / "pareto_100k.parquet", index=False)
    tx.to_parquet(OUT / "transactions_10m.parquet", index=False)

    ours: dict = {}
    bg, ours["bgnbd_1m_s"] = timed(lambda: BetaGeoModel().fit(bg_data))
    ours["bgnbd_params"] = bg.params_.tolist()
    gg, ours["gg_1m_s"] = timed(lambda: GammaGammaModel().fit(bg_data))
    ours["gg_params"] = gg.params_.tolist()
    clv, ours["clv_1m_s"] = timed(lambda: gg.customer_lifetime_value(bg, bg_data, months=12))
    ours["clv_1m_total"] = float(clv.sum())
    bg_c, ours["bgnbd_1m_continuous_s"] = timed(lambda: BetaGeoModel().fit(bg_cont))
    ours["bgnbd_continuous_params"] = bg_c.params_.tolist()
    cov_model, ours["bgnbd_covariates_1m_s"] = timed(
        lambda: BetaGeoModel(covariates=["satisfaction", "channel"]).fit(cov_data)
    )
    ours["covariate_params"] = cov_model.params_.tolist()
    ours["covariate_se"] = cov_model.standard_errors_.tolist()
    ours["covariate_names"] = list(cov_model.params_.index)
    sub = peer_cov.head(args.pymc_customers)
    cov_sub = BetaGeoModel(covariates=["satisfaction", "channel_phone", "channel_web"])
    cov_sub, ours["bgnbd_covariates_sub_s"] = timed(lambda: cov_sub.fit(sub))
    ours["covariate_sub_params"] = cov_sub.params_.tolist()
    ours["covariate_sub_se"] = cov_sub.standard_errors_.tolist()
    sub.to_parquet(OUT / "bgnbd_covariates_sub.parquet", index=False)
    pareto_c, ours["pareto_1m_continuous_s"] = timed(lambda: ParetoNBDModel().fit(pareto_cont))
    ours["pareto_continuous_params"] = pareto_c.params_.tolist()
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

    pymc: dict = {}
    if not args.skip_pymc and PYMC.exists():
        done = subprocess.run(
            [str(PYMC), str(HERE / "_pymc_peer.py"), str(OUT / "bgnbd_covariates_sub.parquet")],
            capture_output=True,
            text=True,
            check=True,
        )
        pymc = json.loads(done.stdout.strip().splitlines()[-1])
    elif not args.skip_pymc:
        print(f"({PYMC} missing: PyMC-Marketing not compared; see this file's docstring)")

    print(f"CPUs {os.cpu_count()}, load average {os.getloadavg()}, peak memory {peak_mb():,.0f} MB")
    print("Patron vs lifetimes 0.11.3 on the same simulated data, seconds.")
    print("Wall clock and CPU time of the process: the machine is shared and loaded, so the")
    print("CPU time (summed over threads) is the better guide to an idle machine.")
    rows = [
        ("BG/NBD fit, 1M daily (lt: weights)", "bgnbd_1m_s", 0.5),
        ("BG/NBD fit, 1M continuous", "bgnbd_1m_continuous_s", 1.0),
        ("BG/NBD + covariates, 1M", "bgnbd_covariates_1m_s", None),
        ("Gamma-Gamma fit, 1M customers", "gg_1m_s", 0.5),
        ("12-month CLV, 1M customers", "clv_1m_s", 1.0),
        ("Pareto/NBD fit, 100k customers", "pareto_100k_s", None),
        ("Pareto/NBD fit, 1M customers", "pareto_1m_s", 10.0),
        ("Pareto/NBD fit, 1M continuous", "pareto_1m_continuous_s", 2.0),
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
    if "bgnbd_continuous_params" in peer:
        diff = np.max(
            np.abs(np.array(ours["bgnbd_continuous_params"]) - peer["bgnbd_continuous_params"])
        )
        print(f"  BG/NBD continuous: max |diff| vs lifetimes {diff:.2e}")
    truth = np.array([COVARIATE_TRUTH.get(n, 0.0) for n in ours["covariate_names"]])
    z = (np.array(ours["covariate_params"]) - truth) / np.array(ours["covariate_se"])
    print(f"  BG/NBD covariates (1M): max |estimate - truth| / SE = {np.max(np.abs(z)):.2f}")
    if pymc:
        theirs = np.array(
            [pymc["r"], pymc["alpha"], pymc["a"], pymc["b"]]
            + pymc["alpha_effects"]
            + pymc["a_effects"]
            + pymc["b_effects"]
        )
        mine = np.array(ours["covariate_sub_params"])
        gap = np.abs(mine - theirs) / np.array(ours["covariate_sub_se"])
        wall, cpu = ours["bgnbd_covariates_sub_s"]
        print(
            f"BG/NBD with covariates, {args.pymc_customers:,} customers: Patron {wall:.2f} / "
            f"{cpu:.2f} s, PyMC-Marketing {pymc['version']} MAP {pymc['seconds'][0]:.1f} / "
            f"{pymc['seconds'][1]:.1f} s (ratio cpu {pymc['seconds'][1] / cpu:.0f}x); "
            f"largest difference {gap.max():.3f} SE"
        )
    (OUT / "results.json").write_text(
        json.dumps({"patron": ours, "lifetimes": peer, "pymc": pymc}, indent=2)
    )


if __name__ == "__main__":
    main()
