"""The campaigns page: each campaign's groups and uplift (retention, revenue) with intervals."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patron.act import results
from patron.serve.api.deps import WebAllowed, WorkspaceDep
from patron.serve.web.render import chart_json, render

router = APIRouter(prefix="/campaigns")

# Outcomes shown per campaign: (metric, is a rate in points or money per member).
SHOWN = (("retained", "rate"), ("spend", "money"))


def _chart_spec(estimate) -> str:  # type: ignore[no-untyped-def]
    """The estimate's Vega-Lite chart as JSON safe inside a <script type=application/json>."""
    return chart_json(estimate.chart().to_dict())


@router.get("")
def campaigns_page(
    request: Request, workspace: WorkspaceDep, actor: WebAllowed("analytics:read")
) -> Response:
    """Every campaign with treated and control sizes and, when measurable, its uplift."""
    rows = []
    for campaign in results.list_campaigns(workspace):
        uplift = results.campaign_uplift(workspace, campaign["code"])
        estimate = uplift.pop("estimate")
        rows.append(
            {
                **campaign,
                "uplift": uplift,
                "chart": _chart_spec(estimate) if estimate is not None else None,
            }
        )
    return render(request, "campaigns.html", {"campaigns": rows, "shown": SHOWN}, actor=actor)
