"""``patron csi programme``: the satisfaction index per unit and period, rolled up, changes, plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.analyze import AsOfOption, EngineOption
from patron.cli.options import (
    JsonOption,
    UnitOption,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from patron.core.i18n import _

AnswersArgument = Annotated[
    Path | None,
    typer.Argument(
        help=_(
            "CSV, Parquet or Excel answers with a 'unit' and a 'responded_at' column; "
            "default: the workspace's survey answers."
        ),
        show_default=False,
    ),
]
ModelOption = Annotated[
    str, typer.Option("--model", "-m", help=_("acsi, ecsi, scsb, ccsi or a YAML specification."))
]
SurveyOption = Annotated[
    str | None,
    typer.Option("--survey", help=_("Survey code to read from the workspace."), show_default=False),
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help=_("month, quarter or year (default: [csi_programme] period, else quarter)."),
        show_default=False,
    ),
]
BootstrapOption = Annotated[
    int | None,
    typer.Option(
        "--bootstrap",
        help=_("Bootstrap resamples per unit and period (default: [csi_programme], 1000)."),
        show_default=False,
    ),
]
SeedOption = Annotated[int | None, typer.Option("--seed", help=_("Seed of the bootstrap."))]
MinAnswersOption = Annotated[
    int | None,
    typer.Option(
        "--min-answers",
        help=_("Fewest answers for a figure (default: [csi_programme] min_answers, 30)."),
        show_default=False,
    ),
]
WeightColumnOption = Annotated[
    str | None,
    typer.Option(
        "--weight-column",
        help=_("Column of survey weights in the answers file (from 'weights')."),
        show_default=False,
    ),
]
WeightByOption = Annotated[
    str | None,
    typer.Option(
        "--weight-by",
        help=_("Roll-up weights: answers, customers or revenue (default: [csi_programme])."),
        show_default=False,
    ),
]

programme_app = typer.Typer(
    help=_(
        "The satisfaction programme: CSI, NPS, CSAT and CES per unit and period with "
        "intervals, rolled up the unit tree, significant changes, invariance, weights "
        "and improvement plans. Example: patron csi programme rollup --period year"
    ),
    no_args_is_help=True,
)
plan_app = typer.Typer(
    help=_("Improvement plans per unit (PDCA): add, list, review, close."),
    no_args_is_help=True,
)
programme_app.add_typer(plan_app, name="plan")


def _context(answers, workspace, unit, as_of, engine, progress):
    from patron.jobs.context import AnalysisContext

    if answers is not None:
        return AnalysisContext.from_tables({}, engine=engine, as_of=as_of, progress=progress)
    ws = open_workspace(workspace)
    return AnalysisContext.open(ws, unit=unit, engine=engine, as_of=as_of, progress=progress)


def _show(result, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    result.print(console)


def _run(view: str, answers, model, survey, period, bootstrap, seed, min_answers, weight_by,
         workspace, unit, as_of, engine, as_json, weight_column=None) -> None:  # fmt: skip
    from patron.cli.progress import progress_bar
    from patron.jobs.csi_programme import csi_programme

    with progress_bar(not as_json, console=err_console) as progress:
        ctx = _context(answers, workspace, unit, as_of, engine, progress)
        result = csi_programme(
            ctx,
            model=model,
            survey=survey,
            period=period,
            weight_by=weight_by,
            bootstrap=bootstrap,
            seed=seed,
            min_answers=min_answers,
            answers=answers,
            view=view,
            survey_weight=weight_column,
        )
    _show(result, as_json)


@programme_app.command("index")
def index(
    answers: AnswersArgument = None,
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    bootstrap: BootstrapOption = None,
    seed: SeedOption = None,
    min_answers: MinAnswersOption = None,
    weight_column: WeightColumnOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """CSI, NPS, CSAT and CES of every unit and period with SE, 95% interval and answers.

    Example: patron csi programme index --period year --seed 1
    """
    _run("index", answers, model, survey, period, bootstrap, seed, min_answers, None,
         workspace, unit, as_of, engine, as_json, weight_column)  # fmt: skip


@programme_app.command("rollup")
def rollup(
    answers: AnswersArgument = None,
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    weight_by: WeightByOption = None,
    bootstrap: BootstrapOption = None,
    seed: SeedOption = None,
    min_answers: MinAnswersOption = None,
    weight_column: WeightColumnOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The index rolled up the unit tree (weights shown) with intervals at every level.

    Example: patron csi programme rollup --period year --weight-by revenue --seed 1
    """
    _run("rollup", answers, model, survey, period, bootstrap, seed, min_answers, weight_by,
         workspace, unit, as_of, engine, as_json, weight_column)  # fmt: skip


