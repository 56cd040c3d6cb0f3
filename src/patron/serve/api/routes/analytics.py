"""Read access to analytics results: score snapshot overview and per-metric lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from patron.collect import insights
from patron.serve.api.deps import Allowed, SessionDep
from patron.serve.api.schemas import ErrorBody, MetricOverview, ScoreRow, ScoresPage

router = APIRouter(
    prefix="/analytics",
    tags=["analytics"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 422)},
)


@router.get("/metrics", response_model=list[MetricOverview])
def metrics(session: SessionDep, actor: Allowed("analytics:read")) -> list[MetricOverview]:
    """Every metric at its latest date: customers scored, mean, label counts."""
    return [MetricOverview(**m) for m in insights.overview(session)]


@router.get("/scores", response_model=ScoresPage)
def scores(
    session: SessionDep,
    actor: Allowed("analytics:read"),
    metric: Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[^\x00]*$")],
    as_of: Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2200, 1, 1))] = None,
    label: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ScoresPage:
    """Scores of one metric (latest date by default), highest first."""
    found = insights.list_scores(
        session, actor, metric=metric, as_of=as_of, label=label, page=page, page_size=page_size
    )
    return ScoresPage(
        items=[ScoreRow(**row) for row in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )
