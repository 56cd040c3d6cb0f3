"""What is known about each customer before the forecast: covariates for the CLV models.

Time-invariant covariates are facts fixed by the calibration end: ``satisfaction`` (the
mean of the customer's survey satisfaction answers up to then, 1–10),
``first_purchase_value`` (what they spent on their first purchase day), ``channel``
(the channel of their first order: how they were acquired) and any column of the
``customers`` table (e.g. a segment or a unit). Customers without a value are left out
of a model with that covariate, and counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from patron.core.i18n import N_, _
from patron.exceptions import InputError

__all__ = ["DERIVED_COVARIATES", "customer_covariates"]

#: Covariates Patron derives (name -> what it is); other names are ``customers`` columns.
DERIVED_COVARIATES = {
    "satisfaction": N_("mean survey satisfaction up to the calibration end (1–10)"),
    "first_purchase_value": N_("spend on the first purchase day"),
    "channel": N_("channel of the first order (acquisition channel)"),
}


def customer_covariates(
    reader: Any, names: Sequence[str], *, calibration_end: dt.date, history: Any = None
) -> pd.DataFrame:
    """One row per customer with ``customer_id`` (text) and the ``names`` columns.

    Only customers with every covariate are returned. ``history`` (a
    :class:`~patron.analyze.churn_data.CustomerHistory`) is read when satisfaction is
    asked for and none is given.
    """
    end = pd.Timestamp(calibration_end) + pd.Timedelta(days=1)
    columns: list[pd.Series] = []
    for name in names:
        if name == "satisfaction":
            columns.append(_satisfaction(reader, history, end))
        elif name in ("first_purchase_value", "channel"):
            columns.append(_first_purchase(reader, name, end))
        else:
            columns.append(_customer_column(reader, name))
    frame = pd.concat(columns, axis=1, join="inner")
    frame.index.name = "customer_id"
    return frame.dropna().reset_index()


def _satisfaction(reader: Any, history: Any, end: pd.Timestamp) -> pd.Series:
    from patron.analyze.churn_data import CustomerHistory

    history = history if history is not None else CustomerHistory.from_reader(reader)
    if not history.has_surveys:
        raise InputError(_("covariate satisfaction: the scope has no survey answers"))
    scores = history.survey_scores()
    if "satisfaction" not in scores.columns:
        raise InputError(_("covariate satisfaction: the survey has no satisfaction items"))
    at = pd.to_datetime(scores["at"], utc=True).dt.tz_localize(None)
    scores = scores[(at < end) & scores["satisfaction"].notna()]
    return scores.groupby(scores["customer_id"].astype(str))["satisfaction"].mean()


def _first_purchase(reader: Any, name: str, end: pd.Timestamp) -> pd.Series:
    from patron.analyze.features import as_day

    sales = reader.sales()
    if name == "channel" and "channel" not in sales.columns:
        raise InputError(_("covariate channel: the orders have no channel column"))
    wanted = ["customer_id", "ordered_at"] + (["amount"] if name != "channel" else ["channel"])
    table = sales.select(*wanted).mutate(
        customer_id=sales.customer_id.cast("string"), _day=as_day(sales.ordered_at)
    )
    frame = reader.to_pandas(table)
    frame["_day"] = pd.to_datetime(frame["_day"])
    frame = frame[frame["_day"] < end]
    first = frame.groupby("customer_id")["_day"].transform("min")
    first_rows = frame[frame["_day"] == first].sort_values(["customer_id", "ordered_at"])
    if name == "channel":
        return first_rows.groupby("customer_id")["channel"].first().astype(str).rename(name)
    return first_rows.groupby("customer_id")["amount"].sum().astype(float).rename(name)


def _customer_column(reader: Any, name: str) -> pd.Series:
    customers = reader.table("customers", required=False)
    if customers is None or name not in customers.columns:
        known = ", ".join(DERIVED_COVARIATES)
        found = "" if customers is None else ", ".join(customers.columns)
        raise InputError(
            _(
                "unknown covariate {name!r}: use {known} or a column of the customers "
                "table ({found})"
            ).format(name=name, known=known, found=found or _("none"))
        )
    table = customers.select("customer_id", name)
    frame = reader.to_pandas(table.mutate(customer_id=table.customer_id.cast("string")))
    return frame.drop_duplicates("customer_id").set_index("customer_id")[name]
