"""``patron text``: what customers say in their own words (score, aspects, topics, indicators)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.analyze import AsOfOption, EngineOption, computing, emit, open_context
from patron.cli.options import CsvOption, JsonOption, UnitOption, WorkspaceOption, print_json
from patron.core.i18n import _
from patron.exceptions import InputError

app = typer.Typer(
    no_args_is_help=True,
    help=_("Open comments in Chinese and English: sentiment, aspects, topics, indicators."),
)

TaxonomyOption = Annotated[
    str | None,
    typer.Option(
        "--taxonomy",
        help=_(
            "hotel, retail, bank, fuel or a YAML file (default: [text] taxonomy in patron.toml)."
        ),
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help=_("Which comments, comma-separated: survey, complaint, interaction (default: all)."),
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help=_(
            "A CSV of comments (column text; optional at, unit_pk, score) instead of the workspace."
        ),
    ),
]


def _context(file: Path | None, workspace, engine, unit, as_of):
    """The workspace's context, or an empty one when a file of comments is given alone."""
    if file is not None and workspace is None:
        from patron.jobs.context import AnalysisContext

        return AnalysisContext.from_tables({}, engine=engine, as_of=as_of)
    return open_context(None, workspace, None, None, engine, unit, as_of)


def _sources(source: str | None) -> tuple[str, ...] | None:
    from patron.jobs.text import SOURCES

    if source is None:
        return None
    chosen = tuple(s.strip() for s in source.split(",") if s.strip())
    wrong = [s for s in chosen if s not in SOURCES]
    if wrong or not chosen:
        raise InputError(
            _("--source: {wrong} is not one of {choices}").format(
                wrong=", ".join(wrong) or repr(source), choices=", ".join(SOURCES)
            )
        )
    return chosen


def _frame(path: Path | None, ctx=None, source: str | None = None):
    sources = _sources(source)
    if path is None:
        if sources is None:
            return None
        from patron.jobs.text import comments

        return comments(ctx, sources)
    import pandas as pd

    from patron.jobs.text import COMMENT_COLUMNS

    if not path.is_file():
        raise InputError(_("no file {path}").format(path=path))
    frame = pd.read_csv(path, dtype={"text": str})
    if "text" not in frame.columns:
        raise InputError(_("{path}: needs a column named text").format(path=path))
    for column in COMMENT_COLUMNS:
        if column not in frame.columns:
            frame[column] = "file" if column == "source" else None
    if frame["at"].isna().all():
        frame["at"] = pd.Timestamp.now(tz="UTC")
    frame["id"] = frame.index.astype(str)
    return frame


