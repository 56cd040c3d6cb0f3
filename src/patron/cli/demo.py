"""``patron demo``: build a demo workspace from the sample data shipped in the package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, console, print_json
from patron.core.i18n import _


def demo(
    directory: Annotated[Path, typer.Argument(help=_("Folder for the demo workspace."))] = Path(
        "demo-workspace"
    ),
    guests: Annotated[
        int, typer.Option("--guests", help=_("Number of synthetic hotel guests."))
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help=_("Seed of the hotel generator."))] = 7,
    cdnow_sample: Annotated[
        bool,
        typer.Option(
            "--cdnow-sample", help=_("Load the 2,357-customer CDNOW sample instead of all 23,570.")
        ),
    ] = False,
    json: JsonOption = False,
) -> None:
    """Build a demo workspace: real CDNOW orders and a synthetic hotel, synced to the warehouse.

    Example: patron demo ./demo-workspace
    """
    from patron.cli.progress import progress_bar
    from patron.demo import run_demo

    with progress_bar(not json) as progress:
        result = run_demo(
            directory,
            n_guests=guests,
            seed=seed,
            cdnow_sample=cdnow_sample,
            progress=progress,
        )
    if json:
        print_json(
            {
                "workspace": str(result.workspace.root),
                "counts": result.counts.to_dict("records"),
                "steps": [{"name": s.name, "seconds": s.elapsed_s} for s in result.steps],
                "report": str(result.results["report"].path)
                if "report" in result.results
                else None,
            }
        )
        return
    result.print(console)
    console.print(_("Workspace ready at {path}").format(path=result.workspace.root))
    report = result.results.get("report")
    if report is not None:
        console.print(_("Report: {path}").format(path=report.path))


def register(app: typer.Typer) -> None:
    app.command(
        "demo", help=_("Build a demo workspace from the shipped sample data and analyse it.")
    )(demo)
