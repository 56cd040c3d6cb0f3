"""The BTYD summary in array passes equals the engine's, frame for frame."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.analyze import engine
from patron.analyze.clv import summarize_transactions
from patron.analyze.clv.summary_arrays import summarize_arrays


def _both(tx, **kw):  # type: ignore[no-untyped-def]
    fast = summarize_arrays(
        tx,
        customer_col=kw.get("customer_col", "customer_id"),
        date_col="ordered_at",
        amount_col=kw.get("amount_col", "amount"),
        observation_end=kw.get("observation_end"),
        time_unit=kw.get("time_unit", "W"),
    )
    slow = summarize_transactions(tx, con=engine.connect("duckdb"), **kw)
    return fast, slow


def _frame(rng: np.random.Generator, n: int, ids: str) -> pd.DataFrame:
    customers = rng.integers(0, max(n // 4, 1), n)
    seconds = rng.integers(-86_400 * 3, 86_400 * 60, n)
    return pd.DataFrame(
        {
            "customer_id": customers if ids == "int" else np.char.add("c", customers.astype(str)),
            "ordered_at": pd.Timestamp("2024-03-01") + pd.to_timedelta(seconds, unit="s"),
            # Half cents on purpose: rounding must be half away from zero, as in SQL.
            "amount": rng.choice([36.425, 1.005, -2.5, 10.0, 0.125, 99.995], n),
        }
    )


@pytest.mark.parametrize("ids", ["int", "str"])
@pytest.mark.parametrize("unit", ["W", "D"])
def test_equals_engine(ids: str, unit: str) -> None:
    tx = _frame(np.random.default_rng(3), 2_000, ids)
    fast, slow = _both(tx, time_unit=unit)
    assert fast is not None and len(fast) == len(slow) > 100
    pd.testing.assert_frame_equal(fast, slow)
    assert int(fast["frequency"].sum()) == int(slow["frequency"].sum())


def test_observation_end_timezone_and_arrow() -> None:
    tx = _frame(np.random.default_rng(4), 1_500, "str")
    tx["ordered_at"] = tx["ordered_at"].dt.tz_localize("Asia/Shanghai")
    end = dt.date(2024, 3, 20)
    fast, slow = _both(tx, observation_end=end)
    pd.testing.assert_frame_equal(fast, slow)
    arrow = pa.Table.from_pandas(tx, preserve_index=False)
    pd.testing.assert_frame_equal(summarize_transactions(arrow, observation_end=end), slow)


def test_declines_what_it_cannot_do_exactly() -> None:
    tx = _frame(np.random.default_rng(5), 50, "int")
    tx.loc[3, "amount"] = np.nan
    assert (
        summarize_arrays(
            tx,
            customer_col="customer_id",
            date_col="ordered_at",
            amount_col="amount",
            observation_end=None,
            time_unit="W",
        )
        is None
    )
    # ...and the public function still answers, through the engine.
    assert len(summarize_transactions(tx)) > 0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 40),
            st.integers(-10_000, 10_000).map(lambda c: c / 200),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["W", "D", "M"]),
    st.one_of(st.none(), st.integers(5, 45)),
)
def test_random_histories(rows, unit, end_offset) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame["ordered_at"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(frame.pop("day"), "D")
    end = None if end_offset is None else dt.date(2025, 1, 1) + dt.timedelta(days=end_offset)
    if end is not None and not (frame["ordered_at"].dt.date <= end).any():
        return
    fast, slow = _both(frame, time_unit=unit, observation_end=end)
    pd.testing.assert_frame_equal(fast, slow)


def test_mixed_customer_keys_go_to_the_engine() -> None:
    tx = _frame(np.random.default_rng(6), 30, "str")
    tx["customer_id"] = tx["customer_id"].astype(object)
    tx.loc[0, "customer_id"] = 7
    assert (
        summarize_arrays(
            tx,
            customer_col="customer_id",
            date_col="ordered_at",
            amount_col="amount",
            observation_end=None,
            time_unit="W",
        )
        is None
    )
