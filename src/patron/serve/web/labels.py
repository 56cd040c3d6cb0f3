"""Words for the codes shown on pages: the one registry is :mod:`patron.report.labels`.

Kept so page modules can keep importing ``labels`` from here; the tables themselves are
defined once, in the library, because the report prints the same codes.
"""

from __future__ import annotations

from patron.report.labels import (
    churn_risk_words,
    interaction_words,
    label,
    labels,
    score_label,
)

__all__ = ["churn_risk_words", "interaction_words", "label", "labels", "score_label"]
