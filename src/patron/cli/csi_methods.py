"""``patron csi predict|mediation|moderation|hoc|mga|nca|fimix``: the analyst's PLS methods.

Each command reads a table of answers, calls one estimator of
:mod:`patron.analyze.csi` and prints its result (or ``--json``); ``--chart`` saves the
chart as ``.html`` or ``.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from patron.cli.options import JsonOption, console, print_json
from patron.core.i18n import _

AnswersArgument = Annotated[
    Path,
    typer.Argument(
        help=_("CSV, Parquet or Excel answers, one column per item."), show_default=False
    ),
]
ModelOption = Annotated[
    str, typer.Option("--model", "-m", help=_("acsi, ecsi or a YAML specification file."))
]
SeedOption = Annotated[int | None, typer.Option("--seed", help=_("Seed of the random draws."))]
ChartOption = Annotated[
    Path | None,
    typer.Option("--chart", help=_("Save the chart (.html or .json)."), show_default=False),
]


def _show(result: Any, as_json: bool, chart: Path | None = None, figure: Any = None) -> None:
    if chart is not None and figure is not None:
        from patron.analyze.csi.plotting import save_chart

        save_chart(figure, chart)
    if as_json:
        print_json(result.to_dict())
        return
    result._printer().print(console)
    if chart is not None:
        console.print(_("Chart saved to {path}").format(path=chart))


def predict(
    answers: AnswersArgument,
    model: ModelOption = "ecsi",
    folds: Annotated[int, typer.Option("--folds", help=_("Cross-validation folds."))] = 10,
    repetitions: Annotated[
        int, typer.Option("--repetitions", help=_("Repetitions of the random split."))
    ] = 10,
    approach: Annotated[
        str, typer.Option("--approach", help=_("direct or earliest antecedents."))
    ] = "direct",
    benchmark: Annotated[
        str,
        typer.Option(
            "--benchmark",
            help=_("LM benchmark predictors: exogenous (items of exogenous constructs) or others."),
        ),
    ] = "exogenous",
    cvpat: Annotated[
        bool, typer.Option("--cvpat", help=_("Also run CVPAT against the IA and LM benchmarks."))
    ] = False,
    seed: SeedOption = None,
    chart: ChartOption = None,
    as_json: JsonOption = False,
) -> None:
    """PLSpredict: out-of-sample RMSE, MAE and Q²predict per item against the LM benchmark.

    Example: patron csi predict mobi.csv --model ecsi --folds 10 --repetitions 10 --seed 1
    """
    from patron.analyze.csi.predict import PLSPredict

    result = PLSPredict(
        spec=model,
        folds=folds,
        repetitions=repetitions,
        approach=approach,
        benchmark=benchmark,
        seed=seed,
    ).fit(answers)
    if as_json:
        payload = result.to_dict()
        if cvpat:
            payload["cvpat"] = result.cvpat().to_dict()
        print_json(payload)
        return
    _show(result, False, chart, result.chart() if chart else None)
    if cvpat:
        result.cvpat().print(console)


def mediation(
    answers: AnswersArgument,
    model: ModelOption = "ecsi",
    source: Annotated[
        str | None, typer.Option("--from", help=_("Driver construct (default: every one)."))
    ] = None,
    target: Annotated[
        str | None, typer.Option("--to", help=_("Outcome construct (default: every one)."))
    ] = None,
    n_bootstrap: Annotated[int, typer.Option("--bootstrap", help=_("Bootstrap resamples."))] = 5000,
    seed: SeedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Specific indirect effects with bootstrap intervals and the mediation type in words.

    Example: patron csi mediation mobi.csv --model ecsi --from image --to loyalty --seed 1
    """
    from patron.analyze.csi.mediation import MediationAnalysis

    result = MediationAnalysis(
        spec=model, source=source, target=target, n_resamples=n_bootstrap, seed=seed
    ).fit(answers)
    _show(result, as_json)


def _interaction(text: str) -> tuple[str, str, str]:
    from patron.exceptions import InputError

    left, arrow, outcome = text.partition("->")
    x, star, m = left.partition("*")
    if not (arrow and star and x.strip() and m.strip() and outcome.strip()):
        raise InputError(
            _("--interaction {text!r}: write it as predictor*moderator->outcome").format(text=text)
        )
    return x.strip(), m.strip(), outcome.strip()


