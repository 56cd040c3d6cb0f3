"""Every user-facing text has a Simplified Chinese translation, and formats follow the locale."""

from __future__ import annotations

import datetime as dt

from patron.core import i18n


def test_every_marked_text_is_translated() -> None:
    missing = i18n.missing_translations("zh_CN")
    listing = "\n".join(
        f"{msgid!r} at {', '.join(where)}" for msgid, where in sorted(missing.items())
    )
    assert not missing, f"{len(missing)} texts lack a zh_CN translation:\n{listing}"


def test_placeholders_survive_translation() -> None:
    import re

    for msgid, msgstr in i18n.catalogue("zh_CN").items():
        if isinstance(msgid, str) and isinstance(msgstr, str):
            assert set(re.findall(r"{(\w*)}", msgid)) == set(re.findall(r"{(\w*)}", msgstr)), msgid


def test_language_switch_and_formats() -> None:
    with i18n.language("zh-CN"):
        assert i18n.gettext("interrupted") == "已中断"
        assert i18n.format_date(dt.date(2026, 11, 23)) == "2026年11月23日"
    with i18n.language("en"):
        assert i18n.gettext("interrupted") == "interrupted"
        assert i18n.format_number(1234567.891, decimals=2) == "1,234,567.89"
        assert i18n.format_percent(0.256) == "25.6%"


def test_normalize_language() -> None:
    assert i18n.normalize_language("zh_CN.UTF-8") == "zh_CN"
    assert i18n.normalize_language("zh-Hans") == "zh_CN"
    assert i18n.normalize_language("fr_FR") == "en"
    assert i18n.normalize_language(None) == "en"
