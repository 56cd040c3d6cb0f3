"""``patron report``: write the analysis report as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, UnitOption, WorkspaceOption, console, print_json
from patron.core.i18n import _


def report(
    workspace: WorkspaceOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help=_("HTML file to write (default: WORKSPACE/reports/report.html)."),
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help=_("Language of the report: en or zh_CN."), show_default=False),
    ] = None,
    unit: UnitOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help=_("The report's date (default: the last purchase in the data)."),
            show_default=False,
        ),
    ] = None,
    horizon: Annotated[
        str, typer.Option("--horizon", help=_("Churn horizon and follow-up window."))
    ] = "365d",
    as_json: JsonOption = False,
) -> None:
    """Write the report: CSI, loyalty, segments, lifecycle, CLV, churn, complaint recovery.

    Example: patron report --workspace demo-workspace --unit hotel --lang zh_CN
    """
    from patron.cli.options import open_workspace
    from patron.cli.progress import progress_bar
    from patron.report import build_report

    ws = open_workspace(workspace)
    with progress_bar(not as_json) as progress:
        result = build_report(
            ws,
            out=out,
            lang=lang,
            unit=unit,
            as_of=as_of,
            horizon=horizon,
            progress=progress,
        )
    if as_json:
        print_json(result.to_dict())
        return
    for section in result.sections:
        if section.status != "ok":
            console.print(
                _("{title}: {message}").format(title=section.title, message=section.message)
            )
    console.print(
        _("Report written to {path} ({size} kB, {seconds} s)").format(
            path=result.path, size=f"{result.bytes / 1024:,.0f}", seconds=f"{result.seconds:.1f}"
        )
    )


def register(app: typer.Typer) -> None:
    app.command(
        "report",
        help=_(
            "Write the analysis report as one self-contained HTML file (works offline). "
            "Example: patron report -w demo-workspace --unit hotel"
        ),
    )(report)
