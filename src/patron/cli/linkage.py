"""``patron linkage``: what customers did after what they said (surveys, complaints)."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.options import JsonOption, UnitOption, WorkspaceOption, console, print_json
from patron.core.i18n import _
from patron.exceptions import InputError

VIEWS = ("satisfaction", "expectations", "recovery", "nps", "elasticity")


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
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retention and spend after satisfaction answers, NPS classes and complaints.

    Example: patron linkage recovery --horizon 365d --workspace demo-workspace
    """
    from patron.analyze import linkage as L
    from patron.analyze.churn_data import CustomerHistory
    from patron.cli.options import open_workspace
    from patron.core.printer import Printer

    if view not in VIEWS:
        raise InputError(
            _("unknown view {view!r}: use one of {choices}").format(
                view=view, choices=", ".join(VIEWS)
            )
        )
    history = CustomerHistory.from_workspace(open_workspace(workspace), unit=unit)
    titles = {
        "satisfaction": _("Bought again by satisfaction level"),
        "expectations": _("Expectation against perception and what came next"),
        "recovery": _("Retention after a purchase, by complaint outcome"),
        "nps": _("Bought again by NPS class"),
        "elasticity": _("Revenue kept by one more point of each driver"),
    }
    if view == "satisfaction":
        table = L.satisfaction_loyalty_curve(history, horizon=horizon, by=by)
    elif view == "expectations":
        table = L.expectation_classes(history, horizon=horizon)
    elif view == "recovery":
        table = L.complaint_recovery(history, horizon=horizon)
    elif view == "nps":
        table = L.nps_repeat(history, horizon=horizon)
    else:
        table = L.retention_elasticity(history, horizon=horizon)
    if as_json:
        print_json({"view": view, "horizon": horizon, "rows": table.to_dict(orient="records")})
        return
    shown = [
        c
        for c in (
            "label",
            "level",
            "driver",
            "moments",
            "retention",
            "retention_low",
            "retention_high",
            "spend_mean",
            "effect",
            "complained_next",
            "total_effect",
            "retention_per_point",
            "revenue_kept",
        )
        if c in table.columns and not (c == "level" and "label" in table.columns)
    ]
    Printer(title=titles[view], tables=[("", table[shown])]).print(console)


def register(app: typer.Typer) -> None:
    app.command(
        "linkage",
        help=_(
            "Link what customers said to what they did next: satisfaction, expectations, "
            "recovery, nps or elasticity. Example: patron linkage recovery -w demo-workspace"
        ),
    )(linkage)
