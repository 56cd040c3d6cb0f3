"""Input checks name the customer; compression, summaries and the holdout split are exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import (
    BetaGeoModel,
    calibration_and_holdout,
    compress,
    summarize_transactions,
    validate_summary,
)
from patron.analyze.clv.data import read_transactions, validate_columns
from patron.exceptions import InputError


def _frame(**changes) -> pd.DataFrame:
    base = {
        "customer_id": ["a", "b", "c"],
        "frequency": [0, 2, 1],
        "recency": [0.0, 5.0, 3.0],
        "T": [10.0, 10.0, 4.0],
    }
    base.update(changes)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"frequency": [0, -2, 1]}, r"^customer b: frequency -2.0 is negative$"),
        ({"frequency": [0, 2.5, 1]}, r"^customer b: frequency 2.5 is not a whole number$"),
        ({"recency": [0.0, 12.0, 3.0]}, r"^customer b: recency 12.0 is greater than age T 10.0$"),
        ({"recency": [0.0, -1.0, 3.0]}, r"^customer b: recency -1.0 is negative$"),
        ({"T": [10.0, 10.0, -4.0]}, r"^customer c: age T -4.0 is negative"),
        (
            {"recency": [1.0, 5.0, 3.0]},
            r"^customer a: recency is 1.0 but frequency is 0 \(no repeat purchase means recency 0\)$",
        ),
        (
            {"T": [10.0, np.nan, 4.0]},
            r"^customer b: T is missing, not a number or infinite \(nan\)$",
        ),
        ({"weight": [1.0, 0.0, 2.0]}, r"^customer b: weight 0.0 is not positive$"),
        (
            {"recency": [0.0, 12.0, 30.0]},
            r"^customer b: recency 12.0 is greater than age T 10.0 \(and 1 more customers\)$",
        ),
    ],
)
def test_validation_messages_name_the_customer(changes: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BetaGeoModel().fit(_frame(**changes))


def test_required_and_unique_columns() -> None:
    with pytest.raises(InputError, match=r"^Required column recency missing$"):
        validate_summary(_frame().drop(columns="recency"))
    with pytest.raises(
        InputError, match=r"^Column customer_id has duplicate entries \(first: a\)$"
    ):
        validate_columns(_frame(customer_id=["a", "a", "c"]), ["frequency"], unique=["customer_id"])
    with pytest.raises(InputError, match="^the data hold no customers$"):
        validate_summary(_frame().iloc[:0])


def test_customer_names_come_from_the_index_without_a_column() -> None:
    frame = _frame(frequency=[0, -1, 1]).drop(columns="customer_id").set_index(pd.Index([7, 8, 9]))
    with pytest.raises(InputError, match="^customer 8: frequency"):
        validate_summary(frame)


def test_t_x_equal_T_and_T_zero_are_valid() -> None:
    checked = validate_summary(_frame(recency=[0.0, 10.0, 3.0], T=[0.0, 10.0, 4.0]))
    assert checked["recency"][1] == checked["T"][1]


def test_compress_sums_weights() -> None:
    out = compress(
        {"x": np.array([1, 1, 2, 1.0]), "t": np.array([3, 3, 3, 4.0])}, np.array([1, 2, 1, 1.0])
    )
    rows = sorted(zip(out["x"], out["t"], out["weight"], strict=True))
    assert rows == [(1.0, 3.0, 3.0), (1.0, 4.0, 1.0), (2.0, 3.0, 1.0)]


def test_summary_and_holdout_reproduce_the_published_file(
    cdnow_raw_path: Path, cdnow_summary: pd.DataFrame
) -> None:
    raw = read_transactions(
        cdnow_raw_path, customer_col="2", date_col="3", amount_col="5", date_format="%Y%m%d"
    )
    assert len(raw) == 6919 and list(raw.columns) == ["customer_id", "ordered_at", "amount"]
    split = calibration_and_holdout(raw, calibration_end="1997-09-30", holdout_end="1998-06-30")
    assert len(split) == 2357
    assert split["frequency_holdout"].sum() == 1882
    assert split["duration_holdout"].iloc[0] == 39.0
    published = cdnow_summary.assign(customer_id=cdnow_summary["customer_id"].map("{:04d}".format))
    merged = split.merge(published, on="customer_id", suffixes=("", "_pub"))
    assert len(merged) == 2357
    assert (merged["frequency"] == merged["frequency_pub"]).all()
    np.testing.assert_allclose(merged["recency"], merged["recency_pub"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(merged["T"], merged["T_pub"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(
        merged["monetary_value"], merged["monetary_value_pub"], atol=0.005 + 1e-9
    )
    calibration_only = summarize_transactions(raw, observation_end="1997-09-30")
    assert calibration_only["frequency"].sum() == split["frequency"].sum()


def test_read_transactions_errors(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("cust,day,spend\na,2024-01-03,10\nb,someday,5\n")
    with pytest.raises(InputError, match=r"orders.csv, row 3, column day: 'someday' is not a date"):
        read_transactions(path, customer_col="cust", date_col="day", amount_col="spend")
    with pytest.raises(InputError, match=r"column when not found \(columns: cust, day, spend"):
        read_transactions(path, customer_col="cust", date_col="when")
    with pytest.raises(InputError, match="input file not found"):
        read_transactions(tmp_path / "missing.csv", customer_col="a", date_col="b")
    with pytest.raises(
        InputError, match="holdout end 1997-01-01 must come after the calibration end"
    ):
        calibration_and_holdout(
            pd.DataFrame(
                {"customer_id": ["a"], "ordered_at": [pd.Timestamp("1997-01-01")], "amount": [1.0]}
            ),
            calibration_end="1997-09-30",
            holdout_end="1997-01-01",
        )
