"""The satisfaction-index job: the CSI model on a scope's survey answers, its figures and scores.

``csi`` fits :class:`~patron.analyze.csi.CSIModel` on the answers of the context's unit
(read through the warehouse reader, pivoted by the engine) or on a table of answers
given directly, and returns the figures the report shows and ``patron csi --json``
prints, each respondent's 0–100 satisfaction score per customer (what ``--write-back``
stores as ``csi_satisfaction``), and the paths, indices and improvement priorities.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from patron.analyze.csi.index import CSIModel, GroupComparison
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

#: The score each respondent's customer gets (the mean over their responses).
METRIC = "csi_satisfaction"


@dataclass
class CSIResult(JobResult):
    """A :class:`JobResult` that also keeps the fitted model (and the group comparison)
    for charts; neither is part of ``to_dict()``."""

    model: CSIModel | None = None
    comparison: GroupComparison | None = None


def csi(
    ctx: AnalysisContext,
    *,
    model: Any = "acsi",
    survey: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    scheme: str = "path",
    consistent: bool = False,
    missing: str = "mean",
    group: str | None = None,
    permutations: int = 1000,
    answers: pd.DataFrame | str | Path | None = None,
) -> CSIResult:
    """The satisfaction index with its paths, quality, customer scores, groups and IPMA.

    Parameters
    ----------
    ctx : AnalysisContext
        Scope, engine and as-of date: the answers of the scope's unit given on or before
        the as-of date (every answer when no date is given) are read from the warehouse.
    model : str, ModelSpec or dict, default="acsi"
        "acsi", "ecsi" or a YAML specification file.
    survey : str, optional
        Only the answers to this survey (its code).
    bootstrap : int, default=0
        Bootstrap resamples for SEs, intervals and p (0: none).
    seed : int, optional
        Seed of the bootstrap and of the permutations: the same seed gives the same figures.
    scheme, consistent, missing
        As in :class:`~patron.analyze.csi.PLSPathModel`.
    group : str, optional
        Column of the answers to compare groups by (``period``, ``region`` …).
    permutations : int, default=1000
        Permutations of the group test.
    answers : DataFrame or path, optional
        A wide or long table of answers (or its file) used instead of the warehouse.
    """
    from patron.analyze.csi.data import load_answers, workspace_answers

    if answers is not None:
        if ctx.as_of_given is not None:
            raise InputError(_("--as-of applies to a workspace's answers, not to a file"))
        data = load_answers(answers)
    else:
        data = workspace_answers(ctx.reader, survey_code=survey, as_of=ctx.as_of_given)
    fitted = CSIModel(
        spec=model,
        scheme=scheme,
        consistent=consistent,
        missing=missing,
        n_bootstrap=int(bootstrap),
        random_state=seed,
    ).fit(data, progress=_bootstrap_progress(ctx, int(bootstrap)))
    comparison = None
    if group:
        from patron.analyze.csi.index import group_indices

        comparison = group_indices(
            data,
            group,
            spec=model,
            n_permutations=permutations,
            seed=seed,
            scheme=scheme,
            consistent=consistent,
            missing=missing,
        )
    return _result(
        ctx, fitted, comparison, as_of=_answered_until(ctx, data, fitted), scoped=answers is None
    )


def _bootstrap_progress(ctx: AnalysisContext, total: int) -> Any:
    """The model's bootstrap reports resamples from two threads: add them up."""
    if not total:
        return None
    lock = threading.Lock()
    done = [0]
    task = _("Bootstrap")

    def advance(k: int) -> None:
        with lock:
            done[0] += k
            ctx.progress(task, done[0], total)

    return advance


def _answered_until(ctx: AnalysisContext, data: pd.DataFrame, model: CSIModel) -> Any:
    """The as-of date given, else the day of the last answer the model used."""
    if ctx.as_of_given is not None:
        return ctx.as_of_given
    if "responded_at" not in data.columns:
        return None
    last = pd.to_datetime(data.loc[model._frame_index, "responded_at"], utc=True).max()
    return None if pd.isna(last) else last.date()


def _result(
    ctx: AnalysisContext,
    model: CSIModel,
    comparison: GroupComparison | None,
    *,
    as_of: Any,
    scoped: bool,
) -> CSIResult:
    from patron.analyze.csi.ipma import ipma_notes

    target = model.target_
    scores = model.customer_scores()
    responses = model._customer_ids.dropna().value_counts()
    frame = pd.DataFrame(
        {
            "customer_id": scores["customer_id"].astype(str),
            METRIC: scores["value"].to_numpy(),
            "responses": responses.reindex(scores["customer_id"]).to_numpy(dtype=int),
        }
    )
    figures: dict[str, Any] = {
        "respondents": int(model.n_obs_),
        "customers": len(frame),
        "satisfaction_index": float(model.satisfaction_index_),
        "r2_satisfaction": float(model.r2_[target]),
        "srmr": float(model.quality_.srmr),
    }
    if model.index_interval_ is not None:
        figures["satisfaction_index_lower"] = float(model.index_interval_[0])
        figures["satisfaction_index_upper"] = float(model.index_interval_[1])
    indices = model.index_.rename_axis("construct").reset_index()
    r2 = pd.DataFrame({"r2": model.r2_, "r2_adj": model.r2_adj_}).rename_axis("construct")
    tables = {
        "paths": model.summary.reset_index(),
        "indices": indices,
        "r2": r2.reset_index(),
        "ipma": model.ipma_.improvement_list().reset_index(),
    }
    printer = model._printer()
    if scoped:
        printer.title = _("Customer satisfaction index ({scope})").format(scope=ctx.scope.label())
    printer.notes = [*printer.notes, *ipma_notes(model.ipma_)]
    shown = {"paths", "r2", "r2_adj", "index", "satisfaction_index", "ipma"}
    extra: dict[str, Any] = {
        "model": {k: v for k, v in model.to_dict().items() if k not in shown},
    }
    if comparison is not None:
        groups = comparison._printer()
        printer.tables += [(groups.title, groups.tables[0][1]), groups.tables[1]]
        printer.notes += groups.notes
        tables["groups"] = comparison.groups.reset_index()
        tables["group_differences"] = comparison.differences
        extra["permutations"] = comparison.n_permutations
    return CSIResult(
        "csi",
        ctx.scope,
        as_of,
        figures,
        tables,
        frame=frame.sort_values("customer_id").reset_index(drop=True),
        printer=printer,
        extra=extra,
        model=model,
        comparison=comparison,
    )
