"""The analytics pages: the latest scores per metric, and each report section live for a
unit and a period, with the command that recomputes it."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from patron.collect import insights
from patron.collect.errors import NotFoundError
from patron.collect.units import list_units, resolve_scope
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.report.live import live_section, period_choices, section_titles
from patron.serve.api.deps import SessionDep, WebAllowed, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.render import chart_json, render

router = APIRouter(prefix="/analytics")

# A metric whose labels repeat another's card (the RFM score is labelled by segment).
SAME_AS = {"rfm_score": "rfm_segment"}
# Results more than this many days older than the newest are shown apart, with their date.
STALE_DAYS = 365


def _cards(metrics: list[dict]) -> tuple[list[dict], list[dict]]:
    """The cards to show (no duplicates), split into current and much older results."""
    present = {m["metric"] for m in metrics}
    shown = [m for m in metrics if SAME_AS.get(m["metric"]) not in present]
    if not shown:
        return [], []
    newest = max(m["as_of"] for m in shown)
    current = [m for m in shown if (newest - m["as_of"]).days <= STALE_DAYS]
    older = [m for m in shown if (newest - m["as_of"]).days > STALE_DAYS]
    return current, older


def _reports(workspace) -> list[dict]:  # type: ignore[no-untyped-def]
    """The reports ``patron report`` has written, by unit."""
    out = []
    for path in sorted(workspace.reports.glob("report*.html")):
        code = path.stem.removeprefix("report").removeprefix("-") or "all"
        out.append({"unit": code})
    return out


def _scope_context(workspace, unit: str | None) -> dict:  # type: ignore[no-untyped-def]
    scope = resolve_scope(workspace, unit)
    return {
        "scope": scope,
        "unit_code": scope.code or "all",
        "units": list_units(workspace).to_dict("records"),
    }


@router.get("")
def overview_page(
    request: Request,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: WebAllowed("analytics:read"),
    unit: str | None = None,
) -> Response:
    context = _scope_context(workspace, unit)
    current, older = _cards(insights.overview(session, context["scope"]))
    reports = _reports(workspace)
    return render(
        request,
        "analytics.html",
        {
            **context,
            "metrics": current,
            "older": older,
            "has_report": any(r["unit"] == context["unit_code"] for r in reports),
            "reports": reports,
            "sections": section_titles(),
            "labels": labels(),
        },
        actor=actor,
    )


@router.get("/section/{key}")
def section_page(
    request: Request,
    key: str,
    workspace: WorkspaceDep,
    actor: WebAllowed("analytics:read"),
    unit: str | None = None,
    as_of: str | None = None,
) -> Response:
    """One report section, computed now for the unit and the period chosen."""
    titles = dict(section_titles())
    if key not in titles:
        raise NotFoundError(_("no analysis called {key}").format(key=key))
    context = _scope_context(workspace, unit)
    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise InputError(
                _("as_of: {value} is not a date (YYYY-MM-DD)").format(value=as_of[:40])
            ) from exc
    from patron.core.i18n import current_language

    section = live_section(
        workspace, key, unit=context["unit_code"], as_of=day, lang=current_language()
    )
    return render(
        request,
        "analytics_section.html",
        {
            **context,
            "key": key,
            "section": section,
            "charts": [(c.title, chart_json(c.spec)) for c in section.charts],
            "sections": section_titles(),
            "as_of": day,
            "choices": period_choices(date.today()),
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
