"""Read access to the satisfaction programme: each unit's index per period, rolled up, and changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from patron.collect.errors import StateError
from patron.core.i18n import _
from patron.serve.api.deps import Allowed, WorkspaceDep
from patron.serve.api.routes.analytics import UnitQuery
from patron.serve.api.schemas import ErrorBody

router = APIRouter(
    prefix="/csi",
    tags=["analytics"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)},
)


@router.get("/programme", response_model=dict[str, Any])
def programme(
    workspace: WorkspaceDep,
    actor: Allowed("analytics:read"),
    unit: UnitQuery = None,
    model: Literal["acsi", "ecsi", "scsb", "ccsi", "subsystems"] = "acsi",
    period: Literal["month", "quarter", "year"] | None = None,
    weight_by: Literal["answers", "customers", "revenue"] | None = None,
    survey: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    bootstrap: Annotated[int | None, Query(ge=0, le=5000)] = None,
    seed: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = 1,
) -> dict[str, Any]:
    """CSI, NPS, CSAT and CES per unit and period with intervals, the roll-up tree with
    its weights, and every change with its verdict (what ``patron csi programme rollup
    --json`` prints). The managers' pages call the same job."""
    from patron.jobs.context import AnalysisContext
    from patron.jobs.csi_programme import csi_programme

    ctx = AnalysisContext.open(workspace, unit=unit)
    if not ctx.reader.has("survey_responses"):
        # The workspace's state, not the request: answered 409 like other state conflicts.
        raise StateError(
            _("no survey answers in the warehouse yet: run `patron sync` after importing them")
        )
    result = csi_programme(
        ctx,
        model=model,
        period=period,
        weight_by=weight_by,
        survey=survey,
        bootstrap=bootstrap,
        seed=seed,
    )
    return result.to_dict()
