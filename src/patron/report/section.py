"""What a report section is: its figures, charts and tables, and the context it reads.

A section never crashes the report: when its module is missing or its data are absent
(no surveys, no complaints) it comes back with ``status="missing"`` and a sentence
saying so; any other failure comes back as ``status="error"`` with the message. Every
section carries the command that recomputes its figures, and ``figures`` holds the very
numbers that command prints with ``--json``.
"""

from __future__ import annotations

import html
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from patron.core.i18n import _, format_currency, format_number, format_percent
from patron.exceptions import PatronError


@dataclass
class Chart:
    """One figure: a Vega-Lite spec and its caption."""

    title: str
    spec: dict[str, Any]
    id: str = ""
    command: str = ""  # the command that recomputes this one figure, shown beside it


@dataclass
class Section:
    """What one part of the report shows."""

    key: str
    title: str
    command: str
    status: str = "ok"  # ok | missing | error
    message: str = ""
    intro: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (heading, HTML)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The headline numbers as the section's command prints them with --json.
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReportContext:
    """What every section reads: the analysis context (scope, engine, vocabulary, as-of
    date), computed once, and results sections share."""

    analysis: Any  # patron.jobs.context.AnalysisContext
    horizon: str = "365d"
    currency: str = "USD"
    shared: dict[str, Any] = field(default_factory=dict)
    max_rows: int = 20

    @property
    def workspace(self) -> Any:
        return self.analysis.workspace

    @property
    def scope(self) -> Any:
        return self.analysis.scope

    @property
    def as_of(self) -> date:
        return self.analysis.as_of

    @property
    def con(self) -> Any:
        return self.analysis.con

    @property
    def history(self) -> Any:
        """The customer history churn and the satisfaction links read."""
        return self.analysis.history()

    @property
    def ws_arg(self) -> str:
        """``--workspace W --unit U``: what makes a command see what the report sees."""
        return self.analysis.cli_args(as_of=False)

    def money(self, value: float) -> str:
        return format_currency(float(value), self.currency)

    def has(self, name: str) -> bool:
        """Whether the scope holds any rows of ``name`` (``responses``: survey answers)."""
        if name == "responses":
            return self.history.has_surveys
        frame = getattr(self.history, name, None)
        return frame is not None and not frame.empty

    def table(self, name: str):
        """A warehouse table within the report's scope (an Ibis table on its engine)."""
        table = self.analysis.reader.table(_WAREHOUSE.get(name, name), required=False)
        if table is None:
            raise Missing(_("no {table} in the workspace").format(table=name))
        return table

    def responses_table(self):
        """Long survey answers as an Ibis table (never through pandas)."""
        return self.table("responses")

    def features(self):
        """The customer features every section shares (computed once)."""
        return self.analysis.features()


# Report table name → warehouse folder.
_WAREHOUSE = {"responses": "survey_responses"}


class Missing(Exception):
    """The section's data are absent: say so, do not fail."""


def html_table(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None) -> str:
    """A small, escaped HTML table with values formatted for the reader's locale."""
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        fmt = formats.get(column)
        if fmt is not None:
            shown[column] = [fmt(v) if pd.notna(v) else "–" for v in shown[column]]
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = [
                format_number(v, decimals=2) if pd.notna(v) else "–" for v in shown[column]
            ]
        elif pd.api.types.is_integer_dtype(shown[column]):
            shown[column] = [format_number(int(v)) for v in shown[column]]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def pct(value: float) -> str:
    return format_percent(float(value), decimals=1)


def num(value: float) -> str:
    return format_number(float(value), decimals=1)


def count(value: float) -> str:  # noqa: D103 - a whole number for people
    return format_number(int(round(float(value))))


def run_section(
    key: str, build: Callable[[ReportContext], Section], title: str, ctx: ReportContext
) -> Section:
    """Run one section; absent modules or data become a sentence, not a crash."""
    started = time.perf_counter()
    try:
        section = build(ctx)
    except ImportError as exc:
        section = Section(
            key,
            _(title),
            "",
            status="missing",
            message=_("This part needs a module that is not available: {name}.").format(
                name=getattr(exc, "name", None) or exc
            ),
        )
    except Missing as exc:
        section = Section(key, _(title), "", status="missing", message=str(exc))
    except PatronError as exc:
        section = Section(key, _(title), "", status="missing", message=str(exc))
    except Exception as exc:  # a bug in one analysis must not cost the whole report
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        section = Section(
            key,
            _(title),
            "",
            status="error",
            message=_("This part failed: {error}").format(error=last),
        )
    section.seconds = time.perf_counter() - started
    return section
