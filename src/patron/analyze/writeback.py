"""Where analytics read from and write to: the workspace warehouse and the score snapshots.

Inputs are the warehouse's Parquet tables (``warehouse/<table>/*.parquet``); results go
back to the store's score snapshots (metric names agreed in the shared interfaces) and
to Parquet under ``warehouse/analytics_<name>/`` for the report and for other tools.
"""

from __future__ import annotations

import glob
from datetime import date
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from patron.analyze import engine
from patron.core.i18n import gettext
from patron.exceptions import InputError

#: Warehouse tables the analyses use, besides ``orders``.
SIDE_TABLES = ("customers", "order_lines", "complaints", "interactions", "survey_responses")


def table_path(workspace: Any, name: str) -> str:
    """The Parquet glob of a warehouse table (the collect layer's helper when present)."""
    try:
        from patron.collect.warehouse import table_path as collect_table_path
    except ImportError:  # the sync module is not installed yet: same layout by hand
        return str(Path(workspace.warehouse) / name / "*.parquet")
    return collect_table_path(workspace, name)


def has_table(workspace: Any, name: str) -> bool:
    return bool(glob.glob(table_path(workspace, name)))


def load_warehouse(workspace: Any, con: BaseBackend) -> dict[str, ir.Table]:
    """The warehouse tables of a workspace as Ibis tables on ``con`` (orders required)."""
    if not has_table(workspace, "orders"):
        raise InputError(
            gettext(
                "no orders in the warehouse of {path}: run `patron sync` first or pass a file"
            ).format(path=workspace.root)
        )
    tables = {"orders": engine.read_table(table_path(workspace, "orders"), con=con)}
    for name in SIDE_TABLES:
        if has_table(workspace, name):
            tables[name] = engine.read_table(table_path(workspace, name), con=con)
    return tables


def write_parquet(workspace: Any, name: str, frame: pd.DataFrame) -> Path:
    """Write an analysis result to ``warehouse/analytics_<name>/part-000000.parquet``."""
    folder = Path(workspace.warehouse) / f"analytics_{name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-000000.parquet"
    frame.to_parquet(path, index=False)
    return path


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


def write_back(
    workspace: Any, scores: list[pd.DataFrame], *, as_of: date, model: str = "patron.analyze"
) -> int:
    """Upsert score rows into the workspace store; returns the number written."""
    from patron.collect.scores import write_scores

    frame = pd.concat(scores, ignore_index=True)
    return write_scores(workspace, frame, as_of=as_of, model=model)
