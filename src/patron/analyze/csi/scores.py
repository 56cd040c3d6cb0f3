"""How satisfaction scores reach the customer record: ``csi_satisfaction`` snapshots.

``score_workspace`` reads a workspace's survey answers, fits the CSI model and writes
each customer's 0–100 satisfaction score (the mean over their responses) to the score
snapshots, where the customer 360 view, the rules and the report read it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from patron.analyze.csi.data import workspace_answers
from patron.analyze.csi.index import CSIModel

METRIC = "csi_satisfaction"


def write_csi_scores(workspace: Any, model: CSIModel, *, as_of: date | None = None) -> int:
    """Upsert the fitted model's per-customer scores; returns the rows written."""
    from patron.collect.scores import write_scores

    return write_scores(
        workspace,
        model.customer_scores(),
        as_of=as_of or date.today(),
        model=f"csi-{model.spec_.name}",
    )


def score_workspace(
    workspace: Any,
    *,
    spec: Any = "acsi",
    survey_code: str | None = None,
    as_of: date | None = None,
    **model_options: Any,
) -> tuple[CSIModel, int]:
    """Fit the CSI model on the workspace's answers and write the scores.

    Returns the fitted model and the number of score rows written.
    """
    answers = workspace_answers(workspace, survey_code=survey_code)
    model = CSIModel(spec=spec, **model_options).fit(answers)
    return model, write_csi_scores(workspace, model, as_of=as_of)
