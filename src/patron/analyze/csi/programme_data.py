"""Which unit each survey answer measures, the unit tree, and each unit's revenue per period.

An answer carries the unit it was collected in. When that unit has units below it
(a survey sent by the hotel group, not by one property), the answer is credited to
the unit of the customer's latest sale on or before the day of the answer that lies
below it (the stay the guest is answering about); an answer with no such sale stays
with the unit it was collected in. The roll-up weights by revenue read the sales per
unit and period from the same warehouse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from patron.analyze.csi.data import workspace_answers
from patron.analyze.csi.programme import period_labels
from patron.core.i18n import _
from patron.exceptions import InputError

if TYPE_CHECKING:  # pragma: no cover
    from patron.analyze.reader import WarehouseReader


def unit_tree(reader: WarehouseReader) -> pd.DataFrame:
    """``pk, code, parent, name, name_zh, path`` of every unit in the reader's scope."""
    units = reader.to_pandas(reader.table("units"))
    if units.empty:
        raise InputError(_("the workspace has no units: add them with `patron units add`"))
    by_pk = dict(zip(units["id"], units["code"], strict=True))
    tree = pd.DataFrame(
        {
            "pk": units["id"].astype(int),
            "code": units["code"].astype(str),
            "parent": [by_pk.get(p) if pd.notna(p) else None for p in units["parent_pk"]],
            "name": units["name"],
            "name_zh": units["name_zh"],
            "path": units["path"],
        }
    )
    pks = reader.scope.unit_pks
    if pks is not None:
        tree = tree[tree["pk"].isin(pks)].copy()
        # The scope's own unit is the top of its tree.
        tree.loc[~tree["parent"].isin(set(tree["code"])), "parent"] = None
    return tree.sort_values("path").reset_index(drop=True)


def programme_answers(
    reader: WarehouseReader, *, survey_code: str | None = None, as_of: Any = None
) -> pd.DataFrame:
    """Wide answers in scope with the column ``unit`` (the code of the unit measured)."""
    long = reader.table("survey_responses")
    if "unit_pk" not in long.columns:
        # A warehouse written before the organisation had units: nothing to measure by unit.
        raise InputError(_("the workspace has no units: add them with `patron units add`"))
    wide = workspace_answers(reader, survey_code=survey_code, as_of=as_of)
    where = reader.to_pandas(long.select("response_id", "unit_pk").distinct())
    where = where.dropna().drop_duplicates("response_id").set_index("response_id")["unit_pk"]
    tree = unit_tree(reader)
    code_of = dict(zip(tree["pk"], tree["code"], strict=True))
    path_of = dict(zip(tree["pk"], tree["path"], strict=True))
    unit_pk = where.reindex(wide.index)
    has_children = set(tree["parent"].dropna())
    credited = unit_pk.copy()
    broad = unit_pk.map(lambda pk: code_of.get(pk) in has_children if pd.notna(pk) else False)
    if broad.any():
        sales = reader.to_pandas(reader.sales().select("customer_id", "ordered_at", "unit_pk"))
        sales = sales.dropna(subset=["customer_id", "unit_pk"])
        if not sales.empty:
            asked = wide.loc[broad.to_numpy(), ["customer_id", "responded_at"]].copy()
            asked["answer_unit"] = unit_pk[broad].to_numpy()
            asked = asked.dropna(subset=["customer_id"]).reset_index()
            asked["customer_id"] = asked["customer_id"].astype(str)
            asked["responded_at"] = pd.to_datetime(asked["responded_at"], utc=True)
            sales["customer_id"] = sales["customer_id"].astype(str)
            sales["ordered_at"] = pd.to_datetime(sales["ordered_at"], utc=True)
            # The last stay on or before the day answered (answers come the day after).
            matched = pd.merge_asof(
                asked.sort_values("responded_at"),
                sales.sort_values("ordered_at"),
                left_on="responded_at",
                right_on="ordered_at",
                by="customer_id",
                direction="backward",
            )
            below = [
                pd.notna(s) and str(path_of.get(s, "")).startswith(str(path_of.get(a, "")))
                for s, a in zip(matched["unit_pk"], matched["answer_unit"], strict=True)
            ]
            matched = matched[np.array(below, dtype=bool)]
            credited.loc[matched["response_id"].to_numpy()] = matched["unit_pk"].to_numpy()
    out = wide.assign(unit=credited.map(code_of))
    unplaced = out["unit"].isna()
    if unplaced.all():
        raise InputError(
            _("no survey answer in {scope} belongs to a unit").format(scope=reader.scope.label())
        )
    return out[~unplaced]


def revenue_by_unit_period(reader: WarehouseReader, period: str) -> pd.DataFrame:
    """``unit, period, weight``: sales per unit and period (the roll-up's revenue weights)."""
    sales = reader.to_pandas(reader.sales().select("ordered_at", "amount", "unit_pk"))
    sales = sales.dropna(subset=["unit_pk", "ordered_at"])
    if sales.empty:
        raise reader.no_sales()
    tree = unit_tree(reader)
    code_of = dict(zip(tree["pk"], tree["code"], strict=True))
    sales["unit"] = sales["unit_pk"].map(code_of)
    sales["period"] = period_labels(sales["ordered_at"], period).to_numpy()
    table = sales.groupby(["unit", "period"], as_index=False)["amount"].sum()
    return table.rename(columns={"amount": "weight"})


__all__ = ["programme_answers", "revenue_by_unit_period", "unit_tree"]
