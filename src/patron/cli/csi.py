"""``patron csi``: the customer satisfaction index from a table of answers or a workspace."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, WorkspaceOption, console, err_console, print_json
from patron.core.i18n import _
from patron.exceptions import InputError


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
    as_json: JsonOption = False,
) -> None:
    """Estimate the satisfaction index with paths, quality verdicts, groups and IPMA.

    Example: patron csi mobi.csv --model ecsi --bootstrap 5000 --seed 1
    """
    from patron.analyze.csi import CSIModel, group_indices
    from patron.analyze.csi.data import load_answers, workspace_answers
    from patron.analyze.csi.ipma import ipma_notes
    from patron.cli.options import open_workspace

    ws = open_workspace(workspace) if (workspace is not None or responses is None) else None
    if responses is not None:
        answers = load_answers(responses)
    else:
        if ws is None:
            raise InputError(_("give a RESPONSES file or --workspace"))
        answers = workspace_answers(ws, survey_code=survey)
    csi_model = CSIModel(
        spec=model,
        scheme=scheme,
        consistent=consistent,
        missing=missing,
        n_bootstrap=0,
        random_state=seed,
    )
    csi_model.fit(answers)
    if n_bootstrap:
        _bootstrap_with_progress(csi_model, n_bootstrap, seed, quiet=as_json)
    comparison = None
    if group:
        comparison = group_indices(
            answers,
            group,
            spec=model,
            n_permutations=permutations,
            seed=seed,
            scheme=scheme,
            consistent=consistent,
            missing=missing,
        )
    written = 0
    if ws is not None:
        from patron.analyze.csi.scores import write_csi_scores

        written = write_csi_scores(ws, csi_model, as_of=date.today())
    if chart is not None:
        from patron.analyze.csi.plotting import save_chart

        save_chart(csi_model.ipma_.chart(), chart)
    if as_json:
        payload = csi_model.to_dict()
        if comparison is not None:
            payload["groups"] = comparison.to_dict()
        payload["scores_written"] = written
        print_json(payload)
        return
    csi_model._printer().print(console)
    for note in ipma_notes(csi_model.ipma_):
        console.print(f"• {note}")
    if comparison is not None:
        comparison._printer().print(console)
    if ws is not None:
        console.print(_("{n} customer satisfaction scores written to the store").format(n=written))
    if chart is not None:
        console.print(_("Chart saved to {path}").format(path=chart))


def _bootstrap_with_progress(model, n_resamples: int, seed: int | None, *, quiet: bool) -> None:
    """Run the bootstrap with a Rich progress bar (on stderr, so JSON stays clean)."""
    import threading

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from patron.analyze.csi.index import CSIModel

    lock = threading.Lock()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task(_("Bootstrap"), total=n_resamples)

        def advance(k: int) -> None:
            with lock:
                bar.advance(task, k)

        model.bootstrap(n_resamples, seed=seed, progress=advance)
    if isinstance(model, CSIModel):
        row = model.bootstrap_.table("index").loc[model.target_]
        model.index_interval_ = (float(row["lower"]), float(row["upper"]))


def register(app: typer.Typer) -> None:
    app.command(
        "csi",
        help=_(
            "Customer satisfaction index: PLS paths with intervals, R², quality, index, "
            "groups and improvement priorities. "
            "Example: patron csi mobi.csv --model ecsi --bootstrap 5000 --seed 1"
        ),
    )(csi)
