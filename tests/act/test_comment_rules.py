"""A rule triggered by what a comment says: a negative comment about cleanliness makes a task."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from act_factories import AS_OF, add_customers

from patron.act.evaluate import evaluate_workspace
from patron.act.rules import parse_rules
from patron.collect.store.db import open_store
from patron.collect.store.models import Complaint, Interaction, SurveyResponse
from patron.exceptions import InputError

NOON = dt.datetime.combine(AS_OF, dt.time(12), dt.UTC)


def test_negative_cleanliness_comment_makes_a_task(workspace) -> None:
    url = workspace.database_url
    keys = add_customers(url, [{"customer_id": c, "name": c} for c in "ABCDE"])
    with open_store(url).begin() as conn:
        conn.execute(
            sa.insert(SurveyResponse),
            [
                {"response_id": "R1", "customer_pk": keys["A"], "responded_at": NOON,
                 "item_code": "comment", "text_value": "房间很脏，床单有污渍"},
                {"response_id": "R2", "customer_pk": keys["B"], "responded_at": NOON,
                 "item_code": "comment", "text_value": "房间很干净，但是早餐太差"},
                {"response_id": "R3", "customer_pk": keys["C"],
                 "responded_at": NOON - dt.timedelta(days=9),
                 "item_code": "comment", "text_value": "The bathroom was filthy"},
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(Complaint),
            [{"complaint_id": "K1", "content_hash": "k1", "customer_pk": keys["D"],
              "opened_at": NOON, "status": "open", "description": "Dirty towels and a stained carpet"}],
        )  # fmt: skip
        conn.execute(
            sa.insert(Interaction),
            [{"interaction_id": "I1", "content_hash": "i1", "customer_pk": keys["E"],
              "occurred_at": NOON, "summary": "Guest praised the spotless room"}],
        )  # fmt: skip
    rules = parse_rules(
        [
            {
                "code": "dirty",
                "trigger": {"event": "comment", "sentiment": "negative", "aspect": "cleanliness",
                            "lookback_days": 3},
                "action": {"channel": "task", "title": "Housekeeping follow-up"},
            },
            {
                "code": "unhappy",
                "trigger": {"event": "comment", "sentiment": "negative", "lookback_days": 3},
                "action": {"channel": "list"},
            },
        ]
    )  # fmt: skip
    matches = evaluate_workspace(workspace, rules, AS_OF)
    names = {v: k for k, v in keys.items()}
    by_rule = {
        code: sorted(group["customer_pk"].map(names))
        for code, group in matches.groupby("rule_code")
    }
    # C's comment is older than the window; B praised cleanliness; E was positive
    assert by_rule["dirty"] == ["A", "D"]
    assert by_rule["unhappy"] == ["A", "B", "D"]


def test_comment_rule_errors_name_the_key() -> None:
    with pytest.raises(InputError, match="trigger.aspect.*cleanliness"):
        parse_rules([{"code": "x", "trigger": {"event": "comment", "aspect": "casino"},
                      "action": {"channel": "list"}}])  # fmt: skip
    with pytest.raises(InputError, match="trigger.sentiment"):
        parse_rules([{"code": "x", "trigger": {"event": "comment", "sentiment": "angry"},
                      "action": {"channel": "list"}}])  # fmt: skip
