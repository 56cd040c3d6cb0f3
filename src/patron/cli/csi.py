"""``patron csi``: the customer satisfaction index from a table of answers or a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.analyze import AsOfOption, EngineOption, WriteBackOption
from patron.cli.options import (
    DefaultCommandGroup,
    JsonOption,
    UnitOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from patron.core.i18n import _


def csi(
    responses: Annotated[
        Path | None,
        typer.Argument(
            help=_(
                "CSV, Parquet or Excel answers, wide (one column per item) or long "
                "(respondent, item, value); default: the workspace's survey responses."
            ),
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help=_("acsi, ecsi or a YAML specification file."))
    ] = "acsi",
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help=_("Column to compare groups by (store, segment, period)."),
            show_default=False,
        ),
    ] = None,
    n_bootstrap: Annotated[
        int, typer.Option("--bootstrap", help=_("Bootstrap resamples (0: none)."))
    ] = 1000,
    seed: Annotated[int | None, typer.Option("--seed", help=_("Seed of the bootstrap."))] = None,
    scheme: Annotated[
        str, typer.Option("--scheme", help=_("Inner weighting: path, centroid or factorial."))
    ] = "path",
    consistent: Annotated[
        bool, typer.Option("--consistent", help=_("Consistent PLS (PLSc) estimates."))
    ] = False,
    missing: Annotated[
        str, typer.Option("--missing", help=_("Missing answers: mean or listwise."))
    ] = "mean",
    permutations: Annotated[
        int, typer.Option("--permutations", help=_("Permutations of the group test."))
    ] = 1000,
    survey: Annotated[
        str | None,
        typer.Option(
            "--survey", help=_("Survey code to read from the workspace."), show_default=False
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help=_("Save the importance–performance map (.html or .json)."),
            show_default=False,
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    write_back: WriteBackOption = False,
    as_json: JsonOption = False,
) -> None:
    """Estimate the satisfaction index with paths, quality verdicts, groups and IPMA.

    Example: patron csi mobi.csv --model ecsi --bootstrap 5000 --seed 1
    """
    from patron.cli.progress import progress_bar
    from patron.jobs import csi as jobs
    from patron.jobs.context import AnalysisContext

    ws = open_workspace(workspace) if (workspace is not None or responses is None) else None
    with progress_bar(not as_json, console=err_console) as progress:
        if responses is not None:
            ctx = AnalysisContext.from_tables({}, engine=engine, as_of=as_of, progress=progress)
        else:
            ctx = AnalysisContext.open(ws, unit=unit, engine=engine, as_of=as_of, progress=progress)
        result = jobs.csi(
            ctx,
            model=model,
            survey=survey,
            bootstrap=n_bootstrap,
            seed=seed,
            scheme=scheme,
            consistent=consistent,
            missing=missing,
            group=group,
            permutations=permutations,
            answers=responses,
        )
    if write_back:
        from patron.jobs.writeback import write_back as store

        written, path = store(ws, result)
        err_console.print(
            _("Wrote {n} scores as of {date} and {path}").format(
                n=written, date=result.as_of, path=path
            )
        )
    if chart is not None:
        from patron.analyze.csi.plotting import save_chart

        save_chart(result.model.ipma_.chart(), chart)
    if as_json:
        print_json(result.to_dict())
        return
    if responses is None:
        console.print(_("Scope: {scope}").format(scope=result.scope.label()), style="dim")
    result.print(console)
    if chart is not None:
        console.print(_("Chart saved to {path}").format(path=chart))


#: ``patron csi``: the estimate (its default command) and the analyses built on it;
#: other modules add their sub-commands to it (``patron csi programme …``).
csi_app = typer.Typer(
    cls=DefaultCommandGroup,
    help=_(
        "Customer satisfaction index: PLS paths with intervals, R², quality, index, "
        "groups and improvement priorities. Without a sub-command it runs 'estimate'. "
        "Example: patron csi mobi.csv --model ecsi --bootstrap 5000 --seed 1"
    ),
)
csi_app.command(
    "estimate",
    help=_(
        "Estimate the satisfaction index with paths, quality verdicts, groups and IPMA "
        "(what 'patron csi' runs). Example: patron csi estimate mobi.csv --model ecsi"
    ),
)(csi)


def register(app: typer.Typer) -> None:
    app.add_typer(csi_app, name="csi")
