"""What to do next for each customer: candidate actions ranked by expected value, in words.

.. math::

    EV(a, i) = P(\\text{respond} \\mid a) \\times \\text{value kept}_i - \\text{cost}_a

The value kept is the value that would be lost without action: churn risk × customer
lifetime value, read from the latest ``churn_risk`` and ``clv`` score snapshots. Where a
customer has no such score the proxies are said out loud in the explanation: the
average yearly spend over the customer's history (total spend ÷ years since the first
purchase, at least one) stands in for CLV — so a valued guest who has been away for years
still counts — and a risk that grows with the days since the last
purchase (``min(1, days / 730)``) stands in for the churn risk. Each candidate action has
a response rate, a cost and optional eligibility conditions (same language as a rule's
``when``); "do nothing" (EV 0) is always a candidate, so an action is recommended only
when it is worth more than its cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from patron.act.evaluate import condition_mask, customer_features
from patron.act.rules import parse_condition
from patron.core.i18n import N_, _, format_number, format_percent

DEFAULT_ACTIONS: list[dict[str, Any]] = [
    {
        "code": "personal_call",
        "label": N_("Personal call from a manager"),
        "p_respond": 0.25,
        "cost": 15.0,
    },
    {
        "code": "birthday_card",
        "label": N_("Birthday card"),
        "p_respond": 0.20,
        "cost": 1.0,
        "when": [{"field": "days_to_birthday", "op": "between", "value": [0, 14]}],
    },
    {
        "code": "email_offer",
        "label": N_("E-mail with a personal offer"),
        "p_respond": 0.05,
        "cost": 0.2,
        "when": [{"field": "consent_email", "op": "==", "value": True}],
    },
    {
        "code": "voucher",
        "label": N_("Voucher for the next visit"),
        "p_respond": 0.15,
        "cost": 8.0,
    },
]
NOTHING = {"code": "do_nothing", "label": N_("Do nothing"), "p_respond": 0.0, "cost": 0.0}
RESULT_COLUMNS = [
    "customer_id",
    "rank",
    "action",
    "label",
    "p_respond",
    "value_kept",
    "cost",
    "expected_value",
    "explanation",
]


def value_at_risk(frame: pd.DataFrame) -> pd.DataFrame:
    """Churn risk, CLV and their product per customer, with which were proxies."""
    clv = frame["score.clv"] if "score.clv" in frame else pd.Series(np.nan, index=frame.index)
    risk = (
        frame["score.churn_risk"]
        if "score.churn_risk" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    if "total_spend" in frame and "days_since_first_order" in frame:
        years = (frame["days_since_first_order"] / 365.25).clip(lower=1.0).fillna(1.0)
        spend = (frame["total_spend"].fillna(0.0) / years).astype(float)
    else:
        spend = frame.get("spend_365d", pd.Series(0.0, index=frame.index)).fillna(0.0)
    recency = frame.get("days_since_last_order", pd.Series(np.nan, index=frame.index))
    proxy_risk = (recency / 730).clip(upper=1.0).fillna(1.0)
    out = pd.DataFrame(
        {
            "clv": clv.fillna(spend).astype(float),
            "clv_proxy": clv.isna(),
            "churn_risk": risk.fillna(proxy_risk).astype(float).clip(0, 1),
            "risk_proxy": risk.isna(),
        },
        index=frame.index,
    )
    out["value_kept"] = out["clv"] * out["churn_risk"]
    return out


def rank_actions(
    frame: pd.DataFrame,
    actions: Sequence[dict[str, Any]] | None = None,
    *,
    top: int = 3,
    currency: str = "",
) -> pd.DataFrame:
    """The ``top`` actions per customer by expected value, each explained in words.

    ``frame`` is ``customer_features`` (with ``score.clv``/``score.churn_risk`` where
    known). Computed as whole columns: customers × actions, then a sort.
    """
    actions = list(actions or DEFAULT_ACTIONS)
    value = value_at_risk(frame)
    parts = []
    for action in [*actions, NOTHING]:
        eligible = pd.Series(True, index=frame.index)
        for i, raw in enumerate(action.get("when", [])):
            condition = parse_condition(action["code"], f"when[{i}]", raw)
            eligible &= condition_mask(frame, condition)
        chosen = value[eligible]
        label = str(action.get("label") or action["code"])
        p = float(action["p_respond"])
        kept = chosen["value_kept"] if action is not NOTHING else chosen["value_kept"] * 0
        parts.append(
            pd.DataFrame(
                {
                    "customer_pk": chosen.index,
                    "action": action["code"],
                    "label": _(label),
                    "p_respond": p,
                    "value_kept": kept.to_numpy(),
                    "cost": float(action["cost"]),
                    "expected_value": (p * kept - float(action["cost"])).to_numpy(),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(
        ["customer_pk", "expected_value", "cost"], ascending=[True, False, True]
    )
    table["rank"] = table.groupby("customer_pk").cumcount() + 1
    table = table[table["rank"] <= top].reset_index(drop=True)
    table["customer_id"] = frame.loc[table["customer_pk"], "customer_id"].to_numpy()
    info = value.loc[table["customer_pk"]].reset_index(drop=True)
    table["explanation"] = [
        _explain(row, facts, currency)
        for row, facts in zip(
            table.itertuples(index=False), info.itertuples(index=False), strict=True
        )
    ]
    return table[RESULT_COLUMNS]


def _money(value: float, currency: str) -> str:
    rounded = round(float(value))
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency}{format_number(abs(rounded), decimals=0)}"


def _explain(row: Any, facts: Any, currency: str) -> str:
    if row.action == NOTHING["code"]:
        return _("Do nothing: every other action costs more than it is expected to keep.")
    risk = format_percent(facts.churn_risk, decimals=0)
    clv = _money(facts.clv, currency)
    sources = []
    if facts.risk_proxy:
        sources.append(_("churn risk estimated from the days since the last purchase"))
    if facts.clv_proxy:
        sources.append(_("average yearly spend used as the lifetime value"))
    text = _(
        "{label}: {p} chance to respond × {kept} at stake (churn risk {risk} of a lifetime "
        "value of {clv}) − cost {cost} = expected value {ev}."
    ).format(
        label=row.label,
        p=format_percent(row.p_respond, decimals=0),
        kept=_money(row.value_kept, currency),
        risk=risk,
        clv=clv,
        cost=_money(row.cost, currency),
        ev=_money(row.expected_value, currency),
    )
    if sources:
        text += " " + _("Note: {sources}.").format(sources="; ".join(sources))
    return text


def next_best_actions(
    workspace: Any,
    today: dt.date | None = None,
    *,
    actions: Sequence[dict[str, Any]] | None = None,
    top: int = 3,
    customer_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Ranked actions for the workspace's customers (or only ``customer_ids``)."""
    today = today or dt.datetime.now(dt.UTC).date()
    frame = customer_features(workspace, today, score_metrics=("clv", "churn_risk"))
    if customer_ids is not None:
        frame = frame[frame["customer_id"].isin([str(c) for c in customer_ids])]
    currency = str(workspace.setting("locale", "currency", "") or "")
    symbol = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "THB": "฿"}.get(currency, "")
    return rank_actions(frame, actions, top=top, currency=symbol)
