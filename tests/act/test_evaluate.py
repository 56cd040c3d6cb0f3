"""Rule evaluation is vectorised and agrees with a plain per-customer reading of the rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from patron.act.evaluate import add_date_features, condition_mask, evaluate_rules, next_occurrence
from patron.act.rules import Condition, parse_rule

TODAY = dt.date(2026, 11, 1)


def test_next_occurrence_handles_year_end_and_leap_days() -> None:
    dates = pd.Series(
        pd.to_datetime(["1975-11-06", "1980-10-31", "1992-02-29", None, "2000-11-01"])
    )
    got = next_occurrence(dates, TODAY)
    assert list(got.dt.strftime("%Y-%m-%d").fillna("-")) == [
        "2026-11-06",
        "2027-10-31",
        "2027-02-28",
        "-",
        "2026-11-01",
    ]
    leap = next_occurrence(pd.Series(pd.to_datetime(["1992-02-29"])), dt.date(2028, 1, 1))
    assert leap.iloc[0] == pd.Timestamp("2028-02-29")


def _frame(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_pk": np.arange(1, n + 1),
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "consent_email": rng.random(n) < 0.7,
            "country": rng.choice(["TH", "CN", None], n),
            "total_spend": np.round(rng.gamma(2, 800, n), 2),
            "orders_count": rng.integers(0, 6, n).astype(float),
            "days_since_last_order": np.where(
                rng.random(n) < 0.1, np.nan, rng.integers(0, 1500, n)
            ),
            "days_since_first_order": rng.integers(0, 60, n).astype(float),
            "first_order_at": pd.Timestamp(TODAY) - pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "birthday": pd.to_datetime("1970-01-01")
            + pd.to_timedelta(rng.integers(0, 15000, n), "D"),
            "anniversary": pd.NaT,
            "score.churn_risk": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
            "score.rfm_segment.label": rng.choice(["Champions", "At risk", "Lost", None], n),
        }
    ).set_index("customer_pk", drop=False)
    return add_date_features(frame, TODAY)


RULES = [
    parse_rule(d)
    for d in [
        {
            "code": "bday",
            "trigger": {"schedule": "birthday", "within_days": 7},
            "when": [
                {"field": "days_since_last_order", "op": ">=", "value": 730},
                {"field": "total_spend", "op": ">=", "value": 1000},
            ],
            "action": {"channel": "email", "template": "birthday"},
        },
        {
            "code": "risk",
            "trigger": {"schedule": "daily"},
            "when": [{"field": "score.churn_risk", "op": ">=", "value": 0.6}],
            "any": [
                {"field": "score.rfm_segment.label", "op": "in", "value": ["At risk", "Lost"]},
                {"field": "country", "op": "==", "value": "TH"},
            ],
            "action": {"channel": "list"},
        },
        {
            "code": "first",
            "trigger": {"schedule": "first_purchase", "days": 30},
            "when": [{"field": "orders_count", "op": "==", "value": 1}],
            "action": {"channel": "list"},
        },
        {
            "code": "noconsent",
            "trigger": {"schedule": "daily"},
            "when": [
                {"field": "consent_email", "op": "==", "value": False},
                {"field": "country", "op": "not_in", "value": ["CN"]},
            ],
            "action": {"channel": "list"},
        },
    ]
]


def _naive(frame: pd.DataFrame) -> set[tuple[str, int]]:
    """The same rules, one customer at a time, written the obvious way."""
    out = set()
    for row in frame.to_dict("records"):

        def ok(value, test):
            return value is not None and value == value and test(value)

        bday_days = row["days_to_birthday"]
        if (
            ok(bday_days, lambda d: 0 <= d <= 7)
            and ok(row["days_since_last_order"], lambda d: d >= 730)
            and row["total_spend"] >= 1000
        ):
            out.add(("bday", row["customer_pk"]))
        if ok(row["score.churn_risk"], lambda r: r >= 0.6) and (
            row["score.rfm_segment.label"] in ("At risk", "Lost") or row["country"] == "TH"
        ):
            out.add(("risk", row["customer_pk"]))
        if row["days_since_first_order"] == 30 and row["orders_count"] == 1:
            out.add(("first", row["customer_pk"]))
        if not row["consent_email"] and ok(row["country"], lambda c: c != "CN"):
            out.add(("noconsent", row["customer_pk"]))
    return out


def test_vectorised_evaluation_matches_a_per_customer_loop() -> None:
    frame = _frame()
    matches = evaluate_rules(RULES, frame, TODAY)
    got = set(zip(matches["rule_code"], matches["customer_pk"].astype(int), strict=True))
    expected = _naive(frame)
    assert got == expected
    counts = matches["rule_code"].value_counts().to_dict()
    assert all(counts.get(r.code, 0) > 0 for r in RULES), counts
    # Birthday matches carry the upcoming birthday as their occurrence.
    bday = matches[matches["rule_code"] == "bday"].iloc[0]
    assert bday["occurrence"] == frame.loc[bday["customer_pk"], "next_birthday"].strftime(
        "%Y-%m-%d"
    )


def test_missing_values_never_match_and_missing_scores_match_nobody() -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan], "country": ["TH", None]})
    assert condition_mask(frame, Condition("x", "<", 5)).tolist() == [True, False]
    assert condition_mask(frame, Condition("x", "!=", 5)).tolist() == [True, False]
    assert condition_mask(frame, Condition("country", "contains", "t")).tolist() == [True, False]
    assert condition_mask(frame, Condition("country", "is_null")).tolist() == [False, True]
    assert condition_mask(frame, Condition("score.clv", ">", 0)).tolist() == [False, False]
