"""What a rule says: its trigger, its conditions and its action, read from YAML/JSON and checked.

A rule is a plain mapping (YAML file, JSON body of an API call, or a row of
``action_rules``)::

    code: birthday-lapsed-vip
    name: Birthday card for a lapsed high-value guest
    trigger: {schedule: birthday, within_days: 7}
    when:                                   # every condition must hold
      - {field: days_since_last_order, op: ">=", value: 730}
      - {field: total_spend, op: ">=", value: 1000}
    any:                                    # optional: at least one must hold
      - {field: score.clv, op: ">=", value: 2000}
    action: {channel: email, template: birthday}
    once_per: occurrence                    # occurrence | day | week | month | year | ever

Triggers are either schedules (daily scans) or events seen since the last run:

- ``schedule: daily`` — every customer matching the conditions, every day;
- ``schedule: birthday`` / ``anniversary`` (or ``schedule: date`` with ``kind``) — the
  customer's next such date falls within ``within_days`` days;
- ``schedule: first_purchase`` with ``days`` — the first purchase was exactly ``days``
  days ago (a "30 days after the first order" follow-up);
- ``event: complaint_overdue`` — an open complaint is past its SLA;
- ``event: survey_below`` with ``item`` and ``below`` — an answer below the threshold
  in the last ``lookback_days`` days;
- ``event: purchase`` (optional ``min_amount``) — an order in the last ``lookback_days``;
- ``event: comment`` with ``sentiment`` (negative, neutral, positive, any) and optional
  ``aspect`` (of ``taxonomy``, default hotel) — a comment of the last ``lookback_days``
  (survey free text, complaint description, interaction note) that says so: a negative
  comment about cleanliness can create a task for the housekeeping manager;
- ``event: stage_change`` with ``metric`` (default ``lifecycle_stage``) and optional
  ``from``/``to`` labels — the latest score label differs from the one before.

Conditions compare customer fields (see ``FIELDS``) and the latest score snapshots
(``score.<metric>`` for the value, ``score.<metric>.label`` for the label).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from patron.core.i18n import _
from patron.exceptions import InputError

# Customer fields a condition may name, with their kind (for value checks).
FIELDS: dict[str, str] = {
    "customer_id": "text",
    "name": "text",
    "email": "text",
    "phone": "text",
    "language": "text",
    "gender": "text",
    "city": "text",
    "region": "text",
    "country": "text",
    "acquisition_channel": "text",
    "consent_email": "bool",
    "consent_sms": "bool",
    "consent_phone": "bool",
    "birthday": "date",
    "acquired_at": "date",
    "age": "number",
    "orders_count": "number",
    "total_spend": "number",
    "avg_order_value": "number",
    "orders_365d": "number",
    "spend_365d": "number",
    "first_order_at": "date",
    "last_order_at": "date",
    "days_since_first_order": "number",
    "days_since_last_order": "number",
    "next_birthday": "date",
    "days_to_birthday": "number",
    "next_anniversary": "date",
    "days_to_anniversary": "number",
    "complaints_open": "number",
    "complaints_overdue": "number",
    "complaints_365d": "number",
}

OPERATORS = (
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not_in",
    "between",
    "is_null",
    "not_null",
    "contains",
)
SCHEDULES = ("daily", "birthday", "anniversary", "date", "first_purchase")
EVENTS = ("complaint_overdue", "survey_below", "purchase", "stage_change", "comment")
SENTIMENTS = ("negative", "neutral", "positive", "any")
CHANNELS = ("email", "webhook", "task", "list")
PERIODS = ("occurrence", "day", "week", "month", "year", "ever")
_SCORE_FIELD = re.compile(r"^score\.([A-Za-z_][A-Za-z0-9_]*)(\.label)?$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class Condition:
    """One test on one field: ``field op value``."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Rule:
    """A validated rule; ``definition`` keeps the mapping it was read from."""

    code: str
    name: str
    trigger: dict[str, Any]
    action: dict[str, Any]
    when: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()
    once_per: str = "occurrence"
    enabled: bool = True
    definition: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        """``"schedule"`` or ``"event"``."""
        return "event" if "event" in self.trigger else "schedule"

    @property
    def trigger_name(self) -> str:
        return str(self.trigger.get("event") or self.trigger.get("schedule"))

    @property
    def channel(self) -> str:
        return str(self.action["channel"])

    def score_metrics(self) -> set[str]:
        """The score metrics this rule reads (so only those are loaded)."""
        names = set()
        for condition in (*self.when, *self.any_of):
            match = _SCORE_FIELD.match(condition.field)
            if match:
                names.add(match.group(1))
        if self.trigger.get("event") == "stage_change":
            names.add(str(self.trigger.get("metric", "lifecycle_stage")))
        return names


