"""Run ``lifetimes`` 0.11.3 on one of the benchmark's tasks; print parameters and timings as JSON.

Runs inside ``benchmarks/.venv-lifetimes`` (lifetimes with numpy<1.24, pandas<2), called
by ``benchmarks/clv.py`` once per task (so that Patron and lifetimes take turns) with
the folder holding the Parquet inputs and the task's name:

* ``bgnbd_daily``: BG/NBD on 1M customers at daily resolution, at lifetimes' best: the
  distinct (frequency, recency, T) patterns with their counts as ``weights`` (the
  grouping is not timed);
* ``bgnbd_continuous``: BG/NBD on 1M customers with continuous times (no two alike:
  weights cannot help);
* ``gg_clv``: Gamma-Gamma on the repeat buyers of the daily data, then 12-month CLV;
* ``pareto_daily``: Pareto/NBD on 100k customers at daily resolution, with weights;
* ``pareto_continuous``: Pareto/NBD on 100k customers with continuous times;
* ``summary``: the RFM summary of 10M transactions.
"""

from __future__ import annotations

import json
import resource
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


def weighted(data: pd.DataFrame) -> pd.DataFrame:
    """Distinct patterns with their counts (lifetimes' ``weights``)."""
    return data.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()


def fit(fitter, data: pd.DataFrame, weights: bool):
    if weights:
        patterns = weighted(data)
        return timed(
            lambda: fitter.fit(
                patterns["frequency"],
                patterns["recency"],
                patterns["T"],
                weights=patterns["weight"],
            )
        )
    return timed(lambda: fitter.fit(data["frequency"], data["recency"], data["T"]))


def main() -> None:
    folder, task = Path(sys.argv[1]), sys.argv[2]
    out: dict = {}
    if task == "bgnbd_daily":
        data = pd.read_parquet(folder / "bgnbd_1m.parquet")
        model, out["seconds"] = fit(BetaGeoFitter(), data, weights=True)
        out["params"] = [model.params_[k] for k in ("r", "alpha", "a", "b")]
        out["log_likelihood"] = -float(model._negative_log_likelihood_) * len(data)
    elif task == "bgnbd_continuous":
        data = pd.read_parquet(folder / "bgnbd_1m_continuous.parquet")
        model, out["seconds"] = fit(BetaGeoFitter(), data, weights=False)
        out["params"] = [model.params_[k] for k in ("r", "alpha", "a", "b")]
        out["log_likelihood"] = -float(model._negative_log_likelihood_) * len(data)
    elif task == "gg_clv":
        data = pd.read_parquet(folder / "bgnbd_1m.parquet")
        bg, _s = fit(BetaGeoFitter(), data, weights=True)
        repeat = data[data["frequency"] > 0]
        gg, gg_s = timed(
            lambda: GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        )
        clv, clv_s = timed(
            lambda: gg.customer_lifetime_value(
                bg,
                data["frequency"],
                data["recency"],
                data["T"],
                data["monetary_value"],
                time=12,
                discount_rate=0.01,
                freq="W",
            )
        )
        out["seconds"] = [gg_s[0] + clv_s[0], gg_s[1] + clv_s[1]]
        out["params"] = [gg.params_[k] for k in ("p", "q", "v")]
        out["clv_total"] = float(clv.sum())
    elif task in ("pareto_daily", "pareto_continuous"):
        data = pd.read_parquet(folder / f"{task}_100k.parquet")
        use_weights = task == "pareto_daily"
        model, out["seconds"] = fit(ParetoNBDFitter(), data, weights=use_weights)
        out["params"] = [model.params_[k] for k in ("r", "alpha", "s", "beta")]
        # lifetimes' Pareto/NBD minimises sum(w ll) / mean(w)
        rows = len(weighted(data)) if use_weights else len(data)
        out["log_likelihood"] = -float(model._negative_log_likelihood_) * len(data) / rows
    elif task == "summary":
        transactions = pd.read_parquet(folder / "transactions_10m.parquet")
        summary, out["seconds"] = timed(
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
        out["customers"] = int(len(summary))
        out["frequency_total"] = int(summary["frequency"].sum())
    else:
        sys.exit(f"unknown task {task!r}")
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
