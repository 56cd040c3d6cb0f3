"""Per-customer features: every column on a hand-made history, and CDNOW's exact counts."""

from __future__ import annotations

import pandas as pd
import pytest

from patron.analyze import engine
from patron.analyze.features import customer_features
from patron.exceptions import InputError


def ts(*days: str) -> pd.Series:
    return pd.to_datetime(pd.Series(days), utc=True)


@pytest.fixture(scope="module")
def history() -> dict[str, pd.DataFrame]:
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b"],
            "ordered_at": ts(
                "2024-01-01 10:00",
                "2024-01-01 15:00",
                "2024-01-31 09:00",
                "2024-03-01 12:00",
                "2024-02-10 08:00",
                "2024-03-20 08:00",
            ),
            "amount": [100.0, 50.0, 80.0, 40.0, 20.0, 30.0],
            "cost": [60.0, 30.0, 50.0, 20.0, 10.0, 20.0],
            "discount": [0.0, 10.0, 0.0, 0.0, 5.0, None],
            "channel": ["web", "store", "web", "web", "web", None],
            "location": ["x", "x", "y", "x", None, None],
            "status": ["paid", "paid", "returned", "paid", "paid", "paid"],
        }
    )
    complaints = pd.DataFrame(
        {"customer_id": ["b", "b", "b"], "opened_at": ts("2024-02-11", "2024-02-12", "2024-05-01")}
    )
    interactions = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "occurred_at": ts("2024-01-05", "2024-02-05", "2024-02-11"),
            "is_service": [True, True, False],
        }
    )
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "ordered_at": ts("2024-01-01", "2024-01-01", "2024-03-01", "2024-02-10"),
            "category": ["cd", "dvd", "book", "cd"],
        }
    )
    return {
        "orders": orders,
        "complaints": complaints,
        "interactions": interactions,
        "lines": lines,
    }


def test_every_feature_on_a_hand_made_history(history, duck) -> None:
    expr = customer_features(
        engine.read_table(history["orders"]),
        complaints=engine.read_table(history["complaints"]),
        interactions=engine.read_table(history["interactions"]),
        order_lines=engine.read_table(history["lines"]),
        as_of="2024-03-31",
        time_unit="D",
        cost_per_complaint=15.0,
        cost_per_service_interaction=4.0,
    )
    out = engine.to_pandas(expr, duck).set_index("customer_id")
    a, b = out.loc["a"], out.loc["b"]
    # a: sales on Jan 1 (two orders) and Mar 1; Jan 31 was returned: not a sale, so
    # not a purchase day either (the vocabulary's one definition).
    assert (a.orders, a.purchase_days, a.frequency) == (3, 2, 1)
    assert (a.recency, a["T"], a.days_since_last, a.tenure_days) == (60.0, 90.0, 30, 90)
    assert a.mean_interpurchase_days == 60.0
    assert a.revenue == 190.0  # the returned order brings nothing
    assert a.avg_order_value == 63.33  # rounded to cents
    assert a.monetary_value == 40.0  # the one repeat day: Mar 1 (40)
    assert (a.cost, a.discount, a.returns, a.returned_value, a.returns_cost) == (
        160.0,
        10.0,
        1,
        80.0,
        50.0,
    )
    assert a.discount_share == pytest.approx(10 / 270)
    assert (a.complaints, a.service_interactions, a.service_cost) == (0, 2, 8.0)
    assert a.gross_margin == 190.0 - 160.0 - 10.0 - 8.0
    assert (a.channels, a.channel_top_share) == (2, 0.75)
    assert a.channel_hhi == pytest.approx(0.75**2 + 0.25**2)
    assert (a.locations, a.location_top_share) == (2, 0.75)
    assert a.categories == 3
    # b: the complaint after as_of does not count; the missing discount is zero.
    assert (b.orders, b.frequency, b.recency) == (2, 1, 39.0)
    assert (b.complaints, b.service_interactions, b.service_cost) == (2, 0, 30.0)
    assert b.gross_margin == 50.0 - 30.0 - 5.0 - 30.0
    assert (b.channels, b.channel_top_share, b.locations) == (1, 1.0, 0)
    assert pd.isna(b.location_top_share)
    assert out["frequency"].dtype == "int64" and out["revenue"].dtype == "float64"


def test_as_of_cuts_the_history(history, duck) -> None:
    expr = customer_features(engine.read_table(history["orders"]), as_of="2024-01-31")
    out = engine.to_pandas(expr, duck)
    assert out["customer_id"].tolist() == ["a"]
    # Jan 31's order was returned: two sales, the last on Jan 1.
    assert out.loc[0, "orders"] == 2 and out.loc[0, "days_since_last"] == 30
    assert out.loc[0, "returns"] == 1


def test_cdnow_master_counts(cdnow_master, duck) -> None:
    out = engine.to_pandas(customer_features(engine.read_table(cdnow_master)), duck)
    assert len(out) == 23_570
    assert out["orders"].sum() == 69_659
    assert out["revenue"].sum() == pytest.approx(cdnow_master["amount"].sum(), abs=0.01)
    days = cdnow_master.assign(day=cdnow_master["ordered_at"].dt.normalize())
    distinct = days.groupby("customer_id")["day"].nunique()
    assert out.set_index("customer_id")["purchase_days"].sort_index().tolist() == (
        distinct.sort_index().tolist()
    )
    assert out["last_purchase"].max() == pd.Timestamp("1998-06-30")


def test_unknown_time_unit_and_missing_column(history) -> None:
    orders = engine.read_table(history["orders"])
    with pytest.raises(InputError, match="unknown time unit 'X'"):
        customer_features(orders, time_unit="X")
    with pytest.raises(InputError, match="Required column 'amount' missing in orders"):
        customer_features(orders.drop("amount"))
