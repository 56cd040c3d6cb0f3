"""Loyalty types, one hand-made customer per rule, and the five-measure scorecard."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from patron.analyze import engine, loyalty
from patron.analyze.features import customer_features
from patron.analyze.loyalty import LoyaltyRules
from patron.core.i18n import language
from patron.exceptions import InputError

AS_OF = "2024-12-31"
REGULAR = ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"]


def _orders() -> pd.DataFrame:
    rows = []

    def add(cid, days, *, discount=0.0, locations=("x", "y", "z", "w")):
        for k, day in enumerate(days):
            rows.append((cid, day, 100.0, discount, locations[k % len(locations)]))

    add("premium", REGULAR)
    add("incentive", REGULAR, discount=40.0)
    add("convenience", REGULAR, locations=("x",))
    add("inertia", REGULAR)
    add("habit", REGULAR)  # no survey at all
    add("gone_regular", ["2022-03-01", "2022-06-01", "2022-09-01", "2022-12-01"])
    add("latent", ["2024-05-01"])
    add("price_discount", ["2024-05-01"], discount=50.0)
    add("price_detractor", ["2024-05-01"])
    add("unknown", ["2024-05-01"])
    frame = pd.DataFrame(
        rows, columns=["customer_id", "ordered_at", "amount", "discount", "location"]
    )
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True)
    return frame


def _responses() -> pd.DataFrame:
    when = pd.Timestamp("2024-10-01", tz="UTC")
    rows = [
        ("premium", "SAT1", "satisfaction", 9.0),
        ("premium", "NPS", "recommendation", 10.0),
        ("inertia", "SAT1", "satisfaction", 4.0),
        ("latent", "NPS", "recommendation", 10.0),
        ("price_detractor", "NPS", "recommendation", 3.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "item_code", "construct", "value"])
    frame["responded_at"] = when
    return frame


@pytest.fixture(scope="module")
def types(duck):
    def run(rules=None):
        feats = customer_features(engine.read_table(_orders()), as_of=AS_OF)
        attach = loyalty.attachment(engine.read_table(_responses()))
        expr = loyalty.loyalty_types(feats, attachment_table=attach, rules=rules)
        out = engine.to_pandas(expr, duck)
        return loyalty.explain_loyalty(out).set_index("customer_id")

    return run


def test_every_loyalty_type_rule(types) -> None:
    out = types()
    assert out["loyalty_type"].to_dict() == {
        "premium": "premium",
        "incentive": "incentive",
        "convenience": "convenience",
        "inertia": "inertia",
        "habit": "inertia",
        "gone_regular": "none",
        "latent": "latent",
        "price_discount": "price",
        "price_detractor": "price",
        "unknown": "none",
    }
    assert out.loc["premium", "attachment"] == "high"
    assert out.loc["premium", "satisfaction"] == pytest.approx(800 / 9)
    assert out.loc["inertia", "attachment"] == "low"
    assert out.loc["habit", "attachment"] == "unknown"
    assert out.loc["incentive", "discount_share"] == pytest.approx(0.4)
    assert bool(out.loc["gone_regular", "high_repeat"]) is False  # silent > 365 days


def test_reasons_are_words_with_the_facts(types) -> None:
    out = types()
    assert out.loc["premium", "reason"] == (
        "buys often (4 purchase days, last 30 days ago) and is attached "
        "(satisfaction 89 of 100, would recommend 10 of 10)"
    )
    assert "40% of spend is discounted" in out.loc["incentive", "reason"]
    assert "100% of orders at one place" in out.loc["convenience", "reason"]
    assert "no survey answer" in out.loc["habit", "reason"]
    assert "would recommend 3 of 10" in out.loc["price_detractor", "reason"]
    assert out.loc["gone_regular", "reason"] == (
        "no longer buys (4 purchase days, last 761 days ago), no survey answer"
    )
    with language("zh_CN"):
        text = loyalty.reason_for(
            out.reset_index().set_index("customer_id").loc["latent"].to_dict()
            | {"purchase_days": 1}
        )
    assert "推荐意愿 10/10" in text


def test_monopoly_and_thresholds_are_configurable(types) -> None:
    out = types(LoyaltyRules(no_alternative=True))
    assert out.loc["inertia", "loyalty_type"] == "monopoly"
    assert out.loc["habit", "loyalty_type"] == "monopoly"
    assert out.loc["convenience", "loyalty_type"] == "convenience"
    relaxed = types(LoyaltyRules(repeat_min_purchases=1, incentive_discount_share=0.5))
    assert relaxed.loc["latent", "loyalty_type"] == "premium"
    assert relaxed.loc["incentive", "loyalty_type"] == "inertia"
    assert relaxed.loc["price_discount", "loyalty_type"] == "incentive"
    ws = SimpleNamespace(settings={"loyalty": {"no_alternative": True, "high_satisfaction": 70}})
    rules = LoyaltyRules.from_workspace(ws)
    assert rules.no_alternative is True and rules.high_satisfaction == 70.0
    with pytest.raises(InputError, match="unknown loyalty setting 'premium'"):
        LoyaltyRules.from_workspace(SimpleNamespace(settings={"loyalty": {"premium": 1}}))


def test_scorecard_five_measures(duck) -> None:
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "a", "c", "b"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-02-01",
                    "2024-03-01",
                    "2024-04-02",
                    "2024-05-05",
                    "2024-10-01",
                ],
                utc=True,
            ),
        }
    )
    responses = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c"],
            "responded_at": pd.to_datetime(
                ["2024-01-10", "2024-01-10", "2024-02-10", "2024-05-10", "2024-05-10"], utc=True
            ),
            "item_code": ["SAT1", "NPS", "NPS", "NPS", "SOW"],
            "value": [10.0, 10.0, 5.0, 9.0, 40.0],
        }
    )
    card = engine.to_pandas(
        loyalty.scorecard(
            engine.read_table(orders), responses=engine.read_table(responses), period="Q"
        ),
        duck,
    )
    assert card["period_start"].astype(str).str[:10].tolist() == [
        "2024-01-01",
        "2024-04-01",
        "2024-10-01",
    ]
    assert card["active"].tolist() == [2, 2, 1]
    assert card["new_customers"].tolist() == [2, 1, 0]
    assert card["retained"].tolist() == [0, 1, 0]
    assert pd.isna(card.loc[0, "retention"]) and card.loc[1, "retention"] == 0.5
    assert pd.isna(card.loc[2, "retention"])  # nobody bought in Q3
    assert card["purchases"].tolist() == [3, 2, 1]
    assert card["repeat_purchases"].tolist() == [1, 1, 1]
    assert card.loc[0, "satisfaction"] == 100.0
    assert card.loc[0, "nps"] == 0.0  # one promoter, one detractor
    assert card.loc[1, "nps"] == 100.0
    assert card.loc[1, "share_of_wallet"] == 40.0
    assert card["responses"].tolist() == [2, 1, 0]
    without = engine.to_pandas(loyalty.scorecard(engine.read_table(orders), period="Y"), duck)
    assert without["active"].tolist() == [3] and without["nps"].isna().all()
