"""Read access to campaigns: group sizes, and each campaign's uplift with intervals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from patron.act import results
from patron.serve.api.deps import Allowed, WorkspaceDep
from patron.serve.api.schemas import ErrorBody

router = APIRouter(
    prefix="/campaigns",
    tags=["campaigns"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 422)},
)
CampaignCode = Annotated[str, Path(min_length=1, max_length=100)]


class Delivery(BaseModel):
    """The campaign's sends by status."""

    sent: int
    failed: int
    skipped: int
    pending: int


class CampaignPublic(BaseModel):
    code: str
    name: str | None
    status: str | None
    state: str  # draft, assigned, sending, sent, failed (nobody contacted), partly_failed
    delivery: Delivery
    control_share: float
    scheduled_at: datetime | None
    started_at: datetime | None
    treated: int
    control: int


class UpliftMetric(BaseModel):
    """Treated and control means, the difference with its interval, and the verdict."""

    treated: float
    control: float
    difference: float
    lower: float
    upper: float
    p: float
    detectable: bool
    verdict: str


class CampaignUplift(BaseModel):
    campaign: str
    name: str | None
    measured: bool
    reason: str | None
    treated: int  # treated members the campaign reached
    control: int
    not_contacted: int = 0  # treated members left out: their send failed or was skipped
    alpha: float
    metrics: dict[str, UpliftMetric]


@router.get("", response_model=list[CampaignPublic])
def list_campaigns(
    workspace: WorkspaceDep, actor: Allowed("analytics:read")
) -> list[dict[str, Any]]:
    """Every campaign, newest first, with its treated and control group sizes."""
    return results.list_campaigns(workspace)


@router.get("/{code}/uplift", response_model=CampaignUplift)
def campaign_uplift(
    code: CampaignCode, workspace: WorkspaceDep, actor: Allowed("analytics:read")
) -> dict[str, Any]:
    """Treated minus control retention, response and revenue per member (95 % intervals).

    Measuring refreshes the outcomes saved on each member; a campaign not started yet
    answers ``measured: false`` with the reason.
    """
    return results.campaign_uplift(workspace, code)
