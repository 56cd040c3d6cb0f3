"""Rules are read from YAML/JSON, checked with errors naming rule and field, and stored."""

from __future__ import annotations

import json

import pytest

from patron.act.rules import (
    active_rules,
    default_rules,
    load_rules,
    parse_rule,
    rules_from_text,
    save_rule,
    stored_rules,
)
from patron.exceptions import InputError

GOOD = {
    "code": "vip-birthday",
    "name": "VIP birthday",
    "trigger": {"schedule": "birthday", "within_days": 7},
    "when": [{"field": "total_spend", "op": ">=", "value": 1000}],
    "action": {"channel": "email", "template": "birthday"},
}


def test_default_rules_include_the_oriental_birthday_rule() -> None:
    rules = {r.code: r for r in default_rules()}
    birthday = rules["birthday-lapsed-vip"]
    assert birthday.trigger == {"schedule": "birthday", "within_days": 7}
    assert [c.field for c in birthday.when] == ["days_since_last_order", "total_spend"]
    assert birthday.channel == "email"
    assert len(rules) == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"when": [{"field": "totl_spend", "op": ">", "value": 1}]},
            r"rule vip-birthday: when\[0\] \(totl_spend\): unknown field totl_spend",
        ),
        (
            {"when": [{"field": "total_spend", "op": "~", "value": 1}]},
            r"rule vip-birthday: when\[0\] \(total_spend\): unknown operator ~",
        ),
        (
            {"when": [{"field": "total_spend", "op": ">", "value": "lots"}]},
            r"rule vip-birthday: when\[0\] \(total_spend\): 'lots' is not a number",
        ),
        (
            {"when": [{"field": "total_spend", "op": ">"}]},
            r"rule vip-birthday: when\[0\] \(total_spend\): operator > needs a value",
        ),
        (
            {"trigger": {"schedule": "hourly"}},
            r"rule vip-birthday: trigger.schedule: unknown schedule hourly",
        ),
        (
            {"trigger": {"event": "purchase", "lookback_days": 0}},
            r"rule vip-birthday: trigger.lookback_days: 0 is not a whole number of days",
        ),
        (
            {"trigger": {"event": "survey_below", "item": "NPS"}},
            r"rule vip-birthday: trigger.below: survey_below needs a number",
        ),
        ({"action": {"channel": "fax"}}, r"rule vip-birthday: action.channel: unknown channel fax"),
        ({"action": {"channel": "task"}}, r"rule vip-birthday: action.title: a task needs a title"),
        ({"once_per": "fortnight"}, r"rule vip-birthday: once_per: unknown period fortnight"),
        ({"colour": "red"}, r"rule vip-birthday: colour: unknown key"),
    ],
)
def test_errors_name_the_rule_and_the_field(change: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_rule({**GOOD, **change})


def test_score_fields_and_operators() -> None:
    rule = parse_rule(
        {
            **GOOD,
            "when": [
                {"field": "score.churn_risk", "op": ">=", "value": 0.6},
                {
                    "field": "score.rfm_segment.label",
                    "op": "in",
                    "value": ["At risk", "Hibernating"],
                },
                {"field": "email", "op": "not_null"},
            ],
        }
    )
    assert rule.score_metrics() == {"churn_risk", "rfm_segment"}


def test_yaml_and_json_files(tmp_path) -> None:
    (tmp_path / "r.json").write_text(json.dumps({"rules": [GOOD]}))
    (tmp_path / "r.yaml").write_text(
        "- code: a\n  trigger: {event: purchase}\n  action: {channel: list}\n"
    )
    assert [r.code for r in load_rules(tmp_path / "r.json")] == ["vip-birthday"]
    purchase = load_rules(tmp_path / "r.yaml")[0]
    assert purchase.trigger == {"event": "purchase", "lookback_days": 1}
    with pytest.raises(InputError, match="two rules share this code"):
        rules_from_text(json.dumps([GOOD, GOOD]))
    with pytest.raises(InputError, match="expected a list of rules"):
        rules_from_text("code: x")


def test_save_rule_validates_and_replaces(sqlite_workspace) -> None:
    with pytest.raises(InputError, match="unknown field"):
        save_rule(sqlite_workspace, {**GOOD, "when": [{"field": "nope", "op": "==", "value": 1}]})
    assert stored_rules(sqlite_workspace) == []
    # Without stored rules a run uses the shipped ones.
    assert len(active_rules(sqlite_workspace)) == 6
    save_rule(sqlite_workspace, GOOD)
    save_rule(sqlite_workspace, {**GOOD, "name": "Renamed"})
    stored = stored_rules(sqlite_workspace)
    assert [(r.code, r.name) for r in stored] == [("vip-birthday", "Renamed")]
    assert [r.code for r in active_rules(sqlite_workspace)] == ["vip-birthday"]
