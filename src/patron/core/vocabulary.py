"""What every room counts the same way: a sale, a return, an open complaint, an active customer.

One definition, set in ``patron.toml`` ``[vocabulary]``, used by features, segments,
lifecycle, loyalty, CLV, churn, linkage, the rules and the report. Each definition comes
in the three dialects the rooms speak: an Ibis expression (analytics on DuckDB or
Spark), a pandas mask (in-memory models) and an SQLAlchemy clause (the store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir
    import pandas as pd

TimeUnit = Literal["D", "W", "M", "Y"]

#: Days in one time unit (a month is a twelfth of a Julian year, a year 365.25 days).
UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}

#: Net promoter score on the 0–10 "would you recommend" item (Reichheld 2003): promoters
#: answer 9–10, detractors 0–6; NPS = % promoters − % detractors. CSAT counts the top two
#: boxes (4–5 of 5). Every room (surveys, linkage, loyalty, the index programme) uses these.
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
CSAT_TOP_BOX_MIN = 4

DEFAULT_NOT_SALE = ("returned", "refunded", "cancelled", "canceled", "void")
DEFAULT_OPEN_COMPLAINT = ("open", "assigned")


class Vocabulary(BaseModel):
    """The workspace's definitions (``[vocabulary]`` in ``patron.toml``).

    Attributes
    ----------
    not_sale_statuses : order statuses that are not a sale: the order is left out of
        purchase counts, spend, recency, CLV, churn and rule conditions, and counted as a
        return (with its cost) in the customer features. Compared case-insensitively.
    open_complaint_statuses : complaint statuses that count as open (SLA clock running).
    active_days : a customer is active when their last sale is at most this many days
        before the as-of date.
    time_unit : unit of recency, tenure and the BTYD summary: ``D``, ``W``, ``M`` or ``Y``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    not_sale_statuses: tuple[str, ...] = DEFAULT_NOT_SALE
    open_complaint_statuses: tuple[str, ...] = DEFAULT_OPEN_COMPLAINT
    active_days: int = Field(default=365, gt=0)
    time_unit: TimeUnit = "W"

    @field_validator("not_sale_statuses", "open_complaint_statuses", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        return tuple(str(v).strip().lower() for v in value)

    @property
    def unit_days(self) -> float:
        return UNIT_DAYS[self.time_unit]

    # -- a sale --------------------------------------------------------------------
    def is_sale(self, status: ir.StringValue) -> ir.BooleanValue:
        """Ibis: true when an order with this ``status`` is a sale (a missing status is)."""
        return ~status.lower().isin(list(self.not_sale_statuses)).fill_null(False)

    def is_sale_mask(self, status: pd.Series) -> np.ndarray:
        """pandas: boolean array, true for sales."""
        lowered = status.astype("string").str.lower()
        return ~lowered.isin(self.not_sale_statuses).fillna(False).to_numpy(dtype=bool)

    def sale_clause(self, status: Any) -> Any:
        """SQLAlchemy: the condition that an order with column ``status`` is a sale."""
        import sqlalchemy as sa

        return sa.or_(status.is_(None), sa.func.lower(status).not_in(self.not_sale_statuses))

    def sales(self, orders: ir.Table) -> ir.Table:
        """The sales among ``orders`` (all of them when there is no ``status`` column)."""
        if "status" not in orders.columns:
            return orders
        return orders.filter(self.is_sale(orders.status))

    # -- a complaint ---------------------------------------------------------------
    def is_open_complaint(self, status: ir.StringValue) -> ir.BooleanValue:
        return status.lower().isin(list(self.open_complaint_statuses)).fill_null(False)

    def open_complaint_clause(self, status: Any) -> Any:
        return status.in_(self.open_complaint_statuses)


#: The built-in definitions (what a workspace without ``[vocabulary]`` uses).
DEFAULT_VOCABULARY = Vocabulary()


def vocabulary_of(workspace: Any) -> Vocabulary:
    """The workspace's vocabulary, or the default one when there is no workspace."""
    if workspace is None:
        return DEFAULT_VOCABULARY
    return workspace.config.effective_vocabulary


def unit_days(time_unit: str) -> float:
    """Days in ``time_unit`` (``D``, ``W``, ``M`` or ``Y``); an unknown unit is an error."""
    from patron.core.i18n import _
    from patron.exceptions import InputError

    key = str(time_unit).strip().upper()[:1]
    if key not in UNIT_DAYS:
        raise InputError(
            _("unknown time unit {unit!r}: use one of {choices}").format(
                unit=time_unit, choices=", ".join(UNIT_DAYS)
            )
        )
    return UNIT_DAYS[key]
