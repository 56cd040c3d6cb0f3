"""One report section computed on request, for a unit and a period, for the analytics pages.

The pages show the very sections the report writes (same figures, charts, tables and
the command that recomputes them), for the unit and the as-of date a person picks; a
result is computed by one request at a time and kept for every worker for a while
(:mod:`patron.core.computed`), since some analyses take seconds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from patron.analyze import periods
from patron.core.computed import computed_once
from patron.core.i18n import _, language
from patron.exceptions import InputError
from patron.report.section import ReportContext, Section, run_section
from patron.report.sections import SECTIONS

CACHE_SECONDS = 600.0


def section_titles() -> list[tuple[str, str]]:
    """(key, title marked for translation) of every section, in the report's order."""
    return [(key, title) for key, _build, title in SECTIONS]


def period_choices(last_day: date, *, period: str = "Q", n: int = 8) -> list[date]:
    """The as-of dates a page offers: the end of each of the last ``n`` complete periods."""
    end = periods.period_end(periods.last_complete(last_day, period), period)
    return [periods.period_end(periods.shift(end, period, -k), period) for k in range(n)]


def live_section(
    workspace: Any,
    key: str,
    *,
    unit: str | None = None,
    as_of: date | None = None,
    lang: str | None = None,
) -> Section:
    """The report's section ``key`` for ``unit`` as of ``as_of`` (default: the last sale)."""
    from patron.jobs.context import AnalysisContext

    known = {k: (build, title) for k, build, title in SECTIONS}
    if key not in known:
        raise InputError(
            _("unknown section {key}: use one of {keys}").format(key=key, keys=", ".join(known))
        )
    build, title = known[key]

    def compute() -> Section:
        with language(lang):
            analysis = AnalysisContext.open(workspace, unit=unit, as_of=as_of)
            ctx = ReportContext(analysis=analysis, currency=workspace.config.locale.currency)
            return run_section(key, build, title, ctx)

    cache_key = ("live_section", str(workspace.root), key, unit, as_of, lang)
    kept = computed_once(workspace.root / "cache", cache_key, compute, max_age=CACHE_SECONDS)
    return kept.value  # type: ignore[return-value]  # wait=True: always ready
