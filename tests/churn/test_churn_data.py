"""Point-in-time churn features and labels: nothing after the snapshot leaks in."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from patron.analyze.churn import describe_feature
from patron.analyze.churn_data import CustomerHistory, churn_table, parse_horizon
from patron.exceptions import InputError


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


@pytest.fixture
def history() -> CustomerHistory:
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c", "a"],
            "ordered_at": [
                ts("2025-01-10"),
                ts("2025-04-10"),
                ts("2025-06-30 23:00"),
                ts("2024-12-01"),
                ts("2025-08-01"),
                ts("2025-07-15"),
                ts("2025-12-31"),
            ],
            "amount": [100.0, 50.0, 30.0, 10.0, 20.0, 99.0, 5.0],
        }
    )
    complaints = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "opened_at": [ts("2025-02-01"), ts("2025-06-01"), ts("2025-03-01"), ts("2025-07-20")],
            "resolved_at": [ts("2025-02-05"), ts("2025-06-11"), pd.NaT, ts("2025-07-21")],
            "outcome": ["resolved", "unresolved", None, "resolved"],
        }
    )
    responses = pd.DataFrame(
        {
            "customer_id": ["a"] * 6,
            "response_id": ["r1", "r1", "r1", "r2", "r2", "r2"],
            "responded_at": [ts("2025-02-01")] * 3 + [ts("2025-06-20")] * 3,
            "item_code": ["SAT1", "PV1", "NPS"] * 2,
            "construct": ["satisfaction", "perceived value", None] * 2,
            "value": [10.0, 10.0, 10.0, 5.5, 1.0, 3.0],
        }
    )
    return CustomerHistory(orders=orders, complaints=complaints, responses=responses)


def test_features_use_only_the_past_and_label_only_the_horizon(history):
    table = churn_table(history, "2025-06-30", horizon="90d").set_index("customer_id")
    assert list(table.index) == ["a", "b"]  # c had not bought yet
    a, b = table.loc["a"], table.loc["b"]
    assert a["purchases"] == 3  # the order at 23:00 on the snapshot day counts
    assert a["revenue"] == 180.0
    assert a["days_since_last_purchase"] == 0
    assert a["mean_days_between"] == pytest.approx(
        ((ts("2025-06-30 23:00") - ts("2025-01-10")).total_seconds() / 86400) / 2
    )
    assert (
        a["complaints"] == 2 and a["complaints_unresolved"] == 1 and a["complaints_resolved"] == 1
    )
    assert a["days_to_resolve"] == 7.0  # (4 + 10) / 2
    assert b["complaints_open"] == 1  # opened 2025-03-01, never resolved
    assert b["complaints"] == 1  # the July complaint is after the snapshot
    # Latest survey (r2), rescaled 1–10 → 0–100; change against r1.
    assert a["satisfaction"] == 50.0
    assert a["value"] == 0.0
    assert a["value_change"] == -100.0
    assert a["nps"] == 3.0 and a["nps_class"] == 0.0
    # a bought again on 2025-12-31 (after 90 days): churned; b bought on 2025-08-01.
    assert a["churned"] == 1 and b["churned"] == 0
    assert describe_feature("complaints_unresolved", 3.0) == "3 unresolved complaints"
    assert describe_feature("days_since_last_purchase", 140.0) == "140 days since last purchase"
    assert describe_feature("value_change", -12.0) == "value score fell by 12 points"


def test_active_within_and_horizon_checks(history):
    table = churn_table(history, "2025-08-01", active_within="60d")
    assert sorted(table["customer_id"]) == ["a", "b", "c"]
    table = churn_table(history, "2025-10-01", active_within="80d")
    assert sorted(table["customer_id"]) == ["b", "c"]
    with pytest.raises(InputError, match="before the horizon ends"):
        churn_table(history, "2025-12-01", horizon="90d")
    with pytest.raises(InputError, match="nothing to predict"):
        churn_table(history, "2024-01-01")
    assert parse_horizon("12w") == timedelta(days=84)
    assert parse_horizon("1y") == timedelta(days=365)
    with pytest.raises(InputError, match="not understood"):
        parse_horizon("soon")
    with pytest.raises(InputError, match="orders: required column amount missing"):
        CustomerHistory(orders=pd.DataFrame({"customer_id": [], "ordered_at": []}))
