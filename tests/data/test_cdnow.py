"""The shipped CDNOW files load as the published transactions (counts and totals pinned)."""

from __future__ import annotations

import pandas as pd
import pytest

from patron.data.cdnow import cdnow_customer_id, cdnow_path, load_cdnow_transactions


@pytest.fixture(scope="module")
def master() -> pd.DataFrame:
    return load_cdnow_transactions()


def test_master_counts_and_totals(master: pd.DataFrame) -> None:
    assert list(master.columns) == ["customer_id", "date", "cds", "dollars"]
    assert len(master) == 69_659
    assert master["customer_id"].nunique() == 23_570
    assert master["date"].min() == pd.Timestamp("1997-01-01")
    assert master["date"].max() == pd.Timestamp("1998-06-30")
    assert master["cds"].sum() == 167_881
    assert master["dollars"].sum() == pytest.approx(2_500_315.63, abs=0.005)
    # Same-day orders and exact repeats are kept: each row is one order.
    assert master.duplicated(["customer_id", "date"]).sum() == 2_068
    assert master.duplicated().sum() == 255


def test_sample_is_the_papers_tenth(master: pd.DataFrame) -> None:
    sample = load_cdnow_transactions(sample=True)
    assert list(sample.columns) == ["customer_id", "date", "cds", "dollars"]
    assert len(sample) == 6_919
    assert sample["customer_id"].nunique() == 2_357
    assert sample["dollars"].sum() == pytest.approx(244_091.94, abs=0.005)
    # The sample holds every transaction of its customers, as in the master file.
    same = master[master["customer_id"].isin(sample["customer_id"])]
    key = ["customer_id", "date", "cds", "dollars"]
    pd.testing.assert_frame_equal(
        same.sort_values(key).reset_index(drop=True), sample.sort_values(key).reset_index(drop=True)
    )


def test_natural_keys_and_shipped_licence() -> None:
    assert cdnow_customer_id(1) == "CDNOW-00001"
    assert cdnow_customer_id(pd.Series([7, 23570])).tolist() == ["CDNOW-00007", "CDNOW-23570"]
    folder = cdnow_path().parent
    assert "MIT" in (folder / "lifetimes-LICENSE.txt").read_text(encoding="utf-8")
    assert "Fader" in (folder / "README.txt").read_text(encoding="utf-8")
    assert cdnow_path(sample=True).name == "CDNOW_sample.txt"
