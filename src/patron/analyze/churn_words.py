"""How a churn feature reads in words: its name, a customer's value of it, and the reasons.

The workspace features of :mod:`patron.analyze.churn_data` each have a plain name (for
importance tables and the report) and a sentence for one customer's value ("3 unresolved
complaints", "140 days since last purchase"); a missing value says what it means ("no
survey answer on record"). Features of other tables read "<name> is <value>".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import N_, _, format_number, format_percent, ngettext

__all__ = [
    "FEATURE_NAMES",
    "FEATURE_WORDING",
    "MISSING_WORDING",
    "describe_feature",
    "feature_name",
    "reason_lists",
]


def _count(singular: str, plural: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        n = int(round(value))
        return ngettext(singular, plural, n).format(n=format_number(n))

    return say


def _days(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(n=format_number(int(round(value))))

    return say


def _score(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(score=format_number(value, decimals=0))

    return say


def _change(fell: str, rose: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        text = fell if value < 0 else rose
        return _(text).format(points=format_number(abs(value), decimals=0))

    return say


def _money(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(amount=format_number(value, decimals=0))

    return say


def _share(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(share=format_percent(value, decimals=0))

    return say


def _nps(value: float) -> str:
    # The NPS class is coded 0 detractor, 1 passive, 2 promoter (see churn_data).
    names = {0: N_("detractor"), 1: N_("passive"), 2: N_("promoter")}
    return _("NPS class: {label}").format(label=_(names.get(int(round(value)), N_("unknown"))))


# How each feature of patron.analyze.churn_data reads in a sentence. Features not listed
# read "<name> is <value>" (e.g. Telco's "Contract is Month-to-month").
FEATURE_WORDING: dict[str, Callable[[float], str]] = {
    "complaints": _count(N_("{n} complaint"), N_("{n} complaints")),
    "complaints_open": _count(N_("{n} open complaint"), N_("{n} open complaints")),
    "complaints_unresolved": _count(
        N_("{n} unresolved complaint"), N_("{n} unresolved complaints")
    ),
    "complaints_resolved": _count(N_("{n} resolved complaint"), N_("{n} resolved complaints")),
    "complaints_365d": _count(
        N_("{n} complaint in the last year"), N_("{n} complaints in the last year")
    ),
    "days_to_resolve": _days(N_("complaints took {n} days to resolve")),
    "days_since_last_complaint": _days(N_("last complaint {n} days ago")),
    "days_since_last_purchase": _days(N_("{n} days since last purchase")),
    "days_since_first_purchase": _days(N_("customer for {n} days")),
    "purchases": _count(N_("{n} purchase"), N_("{n} purchases")),
    "purchases_365d": _count(
        N_("{n} purchase in the last year"), N_("{n} purchases in the last year")
    ),
    "purchase_trend": _change(
        N_("buying fell by {points} purchases a year"),
        N_("buying rose by {points} purchases a year"),
    ),
    "mean_days_between": _days(N_("buys every {n} days on average")),
    "silence_ratio": lambda v: _("silent for {ratio}× the usual gap between purchases").format(
        ratio=format_number(v, decimals=1)
    ),
    "revenue": _money(N_("total spend {amount}")),
    "revenue_365d": _money(N_("spend in the last year {amount}")),
    "mean_spend": _money(N_("average spend {amount}")),
    "discount_share": _share(N_("{share} of spend discounted")),
    "interactions": _count(N_("{n} contact"), N_("{n} contacts")),
    "service_contacts": _count(N_("{n} service contact"), N_("{n} service contacts")),
    "interactions_90d": _count(
        N_("{n} contact in the last 90 days"), N_("{n} contacts in the last 90 days")
    ),
    "days_since_last_interaction": _days(N_("last contact {n} days ago")),
    "days_since_last_survey": _days(N_("last survey answer {n} days ago")),
    "nps": _score(N_("would-recommend score {score} of 10")),
    "nps_class": _nps,
    "satisfaction": _score(N_("satisfaction score {score} of 100")),
    "expectations": _score(N_("expectations score {score} of 100")),
    "quality": _score(N_("quality score {score} of 100")),
    "value": _score(N_("value score {score} of 100")),
    "loyalty_intent": _score(N_("stated loyalty {score} of 100")),
    "complaint_score": _score(N_("complaint-handling score {score} of 100")),
    "image": _score(N_("image score {score} of 100")),
    "satisfaction_change": _change(
        N_("satisfaction score fell by {points} points"),
        N_("satisfaction score rose by {points} points"),
    ),
    "value_change": _change(
        N_("value score fell by {points} points"), N_("value score rose by {points} points")
    ),
    "quality_change": _change(
        N_("quality score fell by {points} points"), N_("quality score rose by {points} points")
    ),
}

# Plain names of the workspace features (for importance tables and the report).
FEATURE_NAMES: dict[str, str] = {
    "complaints": N_("complaints"),
    "complaints_open": N_("open complaints"),
    "complaints_unresolved": N_("unresolved complaints"),
    "complaints_resolved": N_("resolved complaints"),
    "complaints_365d": N_("complaints in the last year"),
    "days_to_resolve": N_("days to resolve complaints"),
    "days_since_last_complaint": N_("days since last complaint"),
    "days_since_last_purchase": N_("days since last purchase"),
    "days_since_first_purchase": N_("customer age (days)"),
    "purchases": N_("purchases"),
    "purchases_365d": N_("purchases in the last year"),
    "purchase_trend": N_("change in yearly purchases"),
    "mean_days_between": N_("mean days between purchases"),
    "silence_ratio": N_("silence against own rhythm"),
    "revenue": N_("total spend"),
    "revenue_365d": N_("spend in the last year"),
    "mean_spend": N_("average spend"),
    "discount_share": N_("discount share"),
    "interactions": N_("contacts"),
    "service_contacts": N_("service contacts"),
    "interactions_90d": N_("contacts in the last 90 days"),
    "days_since_last_interaction": N_("days since last contact"),
    "days_since_last_survey": N_("days since last survey answer"),
    "nps": N_("would-recommend score"),
    "nps_class": N_("NPS class"),
    "satisfaction": N_("satisfaction score"),
    "expectations": N_("expectations score"),
    "quality": N_("quality score"),
    "value": N_("value score"),
    "loyalty_intent": N_("stated loyalty"),
    "complaint_score": N_("complaint-handling score"),
    "image": N_("image score"),
    "satisfaction_change": N_("change in satisfaction score"),
    "value_change": N_("change in value score"),
    "quality_change": N_("change in quality score"),
}


# What a missing value means, where it means something.
_SURVEY = N_("no survey answer on record")
MISSING_WORDING: dict[str, str] = {
    "silence_ratio": N_("only one purchase so far"),
    "mean_days_between": N_("only one purchase so far"),
    "days_to_resolve": N_("no complaint resolved yet"),
    "days_since_last_complaint": N_("no complaint on record"),
    "days_since_last_interaction": N_("no contact on record"),
    "days_since_last_survey": _SURVEY,
    **dict.fromkeys(
        (
            "nps",
            "nps_class",
            "satisfaction",
            "expectations",
            "quality",
            "value",
            "loyalty_intent",
            "complaint_score",
            "image",
        ),
        _SURVEY,
    ),
}


def feature_name(feature: str) -> str:
    """A feature's name in the current language (unknown features keep their column name)."""
    return _(FEATURE_NAMES[feature]) if feature in FEATURE_NAMES else feature


