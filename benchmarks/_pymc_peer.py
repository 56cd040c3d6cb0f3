"""Fit PyMC-Marketing's BG/NBD or Pareto/NBD with covariates by MAP; print parameters and timings as JSON.

Runs inside ``benchmarks/.venv-pymc`` (pymc-marketing 1.3.0, Python 3.12), called by
``benchmarks/clv.py`` and ``tests/analyze/clv/test_pymc_peer.py`` with a Parquet file of
``customer_id, frequency, recency, T`` and numeric covariate columns (the same design
matrix Patron builds: numbers centred, categories as 0/1 columns), and optionally the
model (``bgnbd``, the default, or ``pareto``). Flat priors make the MAP estimate the
maximum-likelihood estimate Patron computes.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import pandas as pd

warnings.filterwarnings("ignore")


def pareto(data: pd.DataFrame, covariates: list[str]) -> dict:
    """Pareto/NBD: alpha_i = alpha_scale exp(-purchase' x_i), beta_i = beta_scale exp(-dropout' x_i)."""
    import pymc_marketing
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import ParetoNBDModel

    config = {
        "r": Prior("HalfFlat"),
        "alpha": Prior("HalfFlat"),
        "s": Prior("HalfFlat"),
        "beta": Prior("HalfFlat"),
        "purchase_coefficient": Prior("Flat"),
        "dropout_coefficient": Prior("Flat"),
        "purchase_covariate_cols": covariates,
        "dropout_covariate_cols": covariates,
    }
    start, cpu = time.perf_counter(), time.process_time()
    model = ParetoNBDModel(model_config=config)
    model.fit(data, method="map", progressbar=False)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    post = model.idata.posterior
    return {
        "version": pymc_marketing.__version__,
        "seconds": [wall, cpu],
        "r": float(post["r"].values.ravel()[0]),
        "alpha": float(post["alpha_scale"].values.ravel()[0]),
        "s": float(post["s"].values.ravel()[0]),
        "beta": float(post["beta_scale"].values.ravel()[0]),
        "alpha_effects": post["purchase_coefficient"].values.ravel().tolist(),
        "beta_effects": post["dropout_coefficient"].values.ravel().tolist(),
        "covariates": covariates,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[2] == "pareto":
        data = pd.read_parquet(sys.argv[1])
        covariates = [
            c for c in data.columns if c not in ("customer_id", "frequency", "recency", "T")
        ]
        json.dump(pareto(data, covariates), sys.stdout)
        return
    import pymc_marketing
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel

    data = pd.read_parquet(sys.argv[1])
    covariates = [c for c in data.columns if c not in ("customer_id", "frequency", "recency", "T")]
    config = {
        "r": Prior("HalfFlat"),
        "alpha": Prior("HalfFlat"),
        "a": Prior("HalfFlat"),
        "b": Prior("HalfFlat"),
        "purchase_coefficient": Prior("Flat"),
        "dropout_coefficient": Prior("Flat"),
        "purchase_covariate_cols": covariates,
        "dropout_covariate_cols": covariates,
    }
    start, cpu = time.perf_counter(), time.process_time()
    model = BetaGeoModel(model_config=config)
    model.fit(data, method="map", progressbar=False)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    post = model.idata.posterior
    out = {
        "version": pymc_marketing.__version__,
        "seconds": [wall, cpu],
        "r": float(post["r"].values.ravel()[0]),
        "alpha": float(post["alpha_scale"].values.ravel()[0]),
        "a": float(post["a_scale"].values.ravel()[0]),
        "b": float(post["b_scale"].values.ravel()[0]),
        "alpha_effects": post["purchase_coefficient_alpha"].values.ravel().tolist(),
        "a_effects": post["dropout_coefficient_a"].values.ravel().tolist(),
        "b_effects": post["dropout_coefficient_b"].values.ravel().tolist(),
        "covariates": covariates,
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
