"""Which rows a staff list shows: one page, sorted by an allowed column, filtered, counted.

One component serves every staff list (customers, complaints, surveys, responses,
campaigns, tasks). A list is described once by a :class:`ListSpec`: its sortable columns
(each an indexed SQL expression), its filters (each turning one typed value into a SQL
condition) and its CSV columns. :func:`parse_query` reads the request's parameters and
refuses a bad one with a :class:`QueryParameterError` naming it; :func:`fetch_page` runs
the page with ``LIMIT``/``OFFSET`` and a count bounded at :data:`COUNT_LIMIT` (past it the
list says "more than 10 000" instead of scanning every row twice); :func:`export_csv`
writes the filtered rows with spreadsheet formulas neutralised. Saved filters keep a
user's named query string per list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.errors import DuplicateError, NotFoundError
from patron.collect.roles import Actor
from patron.collect.store.models import SavedFilter
from patron.core.csvsafe import safe_row
from patron.core.i18n import _
from patron.exceptions import InputError

COUNT_LIMIT = 10_000  # counts stop here: "more than 10 000" needs no full scan
MAX_OFFSET = 100_000  # deeper pages are refused: narrow the filters instead
PAGE_SIZES = (20, 50, 100, 200)
EXPORT_LIMIT = 100_000
RESERVED = ("page", "size", "sort", "lang")


class QueryParameterError(InputError):
    """A list's query parameter that cannot be used (the message names it)."""

    status = 400
    code = "bad_query_parameter"


@dataclass(frozen=True)
class Column:
    """A column people may sort by: its parameter name, its title and its SQL expression."""

    name: str
    title: str
    expression: Any


@dataclass(frozen=True)
class Filter:
    """A filter: parameter name, title, value type and how a value becomes a SQL condition.

    ``kind`` is ``text``, ``choice`` (one of ``choices``), ``int``, ``date`` or ``bool``.
    """

    name: str
    title: str
    kind: str
    condition: Callable[[Any], Any]
    choices: tuple[str, ...] = ()
    max_length: int = 200
    default: str | None = None  # the value used when the parameter is absent


@dataclass(frozen=True)
class ListSpec:
    """One staff list: its sortable columns, filters, default order and tie-breaker."""

    name: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    default_sort: str
    default_descending: bool
    tiebreak: Any
    default_size: int = 50

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def filter(self, name: str) -> Filter:
        return next(f for f in self.filters if f.name == name)


@dataclass(frozen=True)
class ListQuery:
    """What the reader asked for: page, page size, order and the filter values."""

    page: int = 1
    size: int = 50
    sort: str = ""
    descending: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    raw_filters: dict[str, str] = field(default_factory=dict)

    def params(self, **changes: Any) -> str:
        """The query string of this list with ``changes`` (``page=2``, ``sort="-name"``)."""
        values: dict[str, Any] = dict(self.raw_filters)
        values["sort"] = ("-" if self.descending else "") + self.sort
        values["size"] = self.size
        values["page"] = self.page
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def filter_string(self) -> str:
        """The filters and order alone (what a saved filter keeps)."""
        values = dict(self.raw_filters)
        values["sort"] = ("-" if self.descending else "") + self.sort
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def sort_link(self, column: str) -> str:
        """The query string that sorts by ``column`` (again: the other way round)."""
        descending = not self.descending if column == self.sort else False
        return self.params(sort=("-" if descending else "") + column, page=1)


