"""The page a person lands on after signing in: an agent's day, a manager's figures.

The work list (:mod:`patron.collect.worklist`) and the manager's figures
(:mod:`patron.jobs.home`) are computed by the library, within the user's units; this
module only picks what the role sees and renders it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patron.collect.units import resolve_scope, user_scope
from patron.collect.worklist import worklist
from patron.jobs.home import manager_home_for
from patron.serve.api.deps import SessionDep, WebActor, WorkspaceDep
from patron.serve.web.labels import labels
from patron.serve.web.render import render

router = APIRouter()


@router.get("/")
def home(
    request: Request, session: SessionDep, workspace: WorkspaceDep, actor: WebActor
) -> Response:
    """Agents see their day; analysts and admins also see how their units are doing."""
    scope = user_scope(session, actor.username)
    if scope.is_everything:  # no unit of their own: the workspace's default unit
        scope = resolve_scope(workspace, None)
    work = None
    if actor.can("customers:read") or actor.can("complaints:read"):
        work = worklist(session, actor.username, scope=scope, moment=datetime.now(UTC))
    manager, preparing, unavailable = None, False, None
    if actor.can("analytics:read"):
        # Never hold the page while another request computes the figures (seconds at a
        # million customers): say they are on their way and refresh.
        manager = manager_home_for(workspace, scope.code or "all", wait=False)
        preparing = manager is None
        if isinstance(manager, str):  # why there are no figures, in words
            unavailable, manager = manager, None
    return render(
        request,
        "home.html",
        {
            "work": work,
            "manager": manager,
            "preparing": preparing,
            "unavailable": unavailable,
            "scope": scope,
            "labels": labels(),
        },
        actor=actor,
    )
