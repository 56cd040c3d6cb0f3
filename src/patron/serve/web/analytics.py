"""The analytics overview page: latest scores per metric and a link to the full report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from patron.collect import insights
from patron.collect.errors import NotFoundError
from patron.collect.units import list_units, resolve_scope
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
    unit: str | None = None,
) -> Response:
    scope = resolve_scope(workspace, unit)
    return render(
        request,
        "analytics.html",
        {
            "metrics": insights.overview(session, scope),
            "has_report": _report_path(workspace, scope.code).is_file(),
            "report_unit": scope.code or "all",
            "scope": scope,
            "units": list_units(workspace).to_dict("records"),
            "labels": labels(),
        },
        actor=actor,
    )


def _report_path(workspace, code: str | None):  # type: ignore[no-untyped-def]
    """Where ``patron report --unit CODE`` writes: ``reports/report[-CODE].html``."""
    return workspace.reports / (f"report-{code}.html" if code else "report.html")


@router.get("/report")
def report(
    workspace: WorkspaceDep, actor: WebAllowed("analytics:read"), unit: str | None = None
) -> FileResponse:
    """The report ``patron report --unit U`` wrote for the unit (default: the default unit)."""
    scope = resolve_scope(workspace, unit)
    path = _report_path(workspace, scope.code)
    if not path.is_file():
        raise NotFoundError(
            _("no report for {scope} yet: run `patron report --unit {unit}` first").format(
                scope=scope.label(), unit=scope.code or "all"
            )
        )
    return FileResponse(path, media_type="text/html")
