"""The analytics overview page: latest scores per metric and a link to the full report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from patron.collect import insights
from patron.collect.errors import NotFoundError
from patron.core.i18n import _
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.render import render

router = APIRouter(prefix="/analytics")


@router.get("")
def overview_page(
    request: Request,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("analytics:read"),
) -> Response:
    report = workspace.reports / "report.html"
    return render(
        request,
        "analytics.html",
        {
            "metrics": insights.overview(session),
            "has_report": report.is_file(),
            "labels": labels(),
        },
        actor=actor,
    )


@router.get("/report")
def report(workspace: WorkspaceDep, actor: WebAllowed("analytics:read")) -> FileResponse:
    """The report ``patron report`` wrote to ``WORKSPACE/reports/report.html``."""
    path = workspace.reports / "report.html"
    if not path.is_file():
        raise NotFoundError(_("no report yet: run `patron report` first"))
    return FileResponse(path, media_type="text/html")
