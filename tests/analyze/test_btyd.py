"""BTYD statistics reproduce the published CDNOW calibration summary exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patron.analyze import engine
from patron.analyze.features import btyd_statistics
from patron.exceptions import InputError


def half_up(values: pd.Series) -> pd.Series:
    """Round to cents the way the published CSV did (half away from zero)."""
    return np.floor(values * 100 + 0.5 + 1e-9) / 100


def test_cdnow_sample_reproduces_summary(cdnow_sample, duck, shared_data: Path) -> None:
    table = engine.read_table(cdnow_sample, con=duck)
    stats = engine.to_pandas(
        btyd_statistics(table, observation_end="1997-09-30", time_unit="W"), duck
    )
    ref = pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    ref["customer_id"] = ref["ID"].astype(str)
    assert len(stats) == 2357
    merged = ref.merge(stats, on="customer_id", how="outer", validate="1:1", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["x"] == merged["frequency"]).all()
    assert stats["frequency"].dtype == np.int64
    np.testing.assert_array_equal(half_up(merged["recency"]), merged["t_x"])
    np.testing.assert_array_equal(half_up(merged["T_y"]), merged["T_x"])
    np.testing.assert_array_equal(half_up(merged["monetary_value"]), merged["zbar"])
    # 946 repeat buyers, as in the Gamma-Gamma note.
    assert int((stats["frequency"] > 0).sum()) == 946


def test_same_day_purchases_collapse_and_units(duck) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 18:00",
                    "2024-01-15 00:00",
                    "2024-01-29 00:00",
                    "2024-01-29 00:00",
                ],
                utc=True,
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    expr = btyd_statistics(engine.read_table(tx), observation_end="2024-02-12", time_unit="D")
    out = engine.to_pandas(expr, duck).set_index("customer_id").sort_index()
    assert out.loc["a", "frequency"] == 2
    assert out.loc["a", "recency"] == 28.0
    assert out.loc["a", "T"] == 42.0
    assert out.loc["a", "monetary_value"] == 30.0
    assert out.loc["b", "frequency"] == 0
    assert out.loc["b", "monetary_value"] == 0.0
    assert out.loc["b", "T"] == 14.0
    weeks = engine.to_pandas(btyd_statistics(engine.read_table(tx)), duck)
    # observation_end defaults to the last purchase day in the data.
    assert weeks.set_index("customer_id").loc["a", "T"] == 4.0


def test_missing_column_is_named(duck) -> None:
    tx = pd.DataFrame({"customer_id": ["a"], "when": pd.to_datetime(["2024-01-01"], utc=True)})
    with pytest.raises(InputError, match="Required column 'ordered_at' missing"):
        btyd_statistics(engine.read_table(tx))
