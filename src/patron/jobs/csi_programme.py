"""The satisfaction programme job: every unit's index per period, rolled up, and what changed.

``csi_programme`` reads the answers of the context's unit (or a table given directly),
measures CSI, NPS, CSAT and CES per unit × period with bootstrap intervals, rolls them
up the unit tree by answers, customers or revenue, and tests each change from the
previous period and each unit against its parent. The CLI (``patron csi programme``),
the report section, the API and the managers' web pages call this one job.
``csi_micom`` checks measurement invariance before two groups or periods are compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from patron.analyze.csi.change import VERDICTS, parent_gaps, period_changes
from patron.analyze.csi.programme import METRIC_LABELS, MetricItems, programme_index
from patron.analyze.csi.unit_rollup import WEIGHTS, rollup_index
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult


def _settings(ctx: AnalysisContext, key: str, given: Any) -> Any:
    return given if given is not None else ctx.setting("csi_programme", key, _DEFAULTS[key])


_DEFAULTS = {
    "min_answers": 30,
    "period": "quarter",
    "weight_by": "answers",
    "bootstrap": 1000,
    "nps_item": "NPS",
    "csat_item": "SAT1",
    "ces_item": "CES",
}


def _answers(ctx: AnalysisContext, survey: str | None, answers: Any) -> pd.DataFrame:
    from patron.analyze.csi.data import load_answers
    from patron.analyze.csi.programme_data import programme_answers

    if answers is not None:
        data = load_answers(answers)
        if "unit" not in data.columns:
            raise InputError(_("answers: column 'unit' is missing (the unit each answer measures)"))
        return data
    return programme_answers(ctx.reader, survey_code=survey, as_of=ctx.as_of_given)


def _tree(ctx: AnalysisContext, data: pd.DataFrame, tree: pd.DataFrame | None) -> pd.DataFrame:
    from patron.analyze.csi.programme_data import unit_tree

    if tree is not None:
        return tree
    if ctx.workspace is not None:
        return unit_tree(ctx.reader)
    # A file without a tree: its units under one top, "all".
    units = sorted(data["unit"].astype(str).unique())
    return pd.DataFrame({"code": ["all", *units], "parent": [None] + ["all"] * len(units)})


def csi_programme(
    ctx: AnalysisContext,
    *,
    model: Any = "acsi",
    survey: str | None = None,
    period: str | None = None,
    weight_by: str | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
    min_answers: int | None = None,
    outer_weights: str = "pooled",
    answers: pd.DataFrame | str | Path | None = None,
    tree: pd.DataFrame | None = None,
    revenue: pd.DataFrame | None = None,
    survey_weight: str | None = None,
    view: str = "rollup",
) -> JobResult:
    """Index per unit × period, roll-up with weights and intervals, changes and verdicts.

    Settings default to ``[csi_programme]`` in ``patron.toml``: ``period`` (month,
    quarter, year), ``weight_by`` (answers, customers, revenue), ``bootstrap``,
    ``min_answers`` and the items of NPS, CSAT and CES.
    """
    period = _settings(ctx, "period", period)
    weight_by = _settings(ctx, "weight_by", weight_by)
    bootstrap = int(_settings(ctx, "bootstrap", bootstrap))
    min_answers = int(_settings(ctx, "min_answers", min_answers))
    if weight_by not in WEIGHTS:
        raise InputError(
            _("weight {value!r}: use {choices}").format(value=weight_by, choices=", ".join(WEIGHTS))
        )
    items = MetricItems(
        nps=_settings(ctx, "nps_item", None),
        csat=_settings(ctx, "csat_item", None),
        ces=_settings(ctx, "ces_item", None),
    )
    data = _answers(ctx, survey, answers)

    def advance(done: int, total: int) -> None:
        ctx.progress(_("Bootstrap by unit and period"), done, total)

    index = programme_index(
        data,
        spec=model,
        period=period,
        weights=outer_weights,
        items=items,
        n_bootstrap=bootstrap,
        seed=seed,
        min_answers=min_answers,
        survey_weight=survey_weight,
        progress=advance,
    )
    weights: Any = weight_by
    if weight_by == "revenue":
        if revenue is None:
            if ctx.workspace is None:
                raise InputError(_("weighting by revenue needs a workspace or a revenue table"))
            from patron.analyze.csi.programme_data import revenue_by_unit_period

            revenue = revenue_by_unit_period(ctx.reader, period)
        weights = revenue
    rolled = rollup_index(index, _tree(ctx, data, tree), weight_by=weights)
    changes = period_changes(rolled)
    gaps = parent_gaps(rolled)
    return _result(ctx, index, rolled, changes, gaps, period=period, data=data, view=view)


def _result(
    ctx, index, rolled, changes, gaps, *, period: str, data: pd.DataFrame, view: str
) -> JobResult:
    table = rolled.table
    top = table[table["depth"] == 0]
    last_period = str(table["period"].max())
    figures: dict[str, Any] = {
        "answers": int(len(data)),
        "units_measured": int(index.table["unit"].nunique()),
        "periods": int(index.table["period"].nunique()),
        "last_period": last_period,
        "significant_changes": int(changes.table["significant"].sum()),
    }
    latest_top = top[top["period"] == last_period]
    if len(latest_top) == 1:
        row = latest_top.iloc[0]
        figures["top_unit"] = str(row["unit"])
        for m in index.metrics:
            figures[f"top_{m}"] = row[m]
            figures[f"top_{m}_lower"] = row[f"{m}_lower"]
            figures[f"top_{m}_upper"] = row[f"{m}_upper"]
    if view not in ("index", "rollup", "change"):
        raise InputError(_("view {value!r}: use index, rollup or change").format(value=view))
    printer = {"index": index, "rollup": rolled, "change": changes}[view]._printer()
    if view == "change":
        printer.tables += gaps._printer().tables
    printer.title = _("Satisfaction programme ({scope})").format(scope=ctx.scope.label())
    printer.facts = {
        _("period"): _(period),
        _("answers"): figures["answers"],
        _("units measured"): figures["units_measured"],
        **printer.facts,
    }
    moves = changes.significant
    if view != "change":
        printer.notes = [*printer.notes, *changes._printer().notes[:10]]
    if view != "change" and len(moves) > 10:
        printer.notes.append(_("… and {n} more significant changes.").format(n=len(moves) - 10))
    verdicts = changes.table.assign(verdict_text=[_(VERDICTS[v]) for v in changes.table["verdict"]])
    gap_table = gaps.table.assign(verdict_text=[_(VERDICTS[v]) for v in gaps.table["verdict"]])
    return JobResult(
        "csi_programme",
        ctx.scope,
        ctx.as_of_given,
        figures,
        {
            "index": index.table,
            "rollup": table,
            "changes": verdicts,
            "parent_gaps": gap_table,
            "outer_weights": index.item_weights,
        },
        printer=printer,
        extra={
            "metrics": {m: _(METRIC_LABELS[m]) for m in index.metrics},
            "weight_by": rolled.weight_by,
            "n_bootstrap": index.n_bootstrap,
            "min_answers": index.min_answers,
        },
    )


def csi_micom(
    ctx: AnalysisContext,
    *,
    group: str,
    first: str | None = None,
    second: str | None = None,
    model: Any = "acsi",
    survey: str | None = None,
    period: str | None = None,
    permutations: int = 1000,
    seed: int | None = None,
    answers: pd.DataFrame | str | Path | None = None,
) -> JobResult:
    """MICOM of two groups of answers (two units, two periods, two segments)."""
    from patron.analyze.csi.micom import micom
    from patron.analyze.csi.programme import period_labels

    data = _answers(ctx, survey, answers) if answers is None else _plain_answers(answers)
    if group == "period":
        data = data.assign(
            period=period_labels(data["responded_at"], _settings(ctx, "period", period)).to_numpy()
        )
    groups = (first, second) if first is not None and second is not None else None
    result = micom(data, group, spec=model, groups=groups, n_permutations=permutations, seed=seed)
    return JobResult(
        "csi_micom",
        ctx.scope,
        ctx.as_of_given,
        {
            "first": result.groups[0],
            "second": result.groups[1],
            "configural": result.configural,
            "verdict": result.verdict,
            "verdict_text": result.verdict_text,
        },
        {"constructs": result.table.reset_index()},
        printer=result._printer(),
    )


def csi_improve(
    ctx: AnalysisContext,
    *,
    unit: str,
    period: str,
    model: Any = "acsi",
    survey: str | None = None,
    frequency: str | None = None,
    n: int = 3,
    answers: pd.DataFrame | str | Path | None = None,
) -> JobResult:
    """The few items ``unit`` should improve after ``period`` (its IPMA): the Plan of PDCA."""
    from patron.analyze.csi.pdca import improvement_items

    data = _answers(ctx, survey, answers)
    table = improvement_items(
        data,
        unit,
        period,
        frequency=_settings(ctx, "period", frequency),
        spec=model,
        n=n,
        min_answers=int(_settings(ctx, "min_answers", None)),
    )
    notes = [
        _(
            "Improve {item} ({construct}): performance {performance:.1f} of 100; "
            "priority {priority:.1f}."
        ).format(item=r.item, construct=r.construct, performance=r.performance, priority=r.priority)
        for r in table.itertuples()
    ]
    printer = Printer(
        title=_("What {unit} should improve after {period}").format(unit=unit, period=period),
        tables=[(_("Items to improve"), table)],
        notes=notes,
    )
    figures = {"unit": unit, "period": period, "answers": int(table["answers"].iloc[0])}
    return JobResult(
        "csi_improve", ctx.scope, ctx.as_of_given, figures, {"items": table}, printer=printer
    )


def csi_plan_review(
    ctx: AnalysisContext,
    *,
    model: Any = "acsi",
    survey: str | None = None,
    frequency: str | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
) -> JobResult:
    """Every plan in scope with the next period's measurement of its item: did it move?"""
    from patron.analyze.csi.pdca import review_plans
    from patron.analyze.csi.pls import resolve_spec
    from patron.collect.csi_plans import list_plans

    if ctx.workspace is None:
        raise InputError(_("plans live in a workspace: give --workspace"))
    plans = list_plans(ctx.workspace, ctx.scope.unit_pks)
    data = _answers(ctx, survey, None)
    spec = resolve_spec(model)
    scale = spec.scale or (1.0, 10.0)
    table = review_plans(
        plans,
        data,
        tuple(scale),
        frequency=_settings(ctx, "period", frequency),
        n_bootstrap=int(_settings(ctx, "bootstrap", bootstrap)),
        seed=seed,
        min_answers=int(_settings(ctx, "min_answers", None)),
    )
    notes = [
        _("Plan {plan} ({unit}, {item}, {owner}): {verdict}.").format(
            plan=r.plan, unit=r.unit, item=r.item, owner=r.owner, verdict=r.verdict_text
        )
        for r in table.itertuples()
    ]
    figures = {
        "plans": len(table),
        "moved_up": int((table["verdict"] == "up").sum()),
        "targets_reached": int(table["target_reached"].sum()),
    }
    printer = Printer(
        title=_("Improvement plans: did the items move?"),
        tables=[(_("Plans"), _plan_view(table))],
        notes=notes or [_("No plan yet: add one with `patron csi programme plan add`.")],
    )
    return JobResult(
        "csi_plan_review", ctx.scope, ctx.as_of_given, figures, {"plans": table}, printer=printer
    )


