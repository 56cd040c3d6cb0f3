"""How fast Patron's PLS path modelling is, beside the peers (run by hand, not by pytest).

    .venv/bin/python benchmarks/csi.py [--resamples 5000] [--plspm-resamples 100] [--methods]

Measures on the ECSI model and the mobi data (250 × 24): one estimate (the PLS core on
the correlation matrix, and the full ``fit`` with all result tables), a bootstrap with
5,000 resamples on two threads (and on one), and one estimate on 100,000 respondents
× 30 items; with ``--methods`` also the analyst's methods (PLSpredict, MGA, mediation,
moderation, HOC, NCA, FIMIX; ``benchmarks/_csi_methods.py``). Python ``plspm`` runs in the same session from its own environment
``benchmarks/.venv-plspm`` (plspm 0.5.7 with pandas<3), made with

    python3 -m venv benchmarks/.venv-plspm
    benchmarks/.venv-plspm/bin/pip install "plspm==0.5.7" "pandas<3"

The other peers' figures (R seminr, plspm, cSEM) were measured on this kind of machine
and are quoted from shared/data/README.md. The machine is shared: figures vary with load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from patron.analyze.csi import ModelSpec, PLSPathModel, load_mobi
from patron.analyze.csi.bootstrap import bootstrap
from patron.analyze.csi.engine import Layout, estimate
from patron.analyze.csi.presets import preset
from patron.analyze.csi.spec import Construct

HERE = Path(__file__).resolve().parent
PEERS_5000 = {"R seminr 2.3.4": 168.0, "R plspm 0.5.1": 130.0, "R cSEM 0.6.1": 67.0}
PY_PLSPM_PER_1000 = 59.0


def timed(fn, repeat: int) -> tuple[float, float]:
    """(median, best) wall time of ``repeat`` calls: the best shows the uncontended cost."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def big_data(n: int = 100_000, seed: int = 0) -> tuple[pd.DataFrame, ModelSpec]:
    """5 constructs × 6 items, a chain with one shortcut, answers on 1–10."""
    rng = np.random.default_rng(seed)
    names = ["expectation", "quality", "value", "satisfaction", "loyalty"]
    factors = {}
    factors["expectation"] = rng.standard_normal(n)
    factors["quality"] = 0.5 * factors["expectation"] + 0.87 * rng.standard_normal(n)
    factors["value"] = 0.6 * factors["quality"] + 0.8 * rng.standard_normal(n)
    factors["satisfaction"] = (
        0.5 * factors["quality"] + 0.3 * factors["value"] + 0.7 * rng.standard_normal(n)
    )
    factors["loyalty"] = 0.6 * factors["satisfaction"] + 0.8 * rng.standard_normal(n)
    columns = {}
    for name in names:
        for k in range(6):
            raw = 0.75 * factors[name] + 0.66 * rng.standard_normal(n)
            columns[f"{name[:3].upper()}{k + 1}"] = np.clip(np.round(5.5 + 1.8 * raw), 1, 10)
    spec = ModelSpec(
        constructs=tuple(
            Construct(name, tuple(f"{name[:3].upper()}{k + 1}" for k in range(6))) for name in names
        ),
        paths=(
            ("expectation", "quality"),
            ("quality", "value"),
            ("quality", "satisfaction"),
            ("value", "satisfaction"),
            ("satisfaction", "loyalty"),
        ),
        name="big",
        scale=(1, 10),
    )
    return pd.DataFrame(columns), spec


