"""Writing results back: score snapshots in the store and result tables in the warehouse.

Score metric names are the shared vocabulary of the rules, the 360 view and the
report (``rfm_segment``, ``lifecycle_stage``, ``loyalty_type``, ``clv``, ``churn_risk`` …).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from patron.collect.scores import write_scores
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.jobs.result import JobResult


def label_scores(
    frame: pd.DataFrame,
    metric: str,
    label_col: str,
    *,
    value_col: str | None = None,
    reason_col: str | None = None,
) -> pd.DataFrame:
    """Score rows ``customer_id, metric, value, label[, detail]`` for one labelled metric."""
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "metric": metric,
            "value": frame[value_col].astype(float) if value_col else float("nan"),
            "label": frame[label_col].astype(str),
        }
    )
    if reason_col:
        out["detail"] = [{"reason": r} for r in frame[reason_col]]
    return out


def value_scores(frame: pd.DataFrame, metric: str, value_col: str) -> pd.DataFrame:
    """Score rows for one numeric metric (no label)."""
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "metric": metric,
            "value": frame[value_col].astype(float),
        }
    )


def churn_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Score rows of metric ``churn_risk``: the probability, its risk decile as label, the
    reasons (and the horizon, when known) as detail."""
    out = label_scores(frame, "churn_risk", "risk_label", value_col="churn_probability")
    details = [{"reasons": list(r)} for r in frame["reasons"]]
    if "horizon_days" in frame.columns:
        for detail, days in zip(details, frame["horizon_days"], strict=True):
            detail["horizon_days"] = int(days)
    out["detail"] = details
    return out


#: The scores each job writes back.
SCORES = {
    "segments": lambda f: [
        label_scores(f, "rfm_segment", "rfm_segment", value_col="rfm_score"),
        label_scores(f, "rfm_score", "rfm_segment", value_col="rfm_score"),
        label_scores(f, "value_tier", "value_tier"),
        label_scores(f, "layer", "layer"),
    ],
    "lifecycle": lambda f: [label_scores(f, "lifecycle_stage", "stage")],
    "loyalty": lambda f: [label_scores(f, "loyalty_type", "loyalty_type", reason_col="reason")],
    "csi": lambda f: [value_scores(f, "csi_satisfaction", "csi_satisfaction")],
    "churn": lambda f: [churn_scores(f)],
}
#: The model a job's scores are stored as coming from (default ``patron.analyze``).
MODELS = {"churn": "churn-lightgbm"}


def write_parquet(workspace: Any, name: str, frame: pd.DataFrame) -> Path:
    """Write a result to ``warehouse/analytics_<name>/part-000000.parquet``."""
    folder = Path(workspace.warehouse) / f"analytics_{name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-000000.parquet"
    frame.to_parquet(path, index=False)
    return path


def write_back(
    workspace: Any,
    result: JobResult,
    scores: list[pd.DataFrame] | None = None,
    *,
    model: str | None = None,
) -> tuple[int, Path]:
    """Store a job's per-customer scores as of its date and its table in the warehouse.

    Returns the number of score rows written and the Parquet path.
    """
    if workspace is None:
        raise InputError(_("--write-back needs a workspace (--workspace DIR)"))
    frame = result.frame
    if frame is None:
        frame = next(iter(result.tables.values()))
    path = write_parquet(workspace, result.job, frame)
    if scores is None and result.job in SCORES and result.frame is not None:
        scores = SCORES[result.job](result.frame)
    written = 0
    if scores:
        as_of = result.as_of or date.today()
        written = write_scores(
            workspace,
            pd.concat(scores, ignore_index=True),
            as_of=as_of,
            model=model or MODELS.get(result.job, "patron.analyze"),
        )
    return written, path