def describe_feature(feature: str, value: Any) -> str:
    """One customer's value of one feature, in words ("3 unresolved complaints")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if feature in MISSING_WORDING:
            return _(MISSING_WORDING[feature])
        return _("no {feature} on record").format(feature=feature_name(feature))
    wording = FEATURE_WORDING.get(feature)
    if wording is not None and isinstance(value, int | float | np.integer | np.floating):
        return wording(float(value))
    if isinstance(value, float | np.floating):
        shown = format_number(float(value), decimals=0 if float(value).is_integer() else 2)
    else:
        shown = str(value)
    return _("{feature} is {value}").format(feature=feature_name(feature), value=shown)


def reason_lists(
    contrib: np.ndarray, features: pd.DataFrame, names: list[str], *, top: int
) -> list[list[str]]:
    """Word the ``top`` positive contributions of each row (vectorised selection)."""
    n = contrib.shape[0]
    if n == 0:
        return []
    k = min(top, contrib.shape[1])
    idx = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    values = features[names].to_numpy(dtype=object)
    out: list[list[str]] = []
    for row in range(n):
        words: list[str] = []
        for j in idx[row]:
            if contrib[row, j] <= 0:
                break
            text = describe_feature(names[j], values[row, j])
            if text not in words:  # two rhythm features can say the same thing
                words.append(text)
        out.append(words)
    return out
