"""Benchmark: Patron's BTYD models vs ``lifetimes`` and PyMC-Marketing on the same data.

Simulates 1M BG/NBD customers with Gamma-Gamma spend in two shapes (daily resolution,
times in weeks, and continuous times, where no two customers share a pattern), Pareto/NBD
customers in the same two shapes (1M, and 100k for lifetimes, whose Pareto/NBD is slow),
1M BG/NBD customers with covariates (satisfaction and channel) and 10M transactions,
writes them as Parquet to ``benchmarks/out/clv/``, and times Patron in this process and
the peers in their own venvs (one subprocess per task, taking turns with Patron, so that
a change in the machine's load falls on both):

* ``lifetimes`` 0.11.3 in ``benchmarks/.venv-lifetimes`` (``python3.11 -m venv
  benchmarks/.venv-lifetimes && benchmarks/.venv-lifetimes/bin/pip install
  numpy==1.23.5 pandas==1.5.3 scipy==1.10.1 pyarrow==14.0.2 lifetimes==0.11.3``), at its
  best: the daily data as distinct patterns with ``weights`` (see ``_lifetimes_peer.py``);
* ``pymc-marketing`` 1.3.0 in ``benchmarks/.venv-pymc`` (``python3.12 -m venv
  benchmarks/.venv-pymc && benchmarks/.venv-pymc/bin/pip install pymc-marketing
  pyarrow``): BG/NBD with covariates by MAP with flat priors (= maximum likelihood) on
  the first ``--pymc-customers`` (default 100,000) of the covariate data.

Prints wall and CPU seconds (CPU: ``time.process_time``, the figure to trust on a shared
machine), the ratio of CPU times, whether the two answers agree (log-likelihood to 1e-6
relative and parameters to 1e-3 relative), peak memory, the load average before and after
each task and the CPU count.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/clv.py [--skip-lifetimes] [--skip-pymc]
[--only Pareto]`` (``--only`` runs the tasks whose label contains the text, and no PyMC).
"""

from __future__ import annotations

import argparse
import functools
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


