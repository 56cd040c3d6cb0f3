"""What a survey item's code asks, in the reader's language ("PQ1" → the question's words).

Answers and driver tables carry item codes; people read the questions. The wording comes
from the workspace's own surveys (the newest survey that asks the item), else from the
standard instruments (ACSI, ECSI) shipped with Patron; a code known to neither is
returned as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import sqlalchemy as sa

from patron.collect.instruments import INSTRUMENTS, item_bank
from patron.collect.store.db import open_store
from patron.collect.store.models import SurveyItem
from patron.core.i18n import current_language


@cache
def _bank_wording() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for name in INSTRUMENTS:
        for row in item_bank(name).itertuples(index=False):
            out.setdefault(str(row.code), (str(row.text_en), row.text_zh))
    return out


def _pick(en: str, zh: str | None, lang: str) -> str:
    return zh if lang == "zh_CN" and zh else en


def item_questions(
    database_url: str | None, codes: Iterable[str], lang: str | None = None
) -> dict[str, str]:
    """For each code, the question's words in ``lang`` (default: the current language)."""
    lang = lang or current_language()
    wanted = sorted({str(c) for c in codes if c is not None})
    found: dict[str, str] = {}
    if database_url and wanted:
        item = SurveyItem.__table__
        with open_store(database_url).connect() as conn:
            rows = conn.execute(
                sa.select(item.c.code, item.c.text_en, item.c.text_zh)
                .where(item.c.code.in_(wanted))
                .order_by(item.c.survey_pk.desc())
            ).all()
        for code, en, zh in rows:
            found.setdefault(code, _pick(en, zh, lang))
    bank = _bank_wording()
    for code in wanted:
        if code not in found and code in bank:
            found[code] = _pick(*bank[code], lang)
    return {code: found.get(code, code) for code in wanted}