def csi_weights(
    answers: pd.DataFrame | str | Path | None,
    margins: pd.DataFrame | str | Path,
    *,
    cells: str | list[str] | None = None,
    output: str | Path | None = None,
    ctx: AnalysisContext | None = None,
    survey: str | None = None,
) -> JobResult:
    """Raking (``margins``: margin, level, target) or post-stratification (``cells`` and a
    table of counts) weights of the answers, with the weighted margins against the targets.

    ``answers`` ``None`` weights the workspace's answers in ``ctx``'s scope (each with its
    unit and the customer's gender, city, region, country, language and channel)."""
    from patron.analyze.csi.data import read_table
    from patron.analyze.csi.weighting import (
        effective_sample_size,
        post_stratify,
        rake,
        weighted_margins,
    )
    from patron.collect.units import EVERYTHING
    from patron.core.csvsafe import safe_frame

    if answers is None:
        if ctx is None or ctx.workspace is None:
            raise InputError(_("give a file of answers or a workspace"))
        sample = _answers(ctx, survey, None).reset_index()
    else:
        sample = answers if isinstance(answers, pd.DataFrame) else read_table(answers)
    mix = margins if isinstance(margins, pd.DataFrame) else read_table(margins)
    if cells:
        columns = [c.strip() for c in cells.split(",")] if isinstance(cells, str) else list(cells)
        weights = post_stratify(sample, mix, columns)
        method = _("post-stratification")
        key = sample[columns].astype(str).agg(" · ".join, axis=1)
        mix_key = mix[columns].astype(str).agg(" · ".join, axis=1)
        target = pd.to_numeric(mix["count"]).groupby(mix_key.to_numpy()).sum()
        target = target / target.sum()
        got = weights.groupby(key.to_numpy()).sum() / weights.sum()
        check = pd.DataFrame({"margin": " × ".join(columns), "level": target.index})
        check["target"] = target.to_numpy()
        check["share"] = got.reindex(target.index).fillna(0).to_numpy()
    else:
        for column in ("margin", "level", "target"):
            if column not in mix.columns:
                raise InputError(
                    _("margins: column {column!r} is missing (need margin, level, target)").format(
                        column=column
                    )
                )
        targets = {
            str(name): dict(zip(part["level"].astype(str), part["target"], strict=True))
            for name, part in mix.groupby("margin", sort=False)
        }
        weights = rake(sample, targets)
        method = _("raking")
        check = weighted_margins(sample, weights, list(targets))
        wanted = {
            (m, lv): float(t) / sum(targets[m].values())
            for m in targets
            for lv, t in targets[m].items()
        }
        check["target"] = [
            wanted.get((m, lv), 0.0) for m, lv in zip(check["margin"], check["level"], strict=True)
        ]
    check["gap"] = (check["share"] - check["target"]).abs()
    figures = {
        "method": method,
        "answers": len(sample),
        "effective_sample_size": effective_sample_size(weights),
        "largest_weight": float(weights.max()),
        "smallest_weight": float(weights.min()),
        "largest_margin_gap": float(check["gap"].max()),
    }
    if output is not None:
        safe_frame(sample.assign(weight=weights.to_numpy())).to_csv(output, index=False)
    printer = Printer(
        title=_("Survey weights by {method}").format(method=method),
        facts={
            _("answers"): figures["answers"],
            _("effective sample size"): round(figures["effective_sample_size"], 1),
            _("largest weight"): round(figures["largest_weight"], 3),
            _("largest gap to a target share"): f"{figures['largest_margin_gap']:.2e}",
        },
        tables=[(_("Weighted shares and targets"), check)],
        notes=[_("Weights written to {path}").format(path=output)] if output else [],
    )
    scope = ctx.scope if ctx is not None and answers is None else EVERYTHING
    return JobResult("csi_weights", scope, None, figures, {"margins": check}, printer=printer)


def _plan_view(table: pd.DataFrame) -> pd.DataFrame:
    """The review as a person reads it: one line per plan, the move with its interval."""
    shown = table[["plan", "unit", "item", "owner", "due_date", "target", "baseline_period"]].copy()
    shown["baseline"] = table["baseline"].round(1)
    shown["period"] = table["period"]
    shown["performance"] = table["performance"].round(1)
    shown["move (95% interval)"] = [
        "" if pd.isna(d) else f"{d:+.1f} ({lo:+.1f} – {hi:+.1f})"
        for d, lo, hi in zip(table["difference"], table["lower"], table["upper"], strict=True)
    ]
    shown["verdict"] = table["verdict_text"]
    return shown


def _plain_answers(answers: Any) -> pd.DataFrame:
    from patron.analyze.csi.data import load_answers

    return load_answers(answers)


__all__ = ["csi_improve", "csi_micom", "csi_plan_review", "csi_programme", "csi_weights"]