def _fail(rule: str, where: str, message: str) -> InputError:
    return InputError(
        _("rule {rule}: {where}: {message}").format(rule=rule, where=where, message=message)
    )


def parse_condition(code: str, where: str, raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raise _fail(code, where, _("a condition is a mapping with field, op and value"))
    unknown = set(raw) - {"field", "op", "value"}
    if unknown:
        raise _fail(
            code, where, _("unknown key {key} in a condition").format(key=sorted(unknown)[0])
        )
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise _fail(code, where, _("a condition needs a field"))
    where = f"{where} ({name})"
    if name not in FIELDS and not _SCORE_FIELD.match(name):
        raise _fail(
            code,
            where,
            _("unknown field {field}; use one of {fields} or score.<metric>[.label]").format(
                field=name, fields=", ".join(FIELDS)
            ),
        )
    op = raw.get("op", "==")
    if op not in OPERATORS:
        raise _fail(
            code,
            where,
            _("unknown operator {op}; use one of {ops}").format(op=op, ops=" ".join(OPERATORS)),
        )
    value = raw.get("value")
    kind = FIELDS.get(name, "text" if name.endswith(".label") else "number")
    if op in ("is_null", "not_null"):
        return Condition(name, op)
    if "value" not in raw:
        raise _fail(code, where, _("operator {op} needs a value").format(op=op))
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise _fail(code, where, _("operator {op} needs a non-empty list").format(op=op))
        return Condition(name, op, tuple(value))
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise _fail(code, where, _("between needs a list of two values [low, high]"))
        if kind == "number" and not all(_is_number(v) for v in value):
            raise _fail(code, where, _("between needs two numbers"))
        return Condition(name, op, tuple(value))
    if op == "contains" and kind != "text":
        raise _fail(code, where, _("contains works on text fields only"))
    if op in ("<", "<=", ">", ">=") and kind == "number" and not _is_number(value):
        raise _fail(code, where, _("{value!r} is not a number").format(value=value))
    if op in ("<", "<=", ">", ">=") and kind in ("text", "bool"):
        raise _fail(code, where, _("{op} does not apply to a text or yes/no field").format(op=op))
    return Condition(name, op, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive_int(code: str, where: str, value: Any, *, allow_zero: bool = True) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < (0 if allow_zero else 1):
        raise _fail(code, where, _("{value!r} is not a whole number of days").format(value=value))
    return value


def _check_trigger(code: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(code, "trigger", _("give either schedule: … or event: …"))
    trigger = dict(raw)
    if ("schedule" in trigger) == ("event" in trigger):
        raise _fail(code, "trigger", _("give either schedule: … or event: …"))
    if "schedule" in trigger:
        name = trigger["schedule"]
        if name not in SCHEDULES:
            raise _fail(
                code,
                "trigger.schedule",
                _("unknown schedule {name}; use one of {names}").format(
                    name=name, names=", ".join(SCHEDULES)
                ),
            )
        if name == "date":
            if trigger.get("kind") not in ("birthday", "anniversary"):
                raise _fail(code, "trigger.kind", _("kind must be birthday or anniversary"))
            trigger["schedule"] = trigger.pop("kind")
        if trigger["schedule"] in ("birthday", "anniversary"):
            trigger["within_days"] = _positive_int(
                code, "trigger.within_days", trigger.get("within_days", 7)
            )
        if name == "first_purchase":
            trigger["days"] = _positive_int(code, "trigger.days", trigger.get("days", 30))
        return trigger
    name = trigger["event"]
    if name not in EVENTS:
        raise _fail(
            code,
            "trigger.event",
            _("unknown event {name}; use one of {names}").format(
                name=name, names=", ".join(EVENTS)
            ),
        )
    trigger["lookback_days"] = _positive_int(
        code, "trigger.lookback_days", trigger.get("lookback_days", 1), allow_zero=False
    )
    if name == "survey_below":
        if not isinstance(trigger.get("item"), str):
            raise _fail(code, "trigger.item", _("survey_below needs the item code, e.g. NPS"))
        if not _is_number(trigger.get("below")):
            raise _fail(code, "trigger.below", _("survey_below needs a number below: …"))
    if name == "comment":
        if trigger.get("sentiment", "negative") not in SENTIMENTS:
            raise _fail(
                code, "trigger.sentiment",
                _("sentiment must be one of {names}").format(names=", ".join(SENTIMENTS)),
            )  # fmt: skip
        trigger.setdefault("sentiment", "negative")
        if "aspect" in trigger:
            from patron.analyze.text.aspects import load_taxonomy

            taxonomy = load_taxonomy(trigger.get("taxonomy", "hotel"))
            if trigger["aspect"] not in taxonomy.codes:
                raise _fail(
                    code, "trigger.aspect",
                    _("unknown aspect {name}; use one of {names}").format(
                        name=trigger["aspect"], names=", ".join(taxonomy.codes)
                    ),
                )  # fmt: skip
    if name == "purchase" and "min_amount" in trigger and not _is_number(trigger["min_amount"]):
        raise _fail(code, "trigger.min_amount", _("min_amount must be a number"))
    if name == "stage_change":
        trigger.setdefault("metric", "lifecycle_stage")
        for key in ("from", "to"):
            if key in trigger:
                value = trigger[key]
                trigger[key] = [value] if isinstance(value, str) else list(value)
    return trigger


def _check_action(code: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(code, "action", _("an action needs a channel"))
    action = dict(raw)
    channel = action.get("channel")
    if channel not in CHANNELS:
        raise _fail(
            code,
            "action.channel",
            _("unknown channel {name}; use one of {names}").format(
                name=channel, names=", ".join(CHANNELS)
            ),
        )
    if channel == "email" and not (action.get("template") or action.get("body")):
        raise _fail(code, "action.template", _("an e-mail needs a template or a body"))
    if channel == "task" and not action.get("title"):
        raise _fail(code, "action.title", _("a task needs a title"))
    if channel == "webhook" and not (action.get("url") or action.get("endpoint")):
        raise _fail(code, "action.url", _("a webhook needs a url or an endpoint name"))
    if "due_in_days" in action:
        _positive_int(code, "action.due_in_days", action["due_in_days"])
    return action


def parse_rule(definition: Mapping[str, Any], *, where: str = "") -> Rule:
    """Check one rule definition and return the ``Rule``; errors name the rule and field."""
    if not isinstance(definition, Mapping):
        raise InputError(_("{where}: a rule must be a mapping").format(where=where or "rule"))
    code = definition.get("code")
    label = str(code) if code else (where or "?")
    if not isinstance(code, str) or not _CODE.match(code):
        raise _fail(label, "code", _("a rule needs a code of letters, digits, '-', '_' or '.'"))
    allowed = {"code", "name", "trigger", "when", "any", "action", "once_per", "enabled"}
    unknown = set(definition) - allowed
    if unknown:
        raise _fail(code, sorted(unknown)[0], _("unknown key"))
    trigger = _check_trigger(code, definition.get("trigger"))
    when = definition.get("when") or []
    any_of = definition.get("any") or []
    for key, items in (("when", when), ("any", any_of)):
        if not isinstance(items, list):
            raise _fail(code, key, _("a list of conditions is expected"))
    conditions = tuple(parse_condition(code, f"when[{i}]", raw) for i, raw in enumerate(when))
    alternatives = tuple(parse_condition(code, f"any[{i}]", raw) for i, raw in enumerate(any_of))
    action = _check_action(code, definition.get("action"))
    once_per = definition.get("once_per", "occurrence")
    if once_per not in PERIODS:
        raise _fail(
            code,
            "once_per",
            _("unknown period {name}; use one of {names}").format(
                name=once_per, names=", ".join(PERIODS)
            ),
        )
    return Rule(
        code=code,
        name=str(definition.get("name") or code),
        trigger=trigger,
        action=action,
        when=conditions,
        any_of=alternatives,
        once_per=once_per,
        enabled=bool(definition.get("enabled", True)),
        definition=json.loads(json.dumps(dict(definition), default=str)),
    )


def parse_rules(definitions: Iterable[Mapping[str, Any]], *, where: str = "") -> list[Rule]:
    """Check a list of rules; codes must be unique."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, definition in enumerate(definitions):
        rule = parse_rule(definition, where=f"{where}[{index}]" if where else f"rules[{index}]")
        if rule.code in seen:
            raise _fail(rule.code, "code", _("two rules share this code"))
        seen.add(rule.code)
        rules.append(rule)
    return rules


def load_rules(path: str | Path) -> list[Rule]:
    """Read rules from a YAML or JSON file (a list, or a mapping with a ``rules`` list)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            _("{path}: cannot read the rules file: {reason}").format(path=path, reason=exc)
        ) from exc
    return rules_from_text(text, source=str(path))


def rules_from_text(text: str, *, source: str = "rules") -> list[Rule]:
    """Parse YAML (a superset of JSON) holding a list of rules or ``{rules: [...]}``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(
            _("{path}: not valid YAML/JSON: {reason}").format(path=source, reason=exc)
        ) from exc
    if isinstance(data, Mapping) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise InputError(
            _("{path}: expected a list of rules (or a mapping with a rules: list)").format(
                path=source
            )
        )
    return parse_rules(data, where=source)


def default_rules() -> list[Rule]:
    """The rules shipped with Patron (``default_rules.yaml``)."""
    text = resources.files("patron.act").joinpath("default_rules.yaml").read_text("utf-8")
    return rules_from_text(text, source="default_rules.yaml")


def stored_rules(workspace: Any, *, enabled_only: bool = True) -> list[Rule]:
    """Rules saved in the workspace's store (``action_rules``)."""
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import ActionRule

    with session_scope(workspace.database_url) as session:
        query = sa.select(ActionRule).order_by(ActionRule.code)
        rows = session.scalars(query).all()
        rules = []
        for row in rows:
            definition = dict(row.definition)
            definition["enabled"] = bool(row.enabled)
            rule = parse_rule(definition, where=f"action_rules/{row.code}")
            if rule.enabled or not enabled_only:
                rules.append(rule)
    return rules


def save_rule(workspace: Any, definition: Mapping[str, Any]) -> Rule:
    """Validate a rule and store it (insert, or replace the rule with the same code).

    This is what the web API calls for rules defined there; bad rules raise
    ``InputError`` naming the rule and the field.
    """
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import ActionRule

    rule = parse_rule(definition)
    with session_scope(workspace.database_url) as session:
        row = session.scalars(sa.select(ActionRule).where(ActionRule.code == rule.code)).first()
        if row is None:
            row = ActionRule(code=rule.code, name=rule.name, definition=rule.definition)
            session.add(row)
        else:
            row.name = rule.name
            row.definition = rule.definition
        row.enabled = rule.enabled
    return rule


def active_rules(workspace: Any, rules_file: str | Path | None = None) -> list[Rule]:
    """The rules a run uses: a given file, else the stored rules, else the shipped defaults."""
    if rules_file is not None:
        return [r for r in load_rules(rules_file) if r.enabled]
    stored = stored_rules(workspace, enabled_only=False)
    if stored:
        return [r for r in stored if r.enabled]
    return [r for r in default_rules() if r.enabled]
