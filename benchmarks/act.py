"""Benchmark: 20 rules over 1,000,000 customers, vectorised vs a per-customer Python loop.

Run by hand: ``.venv/bin/python benchmarks/act.py [--customers 1000000] [--sample 50000]``.
The customer table is synthetic (the same columns ``customer_features`` builds from the
store). Timed for the vectorised path: the date features (next birthday/anniversary,
age) and the evaluation of all 20 rules. The naive loop — each customer a dict, each rule
interpreted condition by condition, dates computed with ``datetime`` — runs on a random
subsample and is extrapolated linearly to the full table (it is said so in the output);
its matches are checked to be identical to the vectorised ones on that subsample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import operator
import time

import numpy as np
import pandas as pd

from patron.act.evaluate import add_date_features, evaluate_rules
from patron.act.rules import parse_rules

TODAY = dt.date(2026, 11, 1)

RULES = [
    {
        "code": "r01-birthday-lapsed-vip",
        "trigger": {"schedule": "birthday", "within_days": 7},
        "when": [
            {"field": "days_since_last_order", "op": ">=", "value": 730},
            {"field": "total_spend", "op": ">=", "value": 3000},
        ],
    },
    {
        "code": "r02-birthday-all",
        "trigger": {"schedule": "birthday", "within_days": 0},
        "when": [{"field": "consent_email", "op": "==", "value": True}],
    },
    {
        "code": "r03-anniversary",
        "trigger": {"schedule": "anniversary", "within_days": 14},
        "when": [{"field": "orders_count", "op": ">=", "value": 2}],
    },
    {
        "code": "r04-first-purchase-30",
        "trigger": {"schedule": "first_purchase", "days": 30},
        "when": [{"field": "orders_count", "op": "==", "value": 1}],
    },
    {"code": "r05-first-purchase-7", "trigger": {"schedule": "first_purchase", "days": 7}},
    {
        "code": "r06-at-risk-high-clv",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "score.churn_risk", "op": ">=", "value": 0.6},
            {"field": "score.clv", "op": ">=", "value": 500},
        ],
    },
    {
        "code": "r07-lost-champions",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "score.rfm_segment.label", "op": "in", "value": ["Champions", "Loyal"]},
            {"field": "days_since_last_order", "op": ">", "value": 365},
        ],
    },
    {
        "code": "r08-overdue-complaints",
        "trigger": {"schedule": "daily"},
        "when": [{"field": "complaints_overdue", "op": ">", "value": 0}],
    },
    {
        "code": "r09-big-spender-thai",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "country", "op": "==", "value": "TH"},
            {"field": "spend_365d", "op": ">", "value": 2000},
        ],
    },
    {
        "code": "r10-young-lapsed",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "age", "op": "between", "value": [18, 30]},
            {"field": "days_since_last_order", "op": "between", "value": [180, 365]},
        ],
    },
    {
        "code": "r11-no-consent-high-value",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "consent_email", "op": "==", "value": False},
            {"field": "total_spend", "op": ">", "value": 5000},
        ],
    },
    {
        "code": "r12-city-match",
        "trigger": {"schedule": "daily"},
        "when": [{"field": "city", "op": "contains", "value": "bang"}],
        "any": [
            {"field": "orders_365d", "op": ">=", "value": 3},
            {"field": "score.clv", "op": ">", "value": 1500},
        ],
    },
    {
        "code": "r13-low-satisfaction",
        "trigger": {"schedule": "daily"},
        "when": [{"field": "score.csi_satisfaction", "op": "<", "value": 50}],
    },
    {
        "code": "r14-missing-email",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "email", "op": "is_null"},
            {"field": "orders_count", "op": ">", "value": 3},
        ],
    },
    {
        "code": "r15-not-cn-us",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "country", "op": "not_in", "value": ["CN", "US"]},
            {"field": "avg_order_value", "op": ">", "value": 400},
        ],
    },
    {
        "code": "r16-p-alive-low",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "score.p_alive", "op": "<", "value": 0.2},
            {"field": "orders_count", "op": ">=", "value": 3},
        ],
    },
    {
        "code": "r17-many-complaints",
        "trigger": {"schedule": "daily"},
        "when": [{"field": "complaints_365d", "op": ">=", "value": 2}],
    },
    {
        "code": "r18-birthday-month-vip",
        "trigger": {"schedule": "birthday", "within_days": 30},
        "when": [{"field": "score.rfm_segment.label", "op": "==", "value": "Champions"}],
    },
    {
        "code": "r19-new-this-month",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "days_since_first_order", "op": "<=", "value": 30},
            {"field": "spend_365d", "op": ">=", "value": 500},
        ],
    },
    {
        "code": "r20-churn-not-risky-label",
        "trigger": {"schedule": "daily"},
        "when": [
            {"field": "score.churn_risk", "op": ">", "value": 0.8},
            {"field": "score.rfm_segment.label", "op": "!=", "value": "Lost"},
        ],
    },
]
for _rule in RULES:
    _rule["action"] = {"channel": "list"}


def synthetic_customers(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    today = pd.Timestamp(TODAY)
    orders = rng.poisson(2.0, n).astype(float)
    first = rng.integers(0, 2500, n).astype(float)
    last = np.minimum(first, rng.integers(0, 1500, n)).astype(float)
    first[orders == 0] = np.nan
    last[orders == 0] = np.nan
    spend = np.round(orders * rng.gamma(2.0, 300.0, n), 2)
    cities = np.array(["Bangkok", "Shanghai", "Hong Kong", "London", "Chiang Mai", "Beijing"])
    frame = pd.DataFrame(
        {
            "customer_pk": np.arange(1, n + 1),
            "customer_id": pd.Series(np.arange(n)).map("C{:07d}".format),
            "email": np.where(rng.random(n) < 0.9, "x@example.com", None),
            "consent_email": rng.random(n) < 0.85,
            "country": rng.choice(np.array(["TH", "CN", "US", "GB", "HK"]), n),
            "city": rng.choice(cities, n),
            "orders_count": orders,
            "total_spend": spend,
            "avg_order_value": np.where(orders > 0, spend / np.maximum(orders, 1), np.nan),
            "orders_365d": rng.poisson(0.8, n).astype(float),
            "spend_365d": np.round(rng.gamma(1.2, 600.0, n), 2),
            "days_since_first_order": first,
            "days_since_last_order": last,
            "first_order_at": today - pd.to_timedelta(first, unit="D"),
            "birthday": pd.Timestamp("1950-01-01")
            + pd.to_timedelta(rng.integers(0, 20000, n), unit="D"),
            "anniversary": (
                pd.Timestamp("1990-01-01") + pd.to_timedelta(rng.integers(0, 12000, n), unit="D")
            ).where(rng.random(n) < 0.2),
            "complaints_overdue": rng.binomial(1, 0.01, n).astype(float),
            "complaints_365d": rng.poisson(0.2, n).astype(float),
            "score.churn_risk": np.where(rng.random(n) < 0.1, np.nan, rng.beta(2, 3, n)),
            "score.clv": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(1.5, 600.0, n)),
            "score.p_alive": rng.random(n),
            "score.csi_satisfaction": np.where(
                rng.random(n) < 0.7, np.nan, rng.uniform(20, 100, n)
            ),
            "score.rfm_segment.label": rng.choice(
                np.array(["Champions", "Loyal", "At risk", "Lost", "New"], dtype=object), n
            ),
        }
    )
    return frame.set_index("customer_pk", drop=False)


# ----------------------------------------------------------- the naive loop

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _next(date_value, today: dt.date):
    if _missing(date_value):
        return None
    month, day = date_value.month, date_value.day
    for year in (today.year, today.year + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        d = 28 if (month, day) == (2, 29) and not leap else day
        candidate = dt.date(year, month, d)
        if candidate >= today:
            return candidate
    return None


def _holds(row: dict, cond) -> bool:
    value = row.get(cond.field)
    if cond.op == "is_null":
        return _missing(value)
    if cond.op == "not_null":
        return not _missing(value)
    if _missing(value):
        return False
    if cond.op == "in":
        return value in cond.value
    if cond.op == "not_in":
        return value not in cond.value
    if cond.op == "between":
        return cond.value[0] <= value <= cond.value[1]
    if cond.op == "contains":
        return str(cond.value).lower() in str(value).lower()
    return _OPS[cond.op](value, cond.value)


def naive(frame: pd.DataFrame, rules, today: dt.date) -> list[tuple[str, int]]:
    out = []
    for row in frame.to_dict("records"):
        birthday = row["birthday"]
        if not _missing(birthday):
            born = birthday.date()
            had = (born.month, born.day) <= (today.month, today.day)
            row["age"] = float(today.year - born.year - (0 if had else 1))
        days = {}
        for kind in ("birthday", "anniversary"):
            upcoming = _next(row[kind], today)
            days[kind] = None if upcoming is None else (upcoming - today).days
        for rule in rules:
            name = rule.trigger["schedule"]
            if name in ("birthday", "anniversary"):
                d = days[name]
                if d is None or d > rule.trigger["within_days"]:
                    continue
            elif name == "first_purchase":
                if row["days_since_first_order"] != rule.trigger["days"]:
                    continue
            if not all(_holds(row, c) for c in rule.when):
                continue
            if rule.any_of and not any(_holds(row, c) for c in rule.any_of):
                continue
            out.append((rule.code, row["customer_pk"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    args = parser.parse_args()
    rules = parse_rules(RULES)
    assert len(rules) == 20

    t0 = time.perf_counter()
    frame = synthetic_customers(args.customers)
    built = time.perf_counter() - t0

    t0 = time.perf_counter()
    add_date_features(frame, TODAY)
    matches = evaluate_rules(rules, frame, TODAY)
    vectorised = time.perf_counter() - t0

    sample = frame.sample(n=min(args.sample, len(frame)), random_state=0)
    raw = sample.drop(
        columns=[
            "age",
            "next_birthday",
            "days_to_birthday",
            "next_anniversary",
            "days_to_anniversary",
        ]
    )
    t0 = time.perf_counter()
    naive_matches = naive(raw, rules, TODAY)
    naive_sample = time.perf_counter() - t0
    naive_full = naive_sample * len(frame) / len(sample)

    sampled = set(sample["customer_pk"])
    vector_on_sample = {
        (c, int(p))
        for c, p in zip(matches["rule_code"], matches["customer_pk"], strict=True)
        if p in sampled
    }
    agree = vector_on_sample == {(c, int(p)) for c, p in naive_matches}

    print(
        f"customers: {len(frame):,}   rules: {len(rules)}   (synthetic table built in {built:.1f} s)"
    )
    print(
        f"matches: {len(matches):,}   per rule: min {matches['rule_code'].value_counts().min():,}"
        f", max {matches['rule_code'].value_counts().max():,}"
    )
    print(f"vectorised (date features + 20 rules): {vectorised:.2f} s")
    print(
        f"naive per-customer loop: {naive_sample:.2f} s on a {len(sample):,}-customer subsample;"
        f" extrapolated linearly to {len(frame):,}: {naive_full:.1f} s"
    )
    print(
        f"speed-up: {naive_full / vectorised:.0f}x   "
        f"same matches on the subsample: {'yes' if agree else 'NO'}"
    )
    print(f"target < 30 s: {'met' if vectorised < 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
