"""Lifecycle stages, one hand-made history per rule; transitions; cohorts against pandas."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from patron.analyze import engine, lifecycle
from patron.analyze.lifecycle import LifecycleRules
from patron.exceptions import InputError

AS_OF = "2024-12-31"

HISTORIES = {
    # one purchase a month ago
    "new": ["2024-12-01"],
    # one purchase, silent 213 days > 2 × 90 (default rhythm) but not > 4 × 90
    "new_then_quiet": ["2024-06-01"],
    # one purchase, silent 396 days > 4 × 90
    "one_and_gone": ["2023-12-01"],
    # three purchases a month apart, last one 30 days ago
    "repeat": ["2024-10-01", "2024-11-01", "2024-12-01"],
    # six purchases over 289 days: loyal
    "loyal": ["2024-03-01", "2024-05-01", "2024-07-01", "2024-09-01", "2024-11-01", "2024-12-15"],
    # four purchases but only 49 days of tenure: still repeat
    "eager": ["2024-11-01", "2024-11-15", "2024-12-01", "2024-12-20"],
    # every 10 days, then 61 days of silence: > max(2 × 10, 30) but < max(4 × 10, 90)
    "at_risk": ["2024-10-01", "2024-10-11", "2024-10-21", "2024-10-31"],
    # every 10 days, then 121 days of silence: > max(4 × 10, 90)
    "lapsed": ["2024-08-12", "2024-08-22", "2024-09-01"],
    # every two years: silence 1,095 days exceeds the 730-day cap whatever the rhythm
    "slow_gone": ["2020-01-01", "2022-01-01"],
    # a daily buyer silent 26 days: under the 30-day floor, so not at risk
    "daily": ["2024-12-01", "2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05"],
    # monthly in early 2023, gone 641 days (> max(4 × 29.5, 90)), back a month ago
    "won_back": ["2023-01-01", "2023-02-01", "2023-03-01", "2024-12-01"],
}
EXPECTED = {
    "new": "new",
    "new_then_quiet": "at_risk",
    "one_and_gone": "lapsed",
    "repeat": "repeat",
    "loyal": "loyal",
    "eager": "repeat",
    "at_risk": "at_risk",
    "lapsed": "lapsed",
    "slow_gone": "lapsed",
    "daily": "repeat",
    "won_back": "won_back",
    "prospect": "prospect",
}


@pytest.fixture(scope="module")
def orders():
    rows = [(cid, day) for cid, days in HISTORIES.items() for day in days]
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True) + pd.Timedelta(hours=13)
    frame["amount"] = 10.0
    return engine.read_table(frame)


@pytest.fixture(scope="module")
def customers():
    ids = [*HISTORIES, "prospect", "not_yet"]
    acquired = ["2020-01-01"] * len(HISTORIES) + ["2024-06-01", "2025-02-01"]
    return engine.read_table(
        pd.DataFrame({"customer_id": ids, "acquired_at": pd.to_datetime(acquired).date})
    )


def test_every_stage_rule(orders, customers, duck) -> None:
    out = engine.to_pandas(lifecycle.stage_at(orders, AS_OF, customers=customers), duck)
    stages = dict(zip(out["customer_id"], out["stage"], strict=True))
    assert stages == EXPECTED  # "not_yet" is acquired after the date: not a prospect yet
    row = out.set_index("customer_id").loc["at_risk"]
    assert (row.silence_days, row.rhythm_days, row.at_risk_after_days) == (61, 10.0, 30.0)
    assert row.lapsed_after_days == 90.0


def test_rules_are_configurable(orders, duck) -> None:
    strict = LifecycleRules(
        at_risk_factor=1.0, min_at_risk_days=20, loyal_min_purchases=3, loyal_min_tenure_days=30
    )
    out = engine.to_pandas(lifecycle.stage_at(orders, AS_OF, rules=strict), duck)
    stages = dict(zip(out["customer_id"], out["stage"], strict=True))
    assert stages["repeat"] == "loyal"  # 3 purchases over 61 days
    assert stages["daily"] == "at_risk"  # 26 days > max(1 × 1, 20)
    workspace = SimpleNamespace(settings={"lifecycle": {"at_risk_factor": "1.5"}})
    assert LifecycleRules.from_workspace(workspace).at_risk_factor == 1.5
    with pytest.raises(InputError, match="unknown lifecycle setting 'risk'"):
        LifecycleRules.from_workspace(SimpleNamespace(settings={"lifecycle": {"risk": 1}}))


def test_stage_at_an_earlier_date(orders, duck) -> None:
    out = engine.to_pandas(lifecycle.stage_at(orders, "2023-03-15"), duck)
    stages = dict(zip(out["customer_id"], out["stage"], strict=True))
    # slow_gone: one purchase in 2020 (lapsed after 360 days), back in January 2022,
    # silent 438 days since — under the 730-day cap, so still counted as won back.
    assert stages == {"slow_gone": "won_back", "won_back": "repeat"}


def test_transition_matrix_matches_two_snapshots(orders, customers, duck) -> None:
    start, end = "2024-06-30", AS_OF
    matrix = engine.to_pandas(
        lifecycle.transition_matrix(orders, start, end, customers=customers), duck
    )
    before = engine.to_pandas(lifecycle.stage_at(orders, start, customers=customers), duck)
    after = engine.to_pandas(lifecycle.stage_at(orders, end, customers=customers), duck)
    both = after.merge(before, on="customer_id", how="left", suffixes=("_to", "_from"))
    both["stage_from"] = both["stage_from"].fillna("prospect")
    expected = both.groupby(["stage_from", "stage_to"]).size().to_dict()
    got = {
        (f, t): n
        for f, t, n in matrix[["from_stage", "to_stage", "customers"]].itertuples(index=False)
    }
    assert got == expected
    assert got[("prospect", "new")] == 1  # bought for the first time in December
    assert got[("lapsed", "won_back")] == 1
    assert matrix["customers"].sum() == 12


def test_cohort_retention_matches_pandas(cdnow_master, duck) -> None:
    out = engine.to_pandas(
        lifecycle.cohort_retention(engine.read_table(cdnow_master), period="M"), duck
    )
    tx = cdnow_master.assign(
        month=cdnow_master["ordered_at"].dt.tz_localize(None).dt.to_period("M")
    )
    first = tx.groupby("customer_id")["month"].min().rename("cohort")
    tx = tx.join(first, on="customer_id")
    tx["period"] = (tx["month"] - tx["cohort"]).apply(lambda d: d.n)
    active = tx.groupby(["cohort", "period"])["customer_id"].nunique()
    size = first.value_counts()
    expected = (active / active.index.get_level_values("cohort").map(size).to_numpy()).rename(
        "retention"
    )
    assert len(out) == len(expected) == 3 * 18 - 3  # Jan..Mar cohorts, up to June 1998
    assert out.groupby("cohort")["cohort_size"].first().tolist() == [7846, 8476, 7248]
    got = out.assign(cohort=pd.to_datetime(out["cohort"]).dt.to_period("M")).set_index(
        ["cohort", "period"]
    )["retention"]
    np.testing.assert_allclose(
        got.sort_index().to_numpy(), expected.sort_index().to_numpy(), rtol=0, atol=1e-15
    )
    assert (out[out["period"] == 0]["retention"] == 1.0).all()


def test_weekly_cohorts_start_on_monday(duck) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "ordered_at": pd.to_datetime(["2024-01-03", "2024-01-08", "2024-01-07"], utc=True),
        }
    )
    out = engine.to_pandas(lifecycle.cohort_retention(engine.read_table(frame), period="W"), duck)
    assert out["cohort"].astype(str).tolist() == ["2024-01-01", "2024-01-01"]
    assert out["period"].tolist() == [0, 1]
    assert out["active"].tolist() == [2, 1]
    with pytest.raises(InputError, match="unknown period 'X'"):
        lifecycle.cohort_retention(engine.read_table(frame), period="X")
