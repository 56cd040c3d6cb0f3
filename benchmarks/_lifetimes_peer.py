"""Run ``lifetimes`` 0.11.3 on the benchmark's data and report parameters and timings as JSON.

Runs inside ``benchmarks/.venv-lifetimes`` (lifetimes with numpy<1.24, pandas<2), called
by ``benchmarks/clv.py`` with the folder holding the Parquet inputs.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.filterwarnings("ignore")


def timed(fn):
    """Run ``fn``; return its value and (wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, (time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    folder = Path(sys.argv[1])
    out: dict = {}
    bg_data = pd.read_parquet(folder / "bgnbd_1m.parquet")
    bg, out["bgnbd_1m_plain_s"] = timed(
        lambda: BetaGeoFitter().fit(bg_data["frequency"], bg_data["recency"], bg_data["T"])
    )
    out["bgnbd_params"] = [bg.params_[k] for k in ("r", "alpha", "a", "b")]
    # lifetimes at its best: distinct patterns with their counts as weights.
    patterns = bg_data.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()
    weighted, out["bgnbd_1m_s"] = timed(
        lambda: BetaGeoFitter().fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weight"]
        )
    )
    out["bgnbd_weighted_params"] = [weighted.params_[k] for k in ("r", "alpha", "a", "b")]
    continuous = pd.read_parquet(folder / "bgnbd_1m_continuous.parquet")
    bg_c, out["bgnbd_1m_continuous_s"] = timed(
        lambda: BetaGeoFitter().fit(continuous["frequency"], continuous["recency"], continuous["T"])
    )
    out["bgnbd_continuous_params"] = [bg_c.params_[k] for k in ("r", "alpha", "a", "b")]
    repeat = bg_data[bg_data["frequency"] > 0]
    gg, out["gg_1m_s"] = timed(
        lambda: GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    )
    out["gg_params"] = [gg.params_[k] for k in ("p", "q", "v")]
    _clv, out["clv_1m_s"] = timed(
        lambda: gg.customer_lifetime_value(
            bg,
            bg_data["frequency"],
            bg_data["recency"],
            bg_data["T"],
            bg_data["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="W",
        )
    )
    out["clv_1m_total"] = float(_clv.sum())
    pareto_data = pd.read_parquet(folder / "pareto_100k.parquet")
    pareto, out["pareto_100k_s"] = timed(
        lambda: ParetoNBDFitter().fit(
            pareto_data["frequency"], pareto_data["recency"], pareto_data["T"]
        )
    )
    out["pareto_params"] = [pareto.params_[k] for k in ("r", "alpha", "s", "beta")]
    transactions = pd.read_parquet(folder / "transactions_10m.parquet")
    summary, out["summary_10m_s"] = timed(
        lambda: summary_data_from_transaction_data(
            transactions,
            "customer_id",
            "ordered_at",
            monetary_value_col="amount",
            observation_period_end="2025-12-31",
            freq="D",
            freq_multiplier=7,
        )
    )
    out["summary_10m_customers"] = int(len(summary))
    out["summary_10m_frequency_total"] = int(summary["frequency"].sum())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
