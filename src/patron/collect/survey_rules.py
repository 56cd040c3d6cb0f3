"""Which questions a respondent is asked: required questions and "ask B only if A ≤ n" rules."""

from __future__ import annotations

from typing import Any

from patron.core.i18n import _
from patron.exceptions import InputError


def visible_items(items: list[Any], answers: dict[str, float | None]) -> set[str]:
    """Codes of the items a respondent is asked, given their answers (skip rules applied)."""
    shown: set[str] = set()
    for item in items:
        condition = getattr(item, "show_if_item", None)
        if condition is None:
            shown.add(item.code)
            continue
        value = answers.get(condition)
        if condition in shown and value is not None and value <= item.show_if_max:
            shown.add(item.code)
    return shown


def check_answers(
    items: list[Any], parsed: list[tuple[str, float | None, str | None]]
) -> list[tuple[str, float | None, str | None]]:
    """The answers to keep: a required shown question must be answered; skipped ones are dropped."""
    answers = {code: value for code, value, _t in parsed}
    shown = visible_items(items, answers)
    for item in items:
        if (
            getattr(item, "required", False)
            and item.code in shown
            and answers.get(item.code) is None
        ):
            raise InputError(_("question {code} must be answered").format(code=item.code))
    kept = [row for row in parsed if row[0] in shown]
    if not kept:
        raise InputError(_("no question was answered"))
    return kept
