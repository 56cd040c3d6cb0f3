"""Next best action: expected value = P(respond) × value kept − cost, explained in words."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from act_factories import AS_OF, add_customers, oriental_guest

from patron.act.next_best_action import next_best_actions, rank_actions
from patron.collect.scores import write_scores


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_pk": [1, 2, 3],
            "customer_id": ["risky", "safe", "unscored"],
            "consent_email": [True, True, False],
            "days_to_birthday": [30.0, 5.0, np.nan],
            "total_spend": [0.0, 0.0, 1200.0],
            "days_since_first_order": [900.0, 100.0, 1461.0],
            "days_since_last_order": [500.0, 10.0, 365.0],
            "score.clv": [2000.0, 1000.0, np.nan],
            "score.churn_risk": [0.8, 0.01, np.nan],
        }
    ).set_index("customer_pk", drop=False)


def test_ranking_and_expected_values() -> None:
    ranked = rank_actions(_frame(), top=5, currency="$")
    risky = ranked[ranked["customer_id"] == "risky"].set_index("action")
    # value kept = 0.8 × 2000 = 1600; call: 0.25 × 1600 − 15 = 385.
    assert risky.loc["personal_call", "expected_value"] == pytest.approx(385.0)
    assert risky.loc["voucher", "expected_value"] == pytest.approx(0.15 * 1600 - 8)
    assert risky.loc["email_offer", "expected_value"] == pytest.approx(0.05 * 1600 - 0.2)
    assert "birthday_card" not in risky.index  # birthday not within 14 days
    assert list(risky.sort_values("rank").index[:2]) == ["personal_call", "voucher"]
    assert risky.loc["personal_call", "explanation"] == (
        "Personal call from a manager: 25% chance to respond × $1,600 at stake (churn risk 80% "
        "of a lifetime value of $2,000) − cost $15 = expected value $385."
    )
    # A safe customer: value kept 10; the card (EV 1) and the e-mail (EV 0.3) beat doing
    # nothing, the call and the voucher cost more than they keep.
    safe = ranked[ranked["customer_id"] == "safe"].sort_values("rank")
    assert list(safe["action"]) == [
        "birthday_card",
        "email_offer",
        "do_nothing",
        "voucher",
        "personal_call",
    ]
    assert safe.iloc[2]["explanation"].startswith("Do nothing")
    # No scores: the proxies are named in the explanation; no consent, no e-mail offer.
    unscored = ranked[ranked["customer_id"] == "unscored"].set_index("action")
    assert "email_offer" not in unscored.index
    # Proxies: CLV = 1,200 over 4 years = 300 a year; risk = 365 / 730 days = 0.5.
    assert unscored.loc["personal_call", "value_kept"] == pytest.approx(300 * 0.5)
    assert (
        "average yearly spend used as the lifetime value"
        in unscored.loc["personal_call", "explanation"]
    )
    assert (
        "churn risk estimated from the days since the last purchase"
        in unscored.loc["personal_call", "explanation"]
    )


def test_next_best_actions_read_scores_from_the_store(sqlite_workspace) -> None:
    url = sqlite_workspace.database_url
    add_customers(url, [oriental_guest(AS_OF)])
    write_scores(
        url,
        pd.DataFrame(
            {
                "customer_id": ["H-ORIENTAL"] * 2,
                "metric": ["clv", "churn_risk"],
                "value": [6000.0, 0.7],
            }
        ),
        as_of=AS_OF - dt.timedelta(days=1),
    )
    ranked = next_best_actions(sqlite_workspace, AS_OF, top=2)
    best = ranked.iloc[0]
    assert best["action"] == "personal_call"
    assert best["value_kept"] == pytest.approx(4200.0)
    assert best["expected_value"] == pytest.approx(0.25 * 4200 - 15)
    assert ranked.iloc[1]["action"] == "birthday_card"  # birthday in five days


def test_lapsed_guest_without_scores_is_still_worth_a_card(sqlite_workspace) -> None:
    add_customers(sqlite_workspace.database_url, [oriental_guest(AS_OF)])
    ranked = next_best_actions(sqlite_workspace, AS_OF, top=3).set_index("action")
    # 6,300 spent over 4.1 years ≈ 1,534 a year, risk 1 (three years away).
    spent, years = 6300.0, (365 * 3 + 400) / 365.25
    assert ranked.loc["personal_call", "value_kept"] == pytest.approx(spent / years)
    assert ranked.loc["birthday_card", "expected_value"] == pytest.approx(0.2 * spent / years - 1)
    assert ranked.loc["personal_call", "rank"] == 1