def lifetimes(task: str) -> dict:
    """One task of ``_lifetimes_peer.py`` in lifetimes' venv."""
    done = subprocess.run(
        [str(PEER), str(HERE / "_lifetimes_peer.py"), str(OUT), task],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def agree(ours: dict, theirs: dict) -> str:
    """Whether both found the same optimum: parameters to 1e-3 relative, and Patron's
    log-likelihood at lifetimes' estimates (lifetimes rescales time, so its own figure
    differs by a constant) no higher than at Patron's, within 1e-6 relative."""
    if not theirs or "params" not in theirs:
        return "–"
    mine, peer = np.array(ours["params"]), np.array(theirs["params"])
    rel = float(np.max(np.abs(mine - peer) / np.abs(peer)))
    text = f"params max rel diff {rel:.1e}"
    same = rel < 1e-3
    if "model" in ours:
        model = ours["model"]
        at_theirs = model._total(peer, model._d)[0]
        gap = model.log_likelihood_ - at_theirs
        text += f", loglik at patron's - at lifetimes' {gap:+.2e}"
        same = same and gap >= -1e-6 * abs(model.log_likelihood_)
    return ("equal: " if same else "DIFFER: ") + text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pymc", action="store_true", help="do not run PyMC-Marketing")
    parser.add_argument("--pymc-customers", type=int, default=100_000)
    parser.add_argument("--skip-lifetimes", action="store_true", help="time Patron only")
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="run only the tasks whose label contains TEXT (e.g. 'Pareto'); skips PyMC",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.skip_lifetimes and not PEER.exists():
        sys.exit(f"{PEER} missing: see this file's docstring to create it")

    @functools.cache
    def data(name: str) -> pd.DataFrame:
        """The simulated data sets, made (and written for the peers) when first needed."""
        continuous = np.random.default_rng(8).uniform(1.0, 78.0, 1_000_000)
        if name == "bg":
            frame = simulate_bg_nbd(
                *BG_TRUTH, ages(1_000_000, 1), 1_000_000, seed=2, time_step=1 / 7
            )
            spend = simulate_gamma_gamma(*GG_TRUTH, frame["frequency"].to_numpy(), seed=3)
            frame["monetary_value"] = spend["monetary_value"]
            frame.to_parquet(OUT / "bgnbd_1m.parquet", index=False)
        elif name == "bg_cont":
            frame = simulate_bg_nbd(*BG_TRUTH, continuous, 1_000_000, seed=9)
            frame.to_parquet(OUT / "bgnbd_1m_continuous.parquet", index=False)
        elif name == "pareto_daily":
            frame = simulate_pareto_nbd(
                *PARETO_TRUTH, ages(100_000, 4), 100_000, seed=5, time_step=1 / 7
            )
            frame.to_parquet(OUT / "pareto_daily_100k.parquet", index=False)
        elif name == "pareto_1m":
            frame = simulate_pareto_nbd(
                *PARETO_TRUTH, ages(1_000_000, 6), 1_000_000, seed=7, time_step=1 / 7
            )
        elif name == "pareto_cont":
            frame = simulate_pareto_nbd(*PARETO_TRUTH, continuous, 1_000_000, seed=10)
        elif name == "pareto_cont_100k":
            frame = data("pareto_cont").head(100_000)
            frame.to_parquet(OUT / "pareto_continuous_100k.parquet", index=False)
        elif name == "cov":
            frame = covariate_data(1_000_000, 11)
        else:  # "tx"
            frame = transactions(10_000_000, 1_000_000)
            frame.to_parquet(OUT / "transactions_10m.parquet", index=False)
        return frame

    def fitted(model, frame) -> dict:
        return {
            "params": model.params_.tolist(),
            "names": list(model.params_.index),
            "log_likelihood": model.log_likelihood_,
            "model": model,
        }

    def gg_clv() -> dict:
        bg_data = data("bg")
        bg = BetaGeoModel().fit(bg_data)
        (gg, clv), seconds = timed(
            lambda: (
                (g := GammaGammaModel().fit(bg_data)),
                g.customer_lifetime_value(bg, bg_data, months=12),
            )
        )
        return {"params": gg.params_.tolist(), "clv_total": float(clv.sum()), "seconds": seconds}

    def summary() -> dict:
        tx = data("tx")
        table, seconds = timed(
            lambda: summarize_transactions(tx, observation_end="2025-12-31", time_unit="W")
        )
        return {
            "customers": len(table),
            "frequency_total": int(table["frequency"].sum()),
            "seconds": seconds,
        }

    def fit_task(model_class, name: str):
        def run() -> dict:
            frame = data(name)
            model, seconds = timed(lambda: model_class().fit(frame))
            return {**fitted(model, frame), "seconds": seconds}

        return run

    # (label, Patron's task, lifetimes' task or None, goal in Patron CPU-s or None)
    tasks = [
        ("BG/NBD, 1M daily (lt: weights)", fit_task(BetaGeoModel, "bg"), "bgnbd_daily", None),
        ("BG/NBD, 1M continuous", fit_task(BetaGeoModel, "bg_cont"), "bgnbd_continuous", 1.0),
        (
            "Pareto/NBD, 100k daily (lt: weights)",
            fit_task(ParetoNBDModel, "pareto_daily"),
            "pareto_daily",
            None,
        ),
        (
            "Pareto/NBD, 100k continuous",
            fit_task(ParetoNBDModel, "pareto_cont_100k"),
            "pareto_continuous",
            None,
        ),
        ("Pareto/NBD, 1M continuous", fit_task(ParetoNBDModel, "pareto_cont"), None, 2.0),
        ("Pareto/NBD, 1M daily", fit_task(ParetoNBDModel, "pareto_1m"), None, None),
        ("Gamma-Gamma + 12-month CLV, 1M", gg_clv, "gg_clv", None),
        (
            "BG/NBD + covariates, 1M",
            fit_task(lambda: BetaGeoModel(covariates=["satisfaction", "channel"]), "cov"),
            None,
            None,
        ),
        ("Summary of 10M transactions", summary, "summary", 5.0),
    ]
    if args.only:
        tasks = [t for t in tasks if args.only.lower() in t[0].lower()]
    rows = []
    for label, ours_task, peer_task, goal in tasks:
        load_before = os.getloadavg()[0]
        ours = ours_task()
        theirs = lifetimes(peer_task) if peer_task and not args.skip_lifetimes else {}
        rows.append((label, ours, theirs, goal, load_before, os.getloadavg()[0]))
        print(f"  done: {label} (load {load_before:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)

    pymc: dict = {}
    cov_sub = BetaGeoModel(covariates=["satisfaction", "channel_phone", "channel_web"])
    run_pymc = not args.skip_pymc and not args.only
    if run_pymc and PYMC.exists():
        cov_data = data("cov")
        design = CovariateDesign(["satisfaction", "channel"]).fit(cov_data)
        matrix = design.transform(cov_data)
        peer_cov = cov_data[["customer_id", "frequency", "recency", "T"]].copy()
        for j, name in enumerate(["satisfaction", "channel_phone", "channel_web"]):
            peer_cov[name] = matrix[:, j]  # the same design Patron builds
        sub = peer_cov.head(args.pymc_customers)
        sub.to_parquet(OUT / "bgnbd_covariates_sub.parquet", index=False)
        cov_sub, sub_seconds = timed(lambda: cov_sub.fit(sub))
        done = subprocess.run(
            [str(PYMC), str(HERE / "_pymc_peer.py"), str(OUT / "bgnbd_covariates_sub.parquet")],
            capture_output=True,
            text=True,
            check=True,
        )
        pymc = json.loads(done.stdout.strip().splitlines()[-1])
    elif run_pymc:
        print(f"({PYMC} missing: PyMC-Marketing not compared; see this file's docstring)")

    print(f"CPUs {os.cpu_count()}, load average {os.getloadavg()}, peak memory {peak_mb():,.0f} MB")
    print("Patron vs lifetimes 0.11.3 on the same simulated data, taking turns task by task.")
    print("Wall and CPU seconds of each process; the machine is shared, so CPU time is the")
    print("figure to compare; 'load' is the 1-minute load average before and after the task.")
    print(
        f"{'task':38} {'patron wall/cpu':>16} {'lifetimes wall/cpu':>19} {'ratio cpu':>10} "
        f"{'goal':>5} {'load':>10}  agreement (lifetimes peak MB)"
    )
    for label, ours, theirs, goal, before, after in rows:
        wall, cpu = ours["seconds"]
        their_text = (
            f"{theirs['seconds'][0]:8.2f} /{theirs['seconds'][1]:8.2f}" if theirs else f"{'–':>18}"
        )
        ratio = f"{theirs['seconds'][1] / cpu:9.1f}x" if theirs else f"{'–':>10}"
        goal_text = f"{goal:5.1f}" if goal else f"{'–':>5}"
        check = agree(ours, theirs)
        if "clv_total" in theirs:
            check += f"; CLV total {ours['clv_total']:,.2f} | {theirs['clv_total']:,.2f}"
        if "customers" in theirs:
            same = (ours["customers"], ours["frequency_total"]) == (
                theirs["customers"],
                theirs["frequency_total"],
            )
            check = f"{'equal' if same else 'DIFFER'}: {ours['customers']:,} customers"
        peak = f" ({theirs['peak_mb']:,.0f})" if theirs else ""
        print(
            f"{label:38} {wall:7.2f} /{cpu:7.2f} {their_text} {ratio} {goal_text} "
            f"{before:4.1f}-{after:4.1f}  {check}{peak}"
        )
    print()
    print("Parameters (Patron; the first four):")
    for label, ours, _theirs, _goal, _b, _a in rows:
        if "params" in ours:
            print(f"  {label}: {np.round(ours['params'][:4], 4).tolist()}")
    cov_row = next((r for r in rows if r[0].startswith("BG/NBD + covariates")), None)
    if cov_row:
        names = cov_row[1]["names"]
        truth = np.array([COVARIATE_TRUTH.get(n, 0.0) for n in names])
        print(f"  BG/NBD covariates truth: {np.round(truth, 4).tolist()}")
        print(f"  BG/NBD covariates (1M):  {np.round(cov_row[1]['params'], 4).tolist()}")
    if pymc:
        theirs = np.array(
            [pymc["r"], pymc["alpha"], pymc["a"], pymc["b"]]
            + pymc["alpha_effects"]
            + pymc["a_effects"]
            + pymc["b_effects"]
        )
        mine = cov_sub.params_.to_numpy()
        gap = np.abs(mine - theirs) / cov_sub.standard_errors_.to_numpy()
        wall, cpu = sub_seconds
        print(
            f"BG/NBD with covariates, {args.pymc_customers:,} customers: Patron {wall:.2f} / "
            f"{cpu:.2f} s, PyMC-Marketing {pymc['version']} MAP {pymc['seconds'][0]:.1f} / "
            f"{pymc['seconds'][1]:.1f} s (ratio cpu {pymc['seconds'][1] / cpu:.0f}x); "
            f"largest difference {gap.max():.3f} SE"
        )
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "rows": [
                    [r[0], {k: v for k, v in r[1].items() if k != "model"}, *r[2:]] for r in rows
                ],
                "pymc": pymc,
            },
            indent=2,
            default=float,
        )
    )


if __name__ == "__main__":
    main()
