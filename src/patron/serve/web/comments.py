"""The comments page: what the customers of a manager's units say, aspect by aspect, quarter by quarter, with the comments themselves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patron.collect.errors import PermissionDeniedError
from patron.collect.units import list_units, resolve_scope, user_scope
from patron.core.i18n import _, current_language
from patron.jobs.text_views import comments_view, segments
from patron.report.sections.comments import (
    PERIOD,
    SOURCE,
    TREND_PERIODS,
    matrix_chart,
    trend_chart,
)
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import label
from patron.serve.web.render import chart_json, render

router = APIRouter()


def _allowed_units(session, workspace, username: str) -> tuple[list[dict], str | None]:  # type: ignore[no-untyped-def]
    """The units the user may look at (their unit and below, or every unit) and their own."""
    mine = user_scope(session, username)
    units = list_units(workspace).to_dict("records")
    if mine.is_everything:
        return units, None
    # list_units orders parents first: keep the user's unit and what hangs below it.
    codes, kept = {mine.code}, []
    for u in units:
        if u["code"] in codes or u["parent"] in codes:
            codes.add(u["code"])
            kept.append(u)
    return kept, mine.code


@router.get("/comments")
def comments_page(
    request: Request,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("analytics:read"),
    unit: str | None = None,
    aspect: str | None = None,
    sentiment: str | None = None,
    where: str | None = None,
    period: str | None = None,
) -> Response:
    """The aspect × sentiment matrix, the negative share by quarter and unit, and example
    comments with the words that decided, filtered; within the user's units."""
    units, own = _allowed_units(session, workspace, actor.username)
    if unit in (None, "") and own is not None:
        unit = own
    if own is not None and unit not in {u["code"] for u in units}:
        raise PermissionDeniedError(_("your units do not include {unit}").format(unit=unit))
    scope = resolve_scope(workspace, unit)
    unit_code = scope.code or "all"
    view = comments_view(workspace, unit_code, period=PERIOD, lang=current_language())
    shown = view.examples(
        aspect=aspect or None, label=sentiment or None, unit=where or None, period=period or None
    )
    rows = [
        {
            "aspect": r.name,
            "sentiment": r.label,
            "sentiment_words": label("sentiment", r.label),
            "source": label("comment_source", r.source),
            "unit": r.unit,
            "period": r.period,
            "customer_id": r.customer_id if isinstance(r.customer_id, str) else None,
            "parts": segments(r.text, list(r.words)),
        }
        for r in shown.itertuples(index=False)
    ]
    matrix = view.aspects.tables["matrix"]
    last = sorted(view.trend.tables["by_period"]["period"])[-TREND_PERIODS:]
    charts = [(_("What each aspect gets: praised, neutral, criticised"),
               chart_json(matrix_chart(matrix)))]  # fmt: skip
    if last:
        charts.append(
            (_("Share of mentions that are negative, by unit, last {n} whole quarters").format(
                n=len(last)), chart_json(trend_chart(view.trend.tables["by_unit"], last)))
        )  # fmt: skip
    tail = f"--source {SOURCE} --unit {unit_code}"
    return render(
        request,
        "comments.html",
        {
            "scope": scope,
            "unit_code": unit_code,
            "units": units,
            "everything_allowed": own is None,
            "charts": charts,
            "matrix": matrix.to_dict("records"),
            "trend": view.trend.figures,
            "aspects": view.aspect_choices,
            "sentiments": [(s, label("sentiment", s)) for s in ("negative", "neutral", "positive")],
            "places": view.unit_choices,
            "periods": view.period_choices,
            "chosen": {
                "aspect": aspect or "",
                "sentiment": sentiment or "",
                "where": where or "",
                "period": period or "",
            },  # fmt: skip
            "rows": rows,
            "commands": [
                f"patron text aspects {tail}",
                f"patron text trend --period {PERIOD} {tail}",
            ],
        },
        actor=actor,
    )