@dataclass(frozen=True)
class ListPage:
    """One page of a list: the rows, how many match (bounded), and the query behind it."""

    items: list[Any]
    total: int
    total_capped: bool  # True: more than ``total`` rows match
    query: ListQuery

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def page_size(self) -> int:
        return self.query.size

    @property
    def pages(self) -> int:
        """Pages that exist (bounded by the count's cap and the deepest allowed page)."""
        deepest = MAX_OFFSET // self.query.size + 1
        return max(1, min(-(-self.total // self.query.size), deepest))

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages or (
            self.total_capped and len(self.items) == self.query.size
        )

    @property
    def first_row(self) -> int:
        return (self.query.page - 1) * self.query.size + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return (self.query.page - 1) * self.query.size + len(self.items)


def _typed(spec_filter: Filter, text: str) -> Any:
    name = spec_filter.name
    text = text.strip()
    if len(text) > spec_filter.max_length:
        raise QueryParameterError(
            _("parameter {name}: at most {n} characters").format(
                name=name, n=spec_filter.max_length
            )
        )
    if spec_filter.kind == "choice":
        if text not in spec_filter.choices:
            raise QueryParameterError(
                _("parameter {name}: {value} is not one of {options}").format(
                    name=name, value=text[:40], options=", ".join(spec_filter.choices)
                )
            )
        return text
    if spec_filter.kind == "int":
        if not text.isdigit() or len(text) > 12:
            raise QueryParameterError(
                _("parameter {name}: {value} is not a whole number").format(
                    name=name, value=text[:40]
                )
            )
        return int(text)
    if spec_filter.kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise QueryParameterError(
                _("parameter {name}: {value} is not a date (YYYY-MM-DD)").format(
                    name=name, value=text[:40]
                )
            ) from None
    if spec_filter.kind == "bool":
        if text not in ("yes", "no"):
            raise QueryParameterError(_("parameter {name}: use yes or no").format(name=name))
        return text == "yes"
    return text


def _whole(name: str, text: str, low: int, high: int) -> int:
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise QueryParameterError(
            _("parameter {name}: {value} is not a whole number from {low} to {high}").format(
                name=name, value=text[:40], low=low, high=high
            )
        )
    return int(text)


def parse_query(spec: ListSpec, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> ListQuery:
    """The list query from request parameters; unknown or bad parameters are refused by name."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    allowed = {f.name for f in spec.filters} | set(RESERVED)
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key not in allowed:
            raise QueryParameterError(
                _("unknown parameter {name}: this list takes {options}").format(
                    name=key[:40], options=", ".join(sorted(allowed - {"lang"}))
                )
            )
        if key in seen:
            raise QueryParameterError(_("parameter {name} is given twice").format(name=key))
        seen[key] = value
    size = _whole("size", seen["size"], 1, max(PAGE_SIZES)) if seen.get("size") else None
    size = size or spec.default_size
    page = _whole("page", seen["page"], 1, 1_000_000) if seen.get("page") else 1
    if (page - 1) * size > MAX_OFFSET:
        raise QueryParameterError(
            _("parameter page: pages beyond row {n} are not shown; narrow the filters").format(
                n=MAX_OFFSET
            )
        )
    sort_text = seen.get("sort") or ""
    descending = sort_text.startswith("-") if sort_text else spec.default_descending
    sort = sort_text.lstrip("-") or spec.default_sort
    if sort not in {c.name for c in spec.columns}:
        raise QueryParameterError(
            _("parameter sort: cannot sort by {value}; use one of {options}").format(
                value=sort[:40], options=", ".join(c.name for c in spec.columns)
            )
        )
    filters: dict[str, Any] = {}
    raw: dict[str, str] = {}
    for f in spec.filters:
        text = seen.get(f.name) or f.default
        if text is None or not text.strip():
            continue
        filters[f.name] = _typed(f, text)
        raw[f.name] = text.strip()
    return ListQuery(
        page=page, size=size, sort=sort, descending=descending, filters=filters, raw_filters=raw
    )


def conditions(spec: ListSpec, query: ListQuery) -> list[Any]:
    """The SQL conditions of the query's filters."""
    return [spec.filter(name).condition(value) for name, value in query.filters.items()]


def ordered(spec: ListSpec, query: ListQuery, select: sa.Select) -> sa.Select:
    """``select`` ordered by the chosen column, then the tie-breaker (a stable order)."""
    expression = spec.column(query.sort).expression
    tiebreak = spec.tiebreak
    # The plain order (no NULLS LAST): a B-tree index serves it both ways, so a page of a
    # million rows is read from the index instead of sorting them all.
    if query.descending:
        return select.order_by(expression.desc(), tiebreak.desc())
    return select.order_by(expression.asc(), tiebreak.asc())


def bounded_count(
    session: Session, select: sa.Select, limit: int = COUNT_LIMIT
) -> tuple[int, bool]:
    """How many rows ``select`` gives, counting no further than ``limit`` (and whether capped)."""
    probe = (
        select.with_only_columns(sa.literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(limit + 1)
        .subquery()
    )
    n = int(session.scalar(sa.select(sa.func.count()).select_from(probe)) or 0)
    return min(n, limit), n > limit


def fetch_page(
    session: Session,
    spec: ListSpec,
    query: ListQuery,
    select: sa.Select,
    *,
    row: Callable[[Any], Any] = lambda r: r,
    count_limit: int = COUNT_LIMIT,
) -> ListPage:
    """One page of ``select`` filtered and sorted as ``query`` asks, and the bounded count."""
    filtered = select.where(*conditions(spec, query))
    total, capped = bounded_count(session, filtered, count_limit)
    rows = session.execute(
        ordered(spec, query, filtered).limit(query.size).offset((query.page - 1) * query.size)
    ).all()
    return ListPage(items=[row(r) for r in rows], total=total, total_capped=capped, query=query)


def export_csv(
    session: Session,
    actor: Actor,
    spec: ListSpec,
    query: ListQuery,
    select: sa.Select,
    *,
    header: list[str],
    row: Callable[[Any], list[Any]],
    limit: int = EXPORT_LIMIT,
) -> str:
    """The filtered, sorted rows as CSV text (formulas neutralised; at most ``limit`` rows)."""
    filtered = ordered(spec, query, select.where(*conditions(spec, query))).limit(limit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    n = 0
    for r in session.execute(filtered.execution_options(yield_per=2000)):
        writer.writerow(safe_row(row(r)))
        n += 1
    audit.record(
        session,
        actor,
        "export",
        f"{spec.name}_list",
        None,
        detail={"rows": n, "query": query.filter_string()[:500]},
    )
    session.commit()
    return out.getvalue()


# --- saved filters -----------------------------------------------------------------------


def saved_filters(session: Session, actor: Actor, list_name: str) -> list[SavedFilter]:
    """The user's saved filters on one list, by name."""
    return list(
        session.scalars(
            sa.select(SavedFilter)
            .where(SavedFilter.username == actor.username, SavedFilter.list_name == list_name)
            .order_by(SavedFilter.name)
        )
    )


def save_filter(
    session: Session, actor: Actor, spec: ListSpec, name: str, query_string: str
) -> SavedFilter:
    """Keep ``query_string`` (checked against the list) under ``name`` for this user."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("name: give the filter a name of 1 to 100 characters"))
    query = parse_query(
        spec, [(k, v) for k, v in parse_qsl(query_string) if k not in ("page", "size")]
    )
    exists = session.scalar(
        sa.select(SavedFilter.id).where(
            SavedFilter.username == actor.username,
            SavedFilter.list_name == spec.name,
            SavedFilter.name == name,
        )
    )
    if exists is not None:
        raise DuplicateError(_("name: you already have a filter called {name}").format(name=name))
    saved = SavedFilter(
        username=actor.username, list_name=spec.name, name=name, query=query.filter_string()
    )
    session.add(saved)
    session.commit()
    return saved


def delete_filter(session: Session, actor: Actor, filter_pk: int) -> None:
    """Remove one of the user's own saved filters."""
    saved = session.get(SavedFilter, filter_pk)
    if saved is None or saved.username != actor.username:
        raise NotFoundError(_("no saved filter {id}").format(id=filter_pk))
    session.delete(saved)
    session.commit()
