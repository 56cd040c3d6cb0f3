"""What one survey's answers say about satisfaction: the CSI and the drivers to improve first.

For a survey that holds the items of a satisfaction-index instrument (ACSI or ECSI), the
CSI job (:func:`patron.jobs.csi.csi`) is fitted on the survey's answers as stored right
now (no warehouse sync needed), and the importance-performance list names the
questions to improve first, in the reader's language. Fewer than
:data:`MIN_RESPONDENTS` respondents give no index, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import surveys
from patron.collect.instruments import INSTRUMENTS, item_bank
from patron.collect.store.models import Survey, SurveyResponse
from patron.core.i18n import _
from patron.jobs.context import AnalysisContext
from patron.jobs.csi import csi

MIN_RESPONDENTS = 30
DRIVERS_SHOWN = 5


@dataclass
class SurveyCSI:
    """The index of one survey's answers and its drivers, or why there is none."""

    survey: str
    model: str | None
    respondents: int = 0
    satisfaction_index: float | None = None
    drivers: list[dict[str, Any]] = field(default_factory=list)
    missing: str | None = None

    @property
    def command(self) -> str:
        """The command that computes the same index from the synced warehouse."""
        return f"patron sync && patron csi --survey {self.survey} --model {self.model or 'acsi'}"


def survey_model(survey: Survey) -> str | None:
    """The instrument ("acsi", "ecsi") whose items the survey holds, if any."""
    codes = {item.code for item in survey.items}
    banks = {name: set(item_bank(name)["code"]) for name in INSTRUMENTS}
    for name in sorted(banks, key=lambda n: -len(banks[n])):  # the larger model first
        if banks[name] <= codes:
            return name
    return None


def survey_csi(session: Session, survey_code: str, *, lang: str = "en") -> SurveyCSI:
    """The CSI of the survey's stored answers, with its top drivers in words."""
    survey = surveys.get_survey(session, survey_code)
    model = survey_model(survey)
    result = SurveyCSI(survey=survey.code, model=model)
    if model is None:
        result.missing = _("this survey has no satisfaction-index questions (ACSI or ECSI)")
        return result
    r = SurveyResponse
    rows = session.execute(
        sa.select(r.response_id, r.item_code, r.value).where(
            r.survey_pk == survey.id, r.value.is_not(None)
        )
    ).all()
    answers = pd.DataFrame(rows, columns=["response_id", "item_code", "value"])
    result.respondents = int(answers["response_id"].nunique()) if len(answers) else 0
    if result.respondents < MIN_RESPONDENTS:
        result.missing = _(
            "the satisfaction index needs at least {n} answers; this survey has {have}"
        ).format(n=MIN_RESPONDENTS, have=result.respondents)
        return result
    fitted = csi(AnalysisContext.from_tables({}), model=model, answers=answers)
    result.satisfaction_index = float(fitted.figures["satisfaction_index"])
    words = {
        item.code: (item.text_zh if lang == "zh_CN" and item.text_zh else item.text_en)
        for item in survey.items
    }
    for row in fitted.tables["ipma"].head(DRIVERS_SHOWN).to_dict(orient="records"):
        result.drivers.append(
            {
                "item": row["item"],
                "question": words.get(row["item"], row["item"]),
                "importance": float(row["importance"]),
                "performance": float(row["performance"]),
            }
        )
    return result
