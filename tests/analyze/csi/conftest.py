"""Fixtures for the CSI tests: the mobi and satisfaction surveys, and simulated models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def mobi(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "mobi" / "mobi.csv")


@pytest.fixture(scope="session")
def satisfaction(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "satisfaction" / "satisfaction.csv")


def simulate_reflective(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Three common factors A -> B -> C (and A -> C), three items each, known truth."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.5 * a + np.sqrt(0.75) * rng.standard_normal(n)
    # var(c) = .3² + .4² + 2·.3·.4·.5 + ψ = 1  →  ψ = .63
    c = 0.3 * a + 0.4 * b + np.sqrt(0.63) * rng.standard_normal(n)
    loadings = np.array([0.8, 0.7, 0.6])
    columns = {}
    for name, factor in (("a", a), ("b", b), ("c", c)):
        for k, lam in enumerate(loadings):
            columns[f"{name}{k + 1}"] = lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    truth = {"paths": {("A", "B"): 0.5, ("A", "C"): 0.3, ("B", "C"): 0.4}, "loadings": loadings}
    return pd.DataFrame(columns), truth
