"""Translation: every user-facing text passes through ``_``; English and Simplified Chinese.

Catalogues are the ``*.po`` files under ``patron/locale/<language>/``, one file per room
(``core.po``, ``collect.po``, ``analyze.po`` …) so that work in one room does not collide
with another's; all files of a language are merged when first used. English is the
source language: a message without a translation is shown as written.

Mark texts with ``_("…")`` (translated now), ``N_("…")`` (marked, translated where shown)
or ``ngettext(singular, plural, n)``; in templates use ``{{ _("…") }}``. Placeholders
use ``str.format`` names: ``_("{n} rows imported").format(n=n)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LANGUAGES = ("en", "zh_CN")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_language: ContextVar[str | None] = ContextVar("patron_language", default=None)


def normalize_language(value: str | None) -> str:
    """Map ``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``zh-Hans`` … to ``zh_CN``; anything else to ``en``."""
    if not value:
        return "en"
    value = value.strip().replace("-", "_").split(".")[0].lower()
    if value.startswith("zh"):
        return "zh_CN"
    return "en"


def default_language() -> str:
    """``PATRON_LANG``, else the system's ``LC_ALL``/``LANG``, else English."""
    for var in ("PATRON_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return normalize_language(os.environ[var])
    return "en"


def current_language() -> str:
    return _language.get() or default_language()


def set_language(language: str | None) -> None:
    """Set the language for this thread/task (``None`` returns to the default)."""
    _language.set(normalize_language(language) if language else None)


@contextmanager
def language(value: str | None) -> Iterator[str]:
    """Use ``value`` for the texts produced inside the block."""
    token = _language.set(normalize_language(value) if value else None)
    try:
        yield current_language()
    finally:
        _language.reset(token)


@cache
def catalogue(lang: str) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    """All translations of ``lang``, merged from its ``*.po`` files."""
    from babel.messages.pofile import read_po

    merged: dict[str | tuple[str, ...], str | tuple[str, ...]] = {}
    folder = LOCALE_DIR / lang
    if not folder.is_dir():
        return merged
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or not message.string:
                continue
            if isinstance(message.string, tuple) and not all(message.string):
                continue
            merged[message.id] = message.string
    return merged


def gettext(message: str) -> str:
    """``message`` in the current language."""
    lang = current_language()
    if lang == "en":
        return message
    found = catalogue(lang).get(message)
    return found if isinstance(found, str) else message


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it yet (lists, constants)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message in the current language."""
    lang = current_language()
    if lang != "en":
        found = catalogue(lang).get((singular, plural))
        if isinstance(found, tuple) and found:
            # Chinese has a single form.
            return found[0] if len(found) == 1 or n == 1 else found[1]
    return singular if n == 1 else plural


def babel_locale(lang: str | None = None) -> Locale:
    return Locale.parse(lang or current_language())


def format_number(value: float | int, *, decimals: int | None = None) -> str:
    """A number with the current locale's grouping and decimal mark."""
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=babel_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale())


def format_percent(value: float, *, decimals: int = 1) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return babel_numbers.format_percent(value, format=pattern, locale=babel_locale())


def format_currency(value: float, currency: str = "USD") -> str:
    return babel_numbers.format_currency(value, currency, locale=babel_locale())


def format_date(value: date | datetime, *, format: str = "medium") -> str:
    return babel_dates.format_date(value, format=format, locale=babel_locale())


def format_datetime(value: datetime, *, format: str = "medium") -> str:
    return babel_dates.format_datetime(value, format=format, locale=babel_locale())


def extract_messages(root: Path | None = None) -> dict[str, list[str]]:
    """Every translatable text in the package's code and templates, with where it stands.

    Used by the catalogue test and by ``python -m patron.core.i18n`` to list what is
    missing from the Chinese catalogue.
    """
    from babel.messages.extract import extract_from_dir

    root = root or Path(__file__).resolve().parent.parent
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, options_map=options, keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids[:1] if isinstance(message, tuple) else ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
        if isinstance(message, tuple) and len(message) > 1:
            found.setdefault("\x00".join(m or "" for m in message[:2]), []).append(
                f"{filename}:{lineno}"
            )
    return found


def missing_translations(lang: str = "zh_CN") -> dict[str, list[str]]:
    """Texts in the code with no translation in ``lang``'s catalogue."""
    cat = catalogue(lang)
    missing = {}
    for msgid, where in extract_messages().items():
        key: str | tuple[str, ...] = tuple(msgid.split("\x00")) if "\x00" in msgid else msgid
        if isinstance(key, tuple):
            if key not in cat:
                missing[msgid] = where
            continue
        if key not in cat and not any(isinstance(k, tuple) and k[0] == key for k in cat):
            missing[msgid] = where
    return missing


if __name__ == "__main__":  # pragma: no cover - developer tool
    import sys

    gaps = missing_translations()
    for msgid, where in sorted(gaps.items()):
        sys.stdout.write(f"# {', '.join(where)}\nmsgid {msgid!r}\n\n")
    sys.stdout.write(f"{len(gaps)} missing\n")
