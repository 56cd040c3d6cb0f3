"""Read access to analytics results: score snapshot overview and per-metric lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from patron.collect import insights
from patron.collect.units import resolve_scope
from patron.serve.api.deps import Allowed, SessionDep, WorkspaceDep
from patron.serve.api.schemas import ErrorBody, MetricOverview, ScoreRow, ScoresPage

router = APIRouter(
    prefix="/analytics",
    tags=["analytics"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 422)},
)


UnitQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^[A-Za-z0-9*][A-Za-z0-9_.\-]*$",
        description="Organisation unit (with everything below it); 'all' for everything. "
        "Default: the workspace's default unit.",
    ),
]


@router.get("/metrics", response_model=list[MetricOverview])
def metrics(
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: Allowed("analytics:read"),
    unit: UnitQuery = None,
) -> list[MetricOverview]:
    """Every metric at its latest date in the unit: customers scored, mean, label counts."""
    scope = resolve_scope(workspace, unit)
    return [MetricOverview(**m) for m in insights.overview(session, scope)]


@router.get("/scores", response_model=ScoresPage)
def scores(
    session: SessionDep,
    actor: Allowed("analytics:read"),
    metric: Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[^\x00]*$")],
    as_of: Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2200, 1, 1))] = None,
    label: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    workspace: WorkspaceDep = None,  # type: ignore[assignment]
    unit: UnitQuery = None,
) -> ScoresPage:
    """Scores of one metric in the unit (latest date by default), highest first."""
    found = insights.list_scores(
        session,
        actor,
        metric=metric,
        as_of=as_of,
        label=label,
        page=page,
        page_size=page_size,
        scope=resolve_scope(workspace, unit),
    )
    return ScoresPage(
        items=[ScoreRow(**row) for row in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )
