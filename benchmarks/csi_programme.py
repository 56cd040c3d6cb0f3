"""How fast is the programme's index: 200 units × 8 quarters × 500 answers, 1,000 resamples.

Patron's index (cluster bootstrap within unit × quarter, multinomial counts × cluster
totals) against the peer a user would pick for a bootstrap interval per group:
``scipy.stats.bootstrap`` (vectorised percentile bootstrap of the mean) run per cell.
The peer is timed on a sample of cells and scaled to all 1,600 (it would take too long
in full); the point estimates of those cells must be equal and the interval ends close.

    PYTHONPATH=src python benchmarks/csi_programme.py [--units 200 --quarters 8 --answers 500]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from patron.analyze.csi.programme import index_by_unit_period  # noqa: E402


def make(units: int, quarters: int, answers: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = units * quarters * answers
    unit = np.repeat(np.arange(units), quarters * answers)
    quarter = np.tile(np.repeat(np.arange(quarters), answers), units)
    level = rng.uniform(60, 85, units)[unit]
    return pd.DataFrame(
        {
            "unit": pd.Series(unit).map("u{:03d}".format),
            "period": pd.Series(quarter).map(lambda q: f"{2025 + q // 4}Q{q % 4 + 1}"),
            "customer": rng.integers(0, n // 2, n),  # some customers answer twice
            "csi": np.clip(rng.normal(level, 15), 0, 100),
            "nps": rng.choice([-100.0, 0.0, 100.0], n, p=[0.25, 0.35, 0.4]),
            "csat": rng.choice([0.0, 100.0], n, p=[0.6, 0.4]),
            "ces": rng.integers(1, 8, n).astype(float),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--peer-cells", type=int, default=20)
    args = parser.parse_args()
    data = make(args.units, args.quarters, args.answers)
    scores = data[["csi", "nps", "csat", "ces"]]
    cells = args.units * args.quarters

    start, cpu = time.perf_counter(), time.process_time()
    ours = index_by_unit_period(
        scores, data["unit"], data["period"], n_bootstrap=args.bootstrap, seed=1
    )
    ours_s = time.perf_counter() - start
    ours_cpu = time.process_time() - cpu

    # The peer: scipy's bootstrap per cell and metric (answers resampled, as it knows no clusters).
    groups = data.groupby(["unit", "period"]).indices
    sample = list(groups.items())[: args.peer_cells]
    start = time.perf_counter()
    peer = {}
    for key, idx in sample:
        for metric in scores.columns:
            x = scores[metric].to_numpy()[idx]
            res = stats.bootstrap(
                (x,),
                np.mean,
                n_resamples=args.bootstrap,
                method="percentile",
                vectorized=True,
                random_state=1,
            )
            peer[(key, metric)] = (x.mean(), res.confidence_interval)
    peer_s = (time.perf_counter() - start) * cells / len(sample)

    table = ours.table.set_index(["unit", "period"])
    flat = index_by_unit_period(
        scores.iloc[np.concatenate([i for _k, i in sample])],
        data["unit"].iloc[np.concatenate([i for _k, i in sample])],
        data["period"].iloc[np.concatenate([i for _k, i in sample])],
        n_bootstrap=args.bootstrap,
        seed=1,
    ).table.set_index(["unit", "period"])
    worst_point, worst_end = 0.0, 0.0
    for (key, metric), (mean, ci) in peer.items():
        worst_point = max(worst_point, abs(table.loc[key, metric] - mean))
        worst_end = max(
            worst_end,
            abs(flat.loc[key, f"{metric}_lower"] - ci.low) / flat.loc[key, f"{metric}_se"],
            abs(flat.loc[key, f"{metric}_upper"] - ci.high) / flat.loc[key, f"{metric}_se"],
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.units} units × {args.quarters} quarters × {args.answers} answers "
        f"({len(data):,} answers, {cells} cells), {args.bootstrap} resamples, 4 metrics"
    )
    print(
        f"patron index_by_unit_period: {ours_s:.1f} s wall, {ours_cpu:.1f} s CPU "
        f"(goal < 60 s on 2 cores)"
    )
    print(f"scipy.stats.bootstrap per cell (timed on {len(sample)} cells, scaled): {peer_s:.1f} s")
    print(f"ratio peer / patron: {peer_s / ours_s:.1f}×")
    print(f"largest point-estimate difference: {worst_point:.2e}")
    print(f"largest interval-end difference (in SEs, Monte Carlo noise): {worst_end:.2f}")
    print(
        f"peak memory {peak:.0f} MB; load {os.getloadavg()}; CPUs {os.cpu_count()} (shared machine)"
    )


if __name__ == "__main__":
    main()
