"""Do the PLS methods recover a known truth? Simulations with planted values (run by hand).

    .venv/bin/python benchmarks/csi_recovery.py [--replications 200]

1. Mediation: reflective A -> M -> Y plus A -> Y (a = .5, b = .4, c = .2; loadings .8,
   .75, .7; n = 300), estimated with PLSc; the share of replications in which the
   bootstrap (300 resamples) puts the indirect effect a·b = .2 within 2 SE of its
   estimate (goal ≥ 93 %).
2. Permutation MGA under no difference: the share of 200 random splits of a homogeneous
   sample in which the A -> Y difference is significant at 5 % (should be about 5 %,
   binomial SE 1.5 points).
3. FIMIX-PLS: two planted segments (n = 600); the share of replications in which BIC
   and CAIC choose two segments.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from patron.analyze.csi.fimix import select_segments
from patron.analyze.csi.mediation import MediationAnalysis
from patron.analyze.csi.mga import PermutationMGA

SPEC = {
    "constructs": {"A": ["a1", "a2", "a3"], "M": ["m1", "m2", "m3"], "Y": ["y1", "y2", "y3"]},
    "paths": ["A -> M", "M -> Y", "A -> Y"],
}
LOADINGS = np.array([0.8, 0.75, 0.7])


def mediation_data(n: int, rng: np.random.Generator) -> pd.DataFrame:
    a = rng.standard_normal(n)
    m = 0.5 * a + np.sqrt(0.75) * rng.standard_normal(n)
    # var(y) = .2² + .4² + 2·.2·.4·.5 + ψ = 1 → ψ = .72
    y = 0.2 * a + 0.4 * m + np.sqrt(0.72) * rng.standard_normal(n)
    columns = {}
    for name, factor in (("a", a), ("m", m), ("y", y)):
        for k, lam in enumerate(LOADINGS):
            columns[f"{name}{k + 1}"] = lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    return pd.DataFrame(columns)


def segment_data(n: int, rng: np.random.Generator) -> pd.DataFrame:
    first = rng.random(n) < 0.5
    a, m = rng.standard_normal(n), rng.standard_normal(n)
    y = np.where(first, 0.8 * a - 0.1 * m, -0.3 * a + 0.7 * m) + 0.4 * rng.standard_normal(n)
    columns = {}
    for name, factor in (("a", a), ("m", m), ("y", y)):
        factor = (factor - factor.mean()) / factor.std()
        for k in range(3):
            columns[f"{name}{k + 1}"] = 0.9 * factor + np.sqrt(0.19) * rng.standard_normal(n)
    return pd.DataFrame(columns)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--fimix-replications", type=int, default=50)
    args = parser.parse_args()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (shared)")
    rng = np.random.default_rng(20261203)

    start = time.perf_counter()
    hits = 0
    for _ in range(args.replications):
        data = mediation_data(300, rng)
        m = MediationAnalysis(
            spec=SPEC,
            source="A",
            target="Y",
            n_resamples=300,
            consistent=True,
            seed=int(rng.integers(1 << 31)),
        ).fit(data)
        row = m.effects_.loc["A -> M -> Y"]
        hits += abs(row["coef"] - 0.2) <= 2 * row["se"]
    share = hits / args.replications
    print(
        f"mediation (PLSc): a·b = .2 within 2 SE in {hits}/{args.replications} = {share:.1%} "
        f"(goal ≥ 93 %), {time.perf_counter() - start:.0f} s"
    )

    start = time.perf_counter()
    rejected = 0
    for _ in range(args.replications):
        data = mediation_data(300, rng)
        data["group"] = np.where(rng.random(300) < 0.5, "x", "y")
        mga = PermutationMGA(
            spec=SPEC, group="group", n_permutations=200, seed=int(rng.integers(1 << 31))
        ).fit(data)
        rejected += mga.tests_.loc["A -> Y", "p"] < 0.05
    print(
        f"MGA with no true difference: A -> Y significant in {rejected}/{args.replications} = "
        f"{rejected / args.replications:.1%} of splits (nominal 5 %), "
        f"{time.perf_counter() - start:.0f} s"
    )

    start = time.perf_counter()
    chosen = 0
    for _ in range(args.fimix_replications):
        selection = select_segments(
            segment_data(600, rng),
            spec=SPEC | {"paths": ["A -> Y", "M -> Y"]},
            max_segments=3,
            n_starts=5,
            tol=1e-6,
            seed=int(rng.integers(1 << 31)),
        )
        best = selection.best()
        chosen += best["BIC"] == 2 and best["CAIC"] == 2
    print(
        f"FIMIX-PLS: BIC and CAIC choose the 2 planted segments in {chosen}/"
        f"{args.fimix_replications} = {chosen / args.fimix_replications:.1%}, "
        f"{time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
