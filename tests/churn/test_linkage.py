"""Satisfaction → behaviour on hand-made cases and on the hotel world's planted effects."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patron.analyze import linkage as L
from patron.analyze.churn_data import CustomerHistory

sys.path.insert(0, str(Path(__file__).parent))
from churn_factories import simulated_history  # noqa: E402


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def test_wilson_interval_known_values():
    low, high = L.wilson_interval(np.array([0, 5]), np.array([10, 10]))
    assert low[0] == 0.0 and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert low[1] == pytest.approx(0.2366, abs=1e-4) and high[1] == pytest.approx(0.7634, abs=1e-4)


def test_complaint_recovery_by_hand():
    # Three customers, one purchase each in January; x had a resolved complaint, y an
    # unresolved one, z none. x and z bought again within 90 days; y did not.
    orders = pd.DataFrame(
        {
            "customer_id": ["x", "y", "z", "x", "z", "w"],
            "ordered_at": [ts("2025-01-05"), ts("2025-01-06"), ts("2025-01-07"),
                           ts("2025-02-01"), ts("2025-03-01"), ts("2025-12-31")],
            "amount": [100.0, 100.0, 100.0, 40.0, 60.0, 1.0],
        }
    )  # fmt: skip
    complaints = pd.DataFrame(
        {
            "customer_id": ["x", "y"],
            "opened_at": [ts("2025-01-06"), ts("2025-01-07")],
            "resolved_at": [ts("2025-01-08"), ts("2025-01-20")],
            "outcome": ["resolved", "unresolved"],
        }
    )
    history = CustomerHistory(orders=orders, complaints=complaints)
    table = L.complaint_recovery(history, horizon="90d").set_index("complaint")
    assert table.loc["resolved", "moments"] == 1 and table.loc["resolved", "retention"] == 1.0
    assert table.loc["unresolved", "retention"] == 0.0
    assert table.loc["unresolved", "spend_mean"] == 0.0
    # "none": z's two purchases and x's second one (w's is too recent to follow).
    assert table.loc["none", "moments"] == 3
    assert table.loc["none", "returned"] == 1
    assert table.loc["unresolved", "effect"] == pytest.approx(-1 / 3)


def test_value_at_risk_by_segment_and_driver():
    clv = pd.Series({"a": 100.0, "b": 50.0, "c": 10.0})
    p = pd.Series({"a": 0.5, "b": 0.2, "c": 1.0})
    seg = pd.Series({"a": "gold", "b": "gold", "c": "bronze"})
    table = L.value_at_risk(clv, p, segment=seg).set_index("segment")
    assert table.loc["gold", "value_at_risk"] == pytest.approx(60.0)
    assert table.loc["bronze", "value_at_risk"] == pytest.approx(10.0)
    contrib = pd.DataFrame(
        {"complaints_unresolved": [1.0, 0.0, 0.5], "days_since_last_purchase": [1.0, 2.0, -1.0]},
        index=["a", "b", "c"],
    )
    drivers = L.value_at_risk_by_driver(clv, p, contrib).set_index("driver")
    assert drivers.loc["complaints_unresolved", "value_at_risk"] == pytest.approx(25.0 + 10.0)
    assert drivers.loc["days_since_last_purchase", "value_at_risk"] == pytest.approx(25.0 + 10.0)


def test_simulated_history_recovers_direction_of_effects():
    history, _truth = simulated_history(n=1500)
    table = L.complaint_recovery(history, horizon="180d").set_index("complaint")
    assert table.loc["unresolved", "retention"] < table.loc["none", "retention"] - 0.3
    curve = L.satisfaction_loyalty_curve(history, horizon="180d", by="score")
    assert curve["retention"].iloc[-1] > curve["retention"].iloc[0]


@pytest.fixture(scope="module")
def hotel():
    from patron.data.hotel import generate_hotel

    data = generate_hotel(seed=7, n_guests=3000)
    history = CustomerHistory(
        orders=data.stays,
        complaints=data.complaints,
        responses=data.responses,
        interactions=data.interactions,
    )
    return data, history


def test_hotel_complaint_recovery_matches_the_planted_retention(hotel):
    data, history = hotel
    end = str(data.truth["as_of"])
    table = L.complaint_recovery(history, horizon="365d", end=end).set_index("complaint")
    truth = data.truth["retention_by_complaint"]
    for kind in ("none", "resolved", "unresolved"):
        assert table.loc[kind, "retention"] == pytest.approx(truth[kind], abs=0.08), kind
    planted = truth["unresolved"] - truth["none"]
    assert table.loc["unresolved", "effect"] == pytest.approx(planted, abs=0.1)
    assert table.loc["unresolved", "effect_high"] < 0  # significantly worse


def test_hotel_satisfaction_curve_rises_like_the_planted_one(hotel):
    data, history = hotel
    end = str(data.truth["as_of"])
    curve = L.satisfaction_loyalty_curve(history, by="quintile", end=end)
    planted = data.truth["retention_by_satisfaction_quintile"]
    np.testing.assert_allclose(curve["retention"], planted, atol=0.08)
    assert curve["retention"].is_monotonic_increasing
    nps = L.nps_repeat(history, end=end).set_index("class")
    assert (
        nps.loc["promoter", "retention"]
        > nps.loc["passive", "retention"]
        > nps.loc["detractor", "retention"]
    )
    classes = L.expectation_classes(history, end=end).set_index("class")
    assert classes.loc["exceeded", "retention"] > classes.loc["fell_short", "retention"]
    elasticity = L.retention_elasticity(history, end=end)
    # Quality carries the largest total effect on satisfaction in the planted ACSI paths
    # (0.5 + 0.6·0.3 = 0.68 against expectation's 0.10 + 0.55·0.68 + 0.1·0.3 ≈ 0.50).
    assert elasticity["driver"].iloc[0] == "quality"
    assert (elasticity["revenue_kept"] > 0).all()


def test_hotel_churn_model_ranks_planted_drivers_first(hotel):
    from patron.analyze.churn_run import predict_churn

    data, history = hotel
    run = predict_churn(history, horizon="365d", as_of=str(data.truth["as_of"]))
    importance = run.model.feature_importance_
    top = list(importance.index)
    # Recency (days since the last stay or contact) is what every guest shows first;
    # price sensitivity (discount share) follows among the single features.
    assert {"days_since_last_purchase", "days_since_last_interaction"} == set(top[:2])
    assert "discount_share" in top[:5]
    # Satisfaction, observed only for the 30 % who answer surveys, counts as a block:
    # together its survey features outweigh every behaviour feature but recency.
    survey = [
        f
        for f in top
        if f.split("_change")[0]
        in {"satisfaction", "quality", "value", "expectations", "nps", "nps_class",
            "loyalty_intent", "complaint_score", "days_since_last_survey"}
    ]  # fmt: skip
    assert importance[survey].sum() > importance.iloc[2]
    assert run.evaluation is not None and run.evaluation.roc_auc > 0.7
    assert run.scores["reasons"].map(len).min() >= 1