@app.command(
    "score",
    help=_("Sentiment of each comment. Example: patron text score -w demo-workspace"),
)
def score(
    mode: Annotated[
        str, typer.Option("--mode", help=_("lexicon (no labels) or learned."))
    ] = "lexicon",
    learn: Annotated[
        bool,
        typer.Option(
            "--learn", help=_("Fit the learned model on the rated survey comments first.")
        ),
    ] = False,
    file: FileOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Sentiment of each comment. Example: patron text score -w demo-workspace"""
    from patron.jobs import text as jobs

    ctx = _context(file, workspace, engine, unit, as_of)
    with computing(ctx):
        result = jobs.score(ctx, mode=mode, learn=learn, frame=_frame(file))
    emit(result, json=as_json, csv=csv)


@app.command(
    "aspects",
    help=_(
        "Aspect × sentiment matrix with examples. Example: patron text aspects -w demo-workspace"
    ),
)
def aspects(
    taxonomy: TaxonomyOption = None,
    source: SourceOption = None,
    file: FileOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Aspect × sentiment matrix with examples. Example: patron text aspects -w demo-workspace"""
    from patron.jobs import text as jobs

    ctx = _context(file, workspace, engine, unit, as_of)
    with computing(ctx):
        result = jobs.aspects(ctx, taxonomy=taxonomy, frame=_frame(file, ctx, source))
    emit(result, json=as_json, csv=csv, csv_frame=result.tables["matrix"])


@app.command(
    "topics",
    help=_(
        "Topics of comments that fit no aspect, with alerts. Example: patron text topics -w demo-workspace"
    ),
)
def topics(
    n_topics: Annotated[
        int, typer.Option("--topics", min=1, max=50, help=_("Most topics to find."))
    ] = 8,
    taxonomy: TaxonomyOption = None,
    source: SourceOption = None,
    file: FileOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Topics of comments that fit no aspect, with alerts. Example: patron text topics -w demo-workspace"""
    from patron.jobs import text as jobs

    ctx = _context(file, workspace, engine, unit, as_of)
    with computing(ctx):
        result = jobs.topics(
            ctx, taxonomy=taxonomy, n_topics=n_topics, frame=_frame(file, ctx, source)
        )
    emit(result, json=as_json, csv=csv, csv_frame=result.tables["topics"])


@app.command(
    "indicators",
    help=_(
        "Aspects ranked for the satisfaction indicator system. Example: patron text indicators -w demo-workspace"
    ),
)
def indicators(
    taxonomy: TaxonomyOption = None,
    source: SourceOption = None,
    file: FileOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Aspects ranked for the satisfaction indicator system. Example: patron text indicators -w demo-workspace"""
    from patron.jobs import text as jobs

    ctx = _context(file, workspace, engine, unit, as_of)
    with computing(ctx):
        result = jobs.indicators(ctx, taxonomy=taxonomy, frame=_frame(file, ctx, source))
    emit(result, json=as_json, csv=csv, csv_frame=result.tables["indicators"])


@app.command(
    "trend",
    help=_(
        "Share of negative aspect mentions per complete period, by unit and aspect. Example: patron text trend -w demo-workspace"
    ),
)
def trend(
    period: Annotated[
        str, typer.Option("--period", help=_("M (month), Q (quarter) or Y (year)."))
    ] = "M",
    taxonomy: TaxonomyOption = None,
    source: SourceOption = None,
    file: FileOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    workspace: WorkspaceOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = False,
) -> None:
    """Share of negative aspect mentions per complete period, by unit and aspect. Example: patron text trend -w demo-workspace"""
    from patron.jobs import text_views

    ctx = _context(file, workspace, engine, unit, as_of)
    with computing(ctx):
        result = text_views.trend(
            ctx, period=period, taxonomy=taxonomy, frame=_frame(file, ctx, source)
        )
    emit(result, json=as_json, csv=csv, csv_frame=result.tables["by_unit"])


@app.command(
    "evaluate",
    help=_(
        "Accuracy of the learned and zero-shot sentiment on labelled comments. Example: patron text evaluate reviews.csv --text review --label label"
    ),
)
def evaluate(
    path: Annotated[Path, typer.Argument(help=_("CSV (or .csv.gz) of labelled comments."))],
    text_column: Annotated[str, typer.Option("--text", help=_("Column of the comments."))] = "text",
    label_column: Annotated[
        str, typer.Option("--label", help=_("Column of the labels."))
    ] = "label",
    folds: Annotated[int, typer.Option("--folds", min=2, max=20, help=_("Folds."))] = 5,
    seed: Annotated[int, typer.Option("--seed", help=_("Seed of the fold split."))] = 0,
    as_json: JsonOption = False,
) -> None:
    """Stratified k-fold accuracy of the learned model and of the zero-shot lexicon on a
    labelled file. Example: patron text evaluate reviews.csv.gz --text review --label label"""
    import pandas as pd

    from patron.analyze.text.evaluation import evaluate_file

    if not path.is_file():
        raise InputError(_("no file {path}").format(path=path))
    frame = pd.read_csv(path)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise InputError(_("{path}: no column {column}").format(path=path, column=column))
    result = evaluate_file(frame[text_column], frame[label_column], folds=folds, seed=seed)
    if as_json:
        print_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="text")