def run_python_plspm(resamples: int) -> dict | None:
    python = HERE / ".venv-plspm" / "bin" / "python"
    if not python.exists():
        return None
    mobi = Path(__file__).resolve().parents[1] / "src" / "patron" / "data" / "mobi" / "mobi.csv"
    out = subprocess.run(
        [str(python), str(HERE / "_plspm_peer.py"), str(mobi), str(resamples)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print("Python plspm failed:", out.stderr.strip().splitlines()[-1:])
        return None
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resamples", type=int, default=5000)
    parser.add_argument("--plspm-resamples", type=int, default=100)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--methods", action="store_true", help="only the analyst's methods")
    parser.add_argument("--peer-permutations", type=int, default=50)
    args = parser.parse_args()
    if args.methods:
        from _csi_methods import run

        run(0 if args.skip_peer else args.peer_permutations)
        return

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; numpy {np.__version__}")
    mobi = load_mobi()
    spec = preset("ecsi")
    layout = Layout.from_spec(spec)
    x = mobi[layout.items].to_numpy(float)

    model = PLSPathModel(spec=spec).fit(mobi)
    print(f"mobi ECSI: R² satisfaction {model.r2_['satisfaction']:.4f} (published 0.6811)")
    core = timed(lambda: estimate(np.corrcoef(x, rowvar=False), layout), 200)
    full = timed(lambda: PLSPathModel(spec=spec).fit(mobi), 50)
    print(
        f"single estimate, PLS core (correlations + algorithm): median {core[0] * 1e3:.2f} ms, "
        f"best {core[1] * 1e3:.2f} ms (goal < 5 ms)"
    )
    print(
        f"single estimate, full fit() with every result table:   median {full[0] * 1e3:.2f} ms, "
        f"best {full[1] * 1e3:.2f} ms"
    )

    bootstrap(model, n_resamples=200, seed=0)  # warm-up
    start = time.perf_counter()
    two = bootstrap(model, n_resamples=args.resamples, seed=1, n_jobs=2)
    boot2 = time.perf_counter() - start
    start = time.perf_counter()
    bootstrap(model, n_resamples=args.resamples, seed=1, n_jobs=1)
    boot1 = time.perf_counter() - start
    print(
        f"bootstrap {args.resamples:,} resamples incl. BCa jackknife: {boot2:.2f} s on 2 threads, "
        f"{boot1:.2f} s on 1 (goal < 2 s); degenerate: {two.n_degenerate}"
    )

    big, big_spec = big_data()
    fit_big = timed(lambda: PLSPathModel(spec=big_spec).fit(big), 3)[0]
    big_layout = Layout.from_spec(big_spec)
    xb = big[big_layout.items].to_numpy(float)
    core_big = timed(lambda: estimate(np.corrcoef(xb, rowvar=False), big_layout), 3)[0]
    print(
        f"100,000 respondents × 30 items: full fit {fit_big:.3f} s, core {core_big:.3f} s (goal < 1 s)"
    )

    per_5000 = boot2 * 5000 / args.resamples
    rows = [("Patron (this run)", per_5000, 1.0)]
    for name, seconds in PEERS_5000.items():
        rows.append((f"{name} (quoted)", seconds, seconds / per_5000))
    rows.append(
        (
            "Python plspm 0.5.7 (quoted, 59 s/1,000)",
            PY_PLSPM_PER_1000 * 5,
            PY_PLSPM_PER_1000 * 5 / per_5000,
        )
    )
    if not args.skip_peer:
        peer = run_python_plspm(args.plspm_resamples)
        if peer:
            scaled = peer["bootstrap_s"] * 5000 / peer["resamples"]
            rows.append(
                (
                    f"Python plspm 0.5.7 (this run, {peer['resamples']} resamples, scaled)",
                    scaled,
                    scaled / per_5000,
                )
            )
            print(
                f"Python plspm: R² satisfaction {peer['r2_satisfaction']:.4f}, single estimate "
                f"{peer['single_s'] * 1e3:.0f} ms, {peer['resamples']} resamples in {peer['bootstrap_s']:.1f} s"
            )
    print()
    print(f"{'bootstrap of ECSI on mobi, per 5,000 resamples':<62} {'seconds':>9} {'× Patron':>9}")
    for name, seconds, ratio in rows:
        print(f"{name:<62} {seconds:>9.2f} {ratio:>9.0f}")


if __name__ == "__main__":
    sys.exit(main())
