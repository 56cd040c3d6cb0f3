"""Do the programme's 95 % intervals cover the truth, and how often does 'significant change'
fire when nothing changed? A simulation with known unit indices.

20 units in 4 groups under one top unit, 4 quarters, unit indices fixed over time
(nothing changes), answers simulated on a 1–10 scale; each replication estimates the
outer weights by PLS on the pooled answers, bootstraps within unit × quarter, rolls
up by answers and tests quarter-over-quarter changes at every level.

    PYTHONPATH=src python benchmarks/csi_programme_coverage.py --replications 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from patron.analyze.csi.change import period_changes  # noqa: E402
from patron.analyze.csi.programme import (  # noqa: E402
    MetricItems,
    csi_item_weights,
    index_by_unit_period,
    respondent_scores,
)
from patron.analyze.csi.unit_rollup import rollup_index  # noqa: E402

SPEC = {
    "name": "sim",
    "scale": [1, 10],
    "target": "satisfaction",
    "constructs": {"quality": ["PQ1", "PQ2", "PQ3"], "satisfaction": ["SAT1", "SAT2", "SAT3"]},
    "paths": {"quality": ["satisfaction"]},
}
SD_LATENT, SD_NOISE = 1.3, 0.9
QUARTERS = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]


def design(n_units: int = 20, n_groups: int = 4, seed: int = 0):
    """Unit means, answers per unit and the tree (fixed across replications)."""
    rng = np.random.default_rng(seed)
    units = [f"u{k:02d}" for k in range(n_units)]
    groups = [f"g{k}" for k in range(n_groups)]
    parent = {u: groups[k % n_groups] for k, u in enumerate(units)}
    mu = dict(zip(units, rng.uniform(5.5, 8.5, n_units), strict=True))
    n = dict(zip(units, rng.integers(80, 220, n_units), strict=True))
    tree = pd.DataFrame(
        {
            "code": ["top", *groups, *units],
            "parent": [None] + ["top"] * n_groups + [parent[u] for u in units],
        }
    )
    return units, parent, mu, n, tree


def true_index(mu: float) -> float:
    """100 × (E[item] − 1) / 9 for an item clip(round(N(mu, sd)), 1, 10) (equal weights)."""
    sd = np.hypot(SD_LATENT, SD_NOISE)
    k = np.arange(1, 11)
    upper = np.where(k == 10, np.inf, k + 0.5)
    lower = np.where(k == 1, -np.inf, k - 0.5)
    p = stats.norm.cdf((upper - mu) / sd) - stats.norm.cdf((lower - mu) / sd)
    return 100 * ((p * k).sum() - 1) / 9


def simulate(units, mu, n, rng, shift=None):
    rows = []
    for q, quarter in enumerate(QUARTERS):
        for u in units:
            m = mu[u] + (shift.get((u, q), 0.0) if shift else 0.0)
            eta = rng.normal(0, SD_LATENT, n[u])
            base = {"unit": u, "period": quarter}
            items = {}
            for name in ("PQ1", "PQ2", "PQ3", "SAT1", "SAT2", "SAT3"):
                items[name] = np.clip(np.round(m + eta + rng.normal(0, SD_NOISE, n[u])), 1, 10)
            rows.append(pd.DataFrame({**base, **items}))
    return pd.concat(rows, ignore_index=True)


def one_replication(units, parent, mu, n, tree, rng, n_bootstrap):
    answers = simulate(units, mu, n, rng)
    weights, scale = csi_item_weights(answers, SPEC)
    scores = respondent_scores(answers, weights, scale, MetricItems(None, None, None))
    index = index_by_unit_period(
        scores,
        answers["unit"],
        answers["period"],
        n_bootstrap=n_bootstrap,
        seed=int(rng.integers(2**31)),
        min_answers=30,
    )
    rolled = rollup_index(index, tree, weight_by="answers")
    changes = period_changes(rolled).table
    return rolled.table, changes


def truth_by_node(units, parent, mu, n):
    truth = {u: true_index(mu[u]) for u in units}
    for g in sorted(set(parent.values())):
        members = [u for u in units if parent[u] == g]
        truth[g] = sum(n[u] * truth[u] for u in members) / sum(n[u] for u in members)
    truth["top"] = sum(n[u] * truth[u] for u in units) / sum(n[u] for u in units)
    return truth


def run(replications: int, n_bootstrap: int, seed: int = 1) -> pd.DataFrame:
    units, parent, mu, n, tree = design()
    truth = truth_by_node(units, parent, mu, n)
    rng = np.random.default_rng(seed)
    covered: dict[int, list[bool]] = {0: [], 1: [], 2: []}
    false_pos: dict[int, list[bool]] = {0: [], 1: [], 2: []}
    for _ in range(replications):
        table, changes = one_replication(units, parent, mu, n, tree, rng, n_bootstrap)
        t = table["unit"].map(truth)
        hit = (table["csi_lower"] <= t) & (t <= table["csi_upper"])
        for depth, ok in zip(table["depth"], hit, strict=True):
            covered[int(depth)].append(bool(ok))
        depth_of = dict(zip(table["unit"], table["depth"], strict=True))
        for unit, sig in zip(changes["unit"], changes["significant"], strict=True):
            false_pos[int(depth_of[unit])].append(bool(sig))
    names = {0: "top", 1: "parent", 2: "unit"}
    return pd.DataFrame(
        [
            {
                "level": names[d],
                "intervals": len(covered[d]),
                "coverage": float(np.mean(covered[d])),
                "change tests": len(false_pos[d]),
                "false positive rate": float(np.mean(false_pos[d])),
            }
            for d in (2, 1, 0)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=500)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    result = run(args.replications, args.bootstrap, args.seed)
    print(result.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(
        f"{args.replications} replications × {args.bootstrap} resamples in "
        f"{time.perf_counter() - start:.1f} s; load {os.getloadavg()}, CPUs {os.cpu_count()}"
    )


if __name__ == "__main__":
    main()
