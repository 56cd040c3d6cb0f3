"""``patron linkage``: what customers did after what they said (surveys, complaints)."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.analyze import AsOfOption, EngineOption, computing, emit, open_context
from patron.cli.options import CsvOption, JsonOption, UnitOption, WorkspaceOption
from patron.core.i18n import _
from patron.jobs import linkage as jobs


def linkage(
    view: Annotated[
        str,
        typer.Argument(
            help=_("satisfaction, expectations, recovery, nps or elasticity."),
            show_default=False,
        ),
    ],
    horizon: Annotated[
        str, typer.Option("--horizon", help=_("Follow-up window after each answer or purchase."))
    ] = "365d",
    by: Annotated[
        str, typer.Option("--by", help=_("Satisfaction levels: band, score or quintile."))
    ] = "band",
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Retention and spend after satisfaction answers, NPS classes and complaints.

    Example: patron linkage recovery --horizon 365d --workspace demo-workspace
    """
    ctx = open_context(None, workspace, None, None, engine, unit, as_of)
    with computing(ctx):
        result = jobs.linkage(ctx, view, horizon=horizon, by=by)
    emit(result, json=as_json, csv=csv, csv_frame=result.tables["rows"])


def register(app: typer.Typer) -> None:
    app.command(
        "linkage",
        help=_(
            "Link what customers said to what they did next: satisfaction, expectations, "
            "recovery, nps or elasticity. Example: patron linkage recovery -w demo-workspace"
        ),
    )(linkage)
