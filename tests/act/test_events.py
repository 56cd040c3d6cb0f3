"""Event triggers read from the store: overdue complaints, low survey answers, purchases and
stage changes; conditions on the latest scores."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from act_factories import AS_OF, add_customers

from patron.act.evaluate import customer_features, evaluate_workspace
from patron.act.rules import parse_rules
from patron.collect.scores import write_scores
from patron.collect.store.db import open_store
from patron.collect.store.models import Complaint, SurveyResponse

NOON = dt.datetime.combine(AS_OF, dt.time(12), dt.UTC)

RULES = parse_rules(
    [
        {
            "code": "sla",
            "trigger": {"event": "complaint_overdue"},
            "action": {"channel": "task", "title": "Escalate"},
        },
        {
            "code": "nps",
            "trigger": {"event": "survey_below", "item": "NPS", "below": 7},
            "action": {"channel": "task", "title": "Call back"},
        },
        {
            "code": "buy",
            "trigger": {"event": "purchase", "min_amount": 100, "lookback_days": 2},
            "when": [{"field": "orders_count", "op": ">=", "value": 2}],
            "action": {"channel": "list"},
        },
        {
            "code": "stage",
            "trigger": {"event": "stage_change", "to": "at risk", "lookback_days": 7},
            "action": {"channel": "list"},
        },
        {
            "code": "risky",
            "trigger": {"schedule": "daily"},
            "when": [{"field": "score.churn_risk", "op": ">", "value": 0.5}],
            "action": {"channel": "list"},
        },
    ]
)


def test_event_rules_pick_the_right_customers(workspace) -> None:
    url = workspace.database_url
    keys = add_customers(
        url,
        [
            {
                "customer_id": "A",
                "name": "A",
                "orders": [(AS_OF - dt.timedelta(days=90), 50.0), (AS_OF, 150.0)],
            },
            {"customer_id": "B", "name": "B", "orders": [(AS_OF, 500.0)]},  # first order only
            {
                "customer_id": "C",
                "name": "C",
                "orders": [
                    (AS_OF - dt.timedelta(days=30), 80.0),
                    (AS_OF - dt.timedelta(days=1), 60.0),
                ],
            },
            {"customer_id": "D", "name": "D"},
        ],
    )
    with open_store(url).begin() as conn:
        conn.execute(
            sa.insert(Complaint),
            [
                {
                    "complaint_id": "K1",
                    "content_hash": "k1",
                    "customer_pk": keys["A"],
                    "opened_at": NOON - dt.timedelta(days=3),
                    "status": "open",
                    "sla_due_at": NOON - dt.timedelta(days=1),
                },
                {
                    "complaint_id": "K2",
                    "content_hash": "k2",
                    "customer_pk": keys["B"],
                    "opened_at": NOON - dt.timedelta(days=3),
                    "status": "resolved",
                    "sla_due_at": NOON - dt.timedelta(days=1),
                },
                {
                    "complaint_id": "K3",
                    "content_hash": "k3",
                    "customer_pk": keys["C"],
                    "opened_at": NOON,
                    "status": "open",
                    "sla_due_at": NOON + dt.timedelta(days=2),
                },
            ],
        )
        conn.execute(
            sa.insert(SurveyResponse),
            [
                {
                    "response_id": "R1",
                    "customer_pk": keys["B"],
                    "responded_at": NOON,
                    "item_code": "NPS",
                    "value": 3.0,
                },
                {
                    "response_id": "R2",
                    "customer_pk": keys["C"],
                    "responded_at": NOON,
                    "item_code": "NPS",
                    "value": 9.0,
                },
                {
                    "response_id": "R3",
                    "customer_pk": keys["D"],
                    "responded_at": NOON - dt.timedelta(days=5),
                    "item_code": "NPS",
                    "value": 1.0,
                },
            ],
        )
    stages = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "metric": "lifecycle_stage", "value": float("nan")}
    )
    write_scores(
        url,
        stages.assign(label=["active", "active", "active"]),
        as_of=AS_OF - dt.timedelta(days=40),
    )
    write_scores(
        url,
        stages.assign(label=["at risk", "active", "lapsed"]),
        as_of=AS_OF - dt.timedelta(days=2),
    )
    write_scores(
        url,
        pd.DataFrame({"customer_id": ["A", "D"], "metric": "churn_risk", "value": [0.2, 0.9]}),
        as_of=AS_OF - dt.timedelta(days=3),
    )
    # A later score, after the run date, is not seen.
    write_scores(
        url,
        pd.DataFrame({"customer_id": ["A"], "metric": "churn_risk", "value": [0.95]}),
        as_of=AS_OF + dt.timedelta(days=3),
    )

    matches = evaluate_workspace(workspace, RULES, AS_OF)
    by_rule = {
        code: sorted(group["customer_pk"].map({v: k for k, v in keys.items()}))
        for code, group in matches.groupby("rule_code")
    }
    assert by_rule == {"sla": ["A"], "nps": ["B"], "buy": ["A"], "stage": ["A"], "risky": ["D"]}
    sla = matches[matches["rule_code"] == "sla"].iloc[0]
    assert sla["occurrence"].startswith("complaint-")

    frame = customer_features(workspace, AS_OF, score_metrics=["churn_risk"]).set_index(
        "customer_id"
    )
    assert frame.loc["A", "orders_count"] == 2 and frame.loc["A", "total_spend"] == 200.0
    assert frame.loc["A", "complaints_overdue"] == 1 and frame.loc["C", "complaints_open"] == 1
    assert frame.loc["C", "days_since_last_order"] == 1
    assert frame.loc["A", "score.churn_risk"] == 0.2