@programme_app.command("change")
def change(
    answers: AnswersArgument = None,
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    weight_by: WeightByOption = None,
    bootstrap: BootstrapOption = None,
    seed: SeedOption = None,
    min_answers: MinAnswersOption = None,
    weight_column: WeightColumnOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change from the previous period and gap to the parent, with interval and verdict.

    Example: patron csi programme change --period year --seed 1
    """
    _run("change", answers, model, survey, period, bootstrap, seed, min_answers, weight_by,
         workspace, unit, as_of, engine, as_json, weight_column)  # fmt: skip


@programme_app.command("micom")
def micom(
    group: Annotated[
        str, typer.Option("--group", help=_("Column that splits the answers: period, unit …."))
    ],
    first: Annotated[str, typer.Option("--first", help=_("First group (a value of --group)."))],
    second: Annotated[str, typer.Option("--second", help=_("Second group."))],
    answers: AnswersArgument = None,
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    permutations: Annotated[
        int, typer.Option("--permutations", help=_("Permutations of the tests."))
    ] = 1000,
    seed: SeedOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measurement invariance (MICOM) of two groups before comparing them, with a verdict.

    Example: patron csi programme micom --group period --period year --first 2025 --second 2026
    """
    from patron.jobs.csi_programme import csi_micom

    ctx = _context(answers, workspace, unit, as_of, engine, None)
    result = csi_micom(
        ctx,
        group=group,
        first=first,
        second=second,
        model=model,
        survey=survey,
        period=period,
        permutations=permutations,
        seed=seed,
        answers=answers,
    )
    _show(result, as_json)


@programme_app.command("weights")
def weights(
    margins: Annotated[
        Path,
        typer.Option(
            "--margins",
            help=_(
                "CSV of the known customer mix: margin, level, target (raking), or the "
                "cell columns and count with --cells (post-stratification)."
            ),
        ),
    ],
    cells: Annotated[
        str | None,
        typer.Option(
            "--cells",
            help=_("Comma-separated cell columns: post-stratify instead of raking."),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help=_("Write the answers with a weight column here (CSV).")
        ),
    ] = None,
    answers: AnswersArgument = None,
    survey: SurveyOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_json: JsonOption = False,
) -> None:
    """Weights that make the answers represent the customers (raking or post-stratification).

    Example: patron csi programme weights --margins mix.csv -o weighted.csv
    """
    from patron.jobs.csi_programme import csi_weights

    ctx = _context(answers, workspace, unit, None, None, None)
    result = csi_weights(answers, margins, cells=cells, output=output, ctx=ctx, survey=survey)
    _show(result, as_json)


@programme_app.command("improve")
def improve(
    unit_code: Annotated[str, typer.Option("--site", help=_("The unit to plan for (its code)."))],
    period_label: Annotated[
        str, typer.Option("--in", help=_("The period measured, e.g. 2025 or 2025Q4."))
    ],
    answers: AnswersArgument = None,
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    top: Annotated[int, typer.Option("--top", help=_("How many items to name."))] = 3,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The few items a site should improve first (its importance–performance map).

    Example: patron csi programme improve --site bund --in 2025 --period year
    """
    from patron.jobs.csi_programme import csi_improve

    ctx = _context(answers, workspace, unit, as_of, engine, None)
    result = csi_improve(
        ctx,
        unit=unit_code,
        period=period_label,
        model=model,
        survey=survey,
        frequency=period,
        n=top,
        answers=answers,
    )
    _show(result, as_json)


@plan_app.command("add")
def plan_add(
    unit_code: Annotated[str, typer.Option("--site", help=_("The unit the plan is for."))],
    item: Annotated[str, typer.Option("--item", help=_("Item code to improve, e.g. PQ3."))],
    target: Annotated[float, typer.Option("--target", help=_("Target performance (0–100)."))],
    owner: Annotated[str, typer.Option("--owner", help=_("Who is responsible."))],
    due: Annotated[str, typer.Option("--due", help=_("Due date (YYYY-MM-DD)."))],
    baseline_period: Annotated[
        str, typer.Option("--baseline", help=_("Period measured before the plan, e.g. 2025."))
    ],
    note: Annotated[
        str | None, typer.Option("--note", help=_("What will be done."), show_default=False)
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a plan: item, target, owner and due date for one site.

    Example: patron csi programme plan add --site bund --item PQ3 --target 75 --owner "Li Wei" --due 2026-12-31 --baseline 2025
    """
    from patron.collect.csi_plans import add_plan

    ws = open_workspace(workspace)
    number = add_plan(
        ws,
        unit=unit_code,
        item=item,
        target=target,
        owner=owner,
        due=due,
        baseline_period=baseline_period,
        note=note,
    )
    if as_json:
        print_json({"plan": number})
        return
    console.print(_("Plan {plan} recorded for {unit}.").format(plan=number, unit=unit_code))


@plan_app.command("close")
def plan_close(
    plan: Annotated[int, typer.Argument(help=_("Plan number."))],
    status: Annotated[str, typer.Option("--status", help=_("done or dropped."))] = "done",
    workspace: WorkspaceOption = None,
) -> None:
    """Close a plan (done or dropped). Example: patron csi programme plan close 1"""
    from patron.collect.csi_plans import set_status

    set_status(open_workspace(workspace), plan, status)
    console.print(_("Plan {plan}: {status}.").format(plan=plan, status=_(status)))


@plan_app.command("review")
def plan_review(
    model: ModelOption = "acsi",
    survey: SurveyOption = None,
    period: PeriodOption = None,
    bootstrap: BootstrapOption = None,
    seed: SeedOption = None,
    workspace: WorkspaceOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every plan with the next period's measurement of its item: did it move?

    Example: patron csi programme plan review --period year --seed 1
    """
    from patron.jobs.csi_programme import csi_plan_review

    ctx = _context(None, workspace, unit, as_of, engine, None)
    result = csi_plan_review(
        ctx, model=model, survey=survey, frequency=period, bootstrap=bootstrap, seed=seed
    )
    _show(result, as_json)


def register(app: typer.Typer) -> None:
    from patron.cli.csi import csi_app

    csi_app.add_typer(programme_app, name="programme")
