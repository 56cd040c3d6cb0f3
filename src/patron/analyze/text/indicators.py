"""Which aspects should the satisfaction indicator system measure, from what customers themselves say?

For each aspect: how often customers raise it (share of comments), how it moves their
satisfaction (the coefficient of the aspect's sentiment — +1 praised, −1 criticised, 0
not mentioned — in a least-squares regression of the survey score on all aspects at
once) and their return (the same regression of "bought again after the comment", 0/1,
a linear probability model). The priority is mention share × |effect on satisfaction|;
aspects are ranked by it. ``ipma_frame`` gives the importance–performance view next to
the CSI drivers: importance = effect on satisfaction, performance = share of positive
mentions (0–100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

COLUMNS = ["aspect", "mentions", "share", "positive_share", "effect_satisfaction",
           "effect_return", "priority"]  # fmt: skip


def aspect_matrix(mentions: pd.DataFrame, ids: pd.Index, aspects: list[str]) -> pd.DataFrame:
    """Comment × aspect: +1 praised, −1 criticised, 0 neutral mention or none."""
    out = pd.DataFrame(0.0, index=ids, columns=aspects)
    if len(mentions):
        sign = np.sign(mentions["score"].where(mentions["label"] != "neutral", 0.0))
        pivot = pd.DataFrame({"id": mentions["id"], "aspect": mentions["aspect"], "s": sign})
        pivot = pivot.groupby(["id", "aspect"])["s"].sum().clip(-1, 1).unstack(fill_value=0.0)
        out.loc[pivot.index.intersection(ids), pivot.columns.intersection(aspects)] = pivot
    return out


def _ols(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    ok = y.notna()
    if ok.sum() <= X.shape[1] + 1:
        return pd.Series(np.nan, index=X.columns)
    A = np.column_stack([np.ones(ok.sum()), X[ok].to_numpy()])
    coef, *_ = np.linalg.lstsq(A, y[ok].to_numpy(dtype=float), rcond=None)
    return pd.Series(coef[1:], index=X.columns)


def rank_indicators(
    mentions: pd.DataFrame,
    comments: pd.DataFrame,
    aspects: list[str],
) -> pd.DataFrame:
    """The aspects ranked for the indicator system (columns :data:`COLUMNS`).

    ``mentions``: id, aspect, score, label (``AspectTagger.tag_many``); ``comments``:
    indexed by id, with ``satisfaction`` (a survey score, may be missing) and
    ``returned`` (0/1, may be missing)."""
    if comments.empty:
        raise InputError(_("no comments to rank aspects on"))
    X = aspect_matrix(mentions, comments.index, aspects)
    counts = mentions.groupby("aspect")["id"].nunique() if len(mentions) else pd.Series(dtype=int)
    positive = (
        mentions[mentions.label == "positive"].groupby("aspect")["id"].nunique()
        if len(mentions) else pd.Series(dtype=int)
    )  # fmt: skip
    sat = _ols(X, comments.get("satisfaction", pd.Series(np.nan, index=comments.index)))
    ret = _ols(X, comments.get("returned", pd.Series(np.nan, index=comments.index)))
    rows = []
    for a in aspects:
        n = int(counts.get(a, 0))
        share = n / len(comments)
        rows.append((a, n, share, int(positive.get(a, 0)) / n if n else np.nan,
                     sat[a], ret[a], share * abs(sat[a]) if pd.notna(sat[a]) else np.nan))  # fmt: skip
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["priority", "mentions"], ascending=False, ignore_index=True)


def ipma_frame(ranked: pd.DataFrame) -> pd.DataFrame:
    """Importance (effect on satisfaction) and performance (0–100 share praised) per
    aspect, the columns the CSI importance–performance map uses."""
    return pd.DataFrame(
        {
            "construct": ranked["aspect"],
            "importance": ranked["effect_satisfaction"],
            "performance": 100 * ranked["positive_share"],
        }
    )
