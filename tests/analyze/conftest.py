"""Fixtures for the analytics tests: the CDNOW data and a DuckDB engine."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from patron.analyze import engine


@pytest.fixture(scope="session")
def cdnow_sample(shared_data: Path) -> pd.DataFrame:
    """The 2,357-customer CDNOW sample as transactions (customer_id = sample id)."""
    raw = pd.read_csv(
        shared_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"master_id": str, "sample_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["sample_id"].astype(int).astype(str),
            "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d").dt.tz_localize("UTC"),
            "amount": raw["dollars"].astype(float),
            "quantity": raw["cds"].astype(float),
        }
    )


@pytest.fixture(scope="session")
def cdnow_master(shared_data: Path) -> pd.DataFrame:
    """All 69,659 CDNOW transactions of the 23,570 customers of the 1997-Q1 cohort."""
    raw = pd.read_csv(
        shared_data / "cdnow" / "CDNOW_master.txt.gz",
        sep=r"\s+",
        dtype={"customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d").dt.tz_localize("UTC"),
            "amount": raw["dollar_value"].astype(float),
            "quantity": raw["number_of_cds"].astype(float),
        }
    )


@pytest.fixture(scope="session")
def duck():
    """One in-memory DuckDB engine (UTC) for the whole session."""
    return engine.connect("duckdb")