def moderation(
    answers: AnswersArgument,
    interaction: Annotated[
        list[str],
        typer.Option(
            "--interaction",
            help=_("predictor*moderator->outcome (repeat for more terms)."),
            show_default=False,
        ),
    ],
    model: ModelOption = "ecsi",
    method: Annotated[
        str, typer.Option("--method", help=_("two_stage, product or orthogonal."))
    ] = "two_stage",
    n_bootstrap: Annotated[
        int, typer.Option("--bootstrap", help=_("Bootstrap resamples (0: none)."))
    ] = 0,
    seed: SeedOption = None,
    chart: ChartOption = None,
    as_json: JsonOption = False,
) -> None:
    """Moderation: interaction terms, their paths and simple slopes.

    Example: patron csi moderation mobi.csv --model ecsi --interaction "quality*image->satisfaction"
    """
    from patron.analyze.csi.moderation import ModerationModel

    result = ModerationModel(
        spec=model,
        interactions=[_interaction(t) for t in interaction],
        method=method,
        n_resamples=n_bootstrap,
        seed=seed,
    ).fit(answers)
    _show(result, as_json, chart, result.chart() if chart else None)


def hoc(
    answers: AnswersArgument,
    model: Annotated[
        Path,
        typer.Option(
            "--model",
            "-m",
            help=_("YAML specification whose higher-order constructs list 'dimensions'."),
            show_default=False,
        ),
    ],
    method: Annotated[
        str, typer.Option("--method", help=_("two_stage or repeated (indicators)."))
    ] = "two_stage",
    n_bootstrap: Annotated[
        int, typer.Option("--bootstrap", help=_("Bootstrap resamples (0: none)."))
    ] = 0,
    seed: SeedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Higher-order constructs (two-stage or repeated indicators; reflective or formative).

    Example: patron csi hoc mobi.csv --model hoc.yaml --method two_stage
    """
    from patron.analyze.csi.hoc import HigherOrderModel

    result = HigherOrderModel(spec=model, method=method, n_resamples=n_bootstrap, seed=seed).fit(
        answers
    )
    _show(result, as_json)


def mga(
    answers: AnswersArgument,
    group: Annotated[
        str, typer.Option("--group", help=_("Column holding the group label."), show_default=False)
    ],
    model: ModelOption = "ecsi",
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", help=_("The two groups to compare (give it twice)."), show_default=False
        ),
    ] = None,
    permutations: Annotated[
        int, typer.Option("--permutations", help=_("Permutations of the group labels."))
    ] = 1000,
    invariance: Annotated[
        bool,
        typer.Option(
            "--micom/--no-micom",
            help=_("Check measurement invariance (MICOM) before comparing paths."),
        ),
    ] = True,
    seed: SeedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Permutation multigroup analysis of path coefficients between two groups, after MICOM.

    MICOM's verdict is printed first; when the groups fail compositional invariance the
    path differences are shown but not interpreted.

    Example: patron csi mga answers.csv --model ecsi --group gender --permutations 1000 --seed 1
    """
    from patron.analyze.csi.mga import PermutationMGA
    from patron.exceptions import InputError

    if compare is not None and len(compare) != 2:
        raise InputError(_("--compare needs exactly two groups"))
    result = PermutationMGA(
        spec=model,
        group=group,
        groups=tuple(compare) if compare else None,
        n_permutations=permutations,
        seed=seed,
        invariance=invariance,
    ).fit(answers)
    if result.micom_ is not None and not as_json:
        result.micom_._printer().print(console)
    _show(result, as_json)


def nca(
    answers: AnswersArgument,
    model: ModelOption = "ecsi",
    target: Annotated[
        str | None,
        typer.Option("--target", help=_("Outcome construct (default: the model's target).")),
    ] = None,
    level: Annotated[
        float, typer.Option("--level", help=_("Outcome level (0-100) for the required levels."))
    ] = 80.0,
    permutations: Annotated[
        int, typer.Option("--permutations", help=_("Permutations of the significance test."))
    ] = 1000,
    condition: Annotated[
        str | None,
        typer.Option("--condition", help=_("Driver drawn in the chart (default: largest d).")),
    ] = None,
    seed: SeedOption = None,
    chart: ChartOption = None,
    as_json: JsonOption = False,
) -> None:
    """Necessary condition analysis (CE-FDH) beside the IPMA: which drivers are necessary.

    Example: patron csi nca mobi.csv --model ecsi --level 80 --seed 1
    """
    from patron.analyze.csi.nca import NecessaryConditionAnalysis

    result = NecessaryConditionAnalysis(
        spec=model, target=target, n_permutations=permutations, target_level=level, seed=seed
    ).fit(answers)
    _show(result, as_json, chart, result.chart(condition) if chart else None)


def fimix(
    answers: AnswersArgument,
    model: ModelOption = "ecsi",
    segments: Annotated[
        int, typer.Option("--segments", help=_("Fit 1 to this many segments and compare."))
    ] = 4,
    starts: Annotated[int, typer.Option("--starts", help=_("Random starts of EM."))] = 10,
    show: Annotated[
        int | None,
        typer.Option(
            "--show", help=_("Print the paths of this many segments."), show_default=False
        ),
    ] = None,
    seed: SeedOption = None,
    chart: ChartOption = None,
    as_json: JsonOption = False,
) -> None:
    """FIMIX-PLS: hidden segments with their own paths, and the criteria for how many.

    Example: patron csi fimix mobi.csv --model ecsi --segments 4 --seed 1 --show 2
    """
    from patron.analyze.csi.fimix import select_segments
    from patron.exceptions import InputError

    if show is not None and not 1 <= show <= segments:
        raise InputError(_("--show must be between 1 and --segments ({n})").format(n=segments))
    selection = select_segments(
        answers, spec=model, max_segments=segments, n_starts=starts, seed=seed
    )
    if as_json:
        payload = selection.to_dict()
        if show is not None:
            payload["solution"] = selection.fits[show].to_dict()
        print_json(payload)
        return
    _show(selection, False, chart, selection.chart() if chart else None)
    if show is not None:
        selection.fits[show]._printer().print(console)


COMMANDS = {
    "predict": (
        predict,
        _(
            "PLSpredict and CVPAT: how well the model predicts new respondents. "
            "Example: patron csi predict mobi.csv --model ecsi --seed 1 --cvpat"
        ),
    ),
    "mediation": (
        mediation,
        _(
            "Mediation: specific indirect effects, bootstrap intervals and the type "
            "(Zhao, Lynch & Chen). Example: patron csi mediation mobi.csv --from image --to loyalty"
        ),
    ),
    "moderation": (
        moderation,
        _(
            "Moderation: two-stage, product-indicator or orthogonalised interaction terms "
            "with simple slopes. Example: patron csi moderation mobi.csv "
            '--interaction "quality*image->satisfaction"'
        ),
    ),
    "hoc": (
        hoc,
        _(
            "Higher-order constructs: two-stage or repeated indicators, reflective or "
            "formative. Example: patron csi hoc mobi.csv --model hoc.yaml"
        ),
    ),
    "mga": (
        mga,
        _(
            "Permutation multigroup analysis (Chin & Dibbern) of paths between two groups. "
            "Example: patron csi mga answers.csv --group gender --seed 1"
        ),
    ),
    "nca": (
        nca,
        _(
            "Necessary condition analysis (CE-FDH, effect size d, bottlenecks) beside the "
            "IPMA (cIPMA). Example: patron csi nca mobi.csv --model ecsi --seed 1"
        ),
    ),
    "fimix": (
        fimix,
        _(
            "FIMIX-PLS: latent segments of respondents with their own paths, and AIC, AIC3, "
            "AIC4, BIC, CAIC, HQ, MDL5 and EN for how many. "
            "Example: patron csi fimix mobi.csv --segments 4 --seed 1"
        ),
    ),
}


def register(app: typer.Typer) -> None:
    from patron.cli.csi import csi_app

    for name, (function, text) in COMMANDS.items():
        csi_app.command(name, help=text)(function)
