"""What customers did after what they said: satisfaction, complaints and NPS against behaviour.

Every table here follows customers from a reference moment (a survey answer, a purchase
and the complaint that followed it) over a horizon and reports what they did next:
bought again (retention) and how much they spent, with 95 % intervals (Wilson for
shares, normal for means). Only moments whose horizon has fully passed are used, so a
recent answer never counts as a loss. On top come the value at risk (CLV × churn
probability) and the elasticity of retention to each satisfaction driver.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.churn_data import UNRESOLVED_OUTCOMES, CustomerHistory, parse_horizon
from patron.analyze.churn_words import feature_name
from patron.core.i18n import N_, _
from patron.core.vocabulary import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from patron.exceptions import InputError

__all__ = [
    "survey_scores",
    "satisfaction_loyalty_curve",
    "expectation_classes",
    "complaint_recovery",
    "nps_repeat",
    "value_at_risk",
    "value_at_risk_by_driver",
    "retention_elasticity",
    "wilson_interval",
    "SATISFACTION_BANDS",
]

#: Figure 5-2's five levels on a 1–10 scale.
SATISFACTION_BANDS: list[tuple[float, float, str]] = [
    (0.0, 2.5, N_("very dissatisfied")),
    (2.5, 4.5, N_("dissatisfied")),
    (4.5, 6.5, N_("neutral")),
    (6.5, 8.5, N_("satisfied")),
    (8.5, 10.01, N_("very satisfied")),
]
EXPECTATION_CLASSES = {
    "exceeded": N_("perception above expectation"),
    "met": N_("perception equal to expectation"),
    "fell_short": N_("perception below expectation"),
}
NPS_CLASSES = {"promoter": N_("promoter"), "passive": N_("passive"), "detractor": N_("detractor")}
COMPLAINT_CLASSES = {
    "none": N_("no complaint"),
    "resolved": N_("complaint resolved"),
    "unresolved": N_("complaint unresolved"),
}


def wilson_interval(successes: np.ndarray, n: np.ndarray, z: float = 1.96):
    """Wilson score interval for shares (well behaved at 0 %, 100 % and small n)."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _window_end(history: CustomerHistory, end: Any) -> pd.Timestamp:
    if end is None:
        return history.last_event
    return pd.Timestamp(end, tz="UTC") if pd.Timestamp(end).tzinfo is None else pd.Timestamp(end)


def next_behaviour(
    history: CustomerHistory,
    moments: pd.DataFrame,
    *,
    horizon: str | int | timedelta = "365d",
    end: Any = None,
) -> pd.DataFrame:
    """For each (customer_id, at) moment: purchases and spend in ``(at, at + horizon]``.

    Moments whose horizon ends after the data (``end``, default the last purchase) are
    dropped. Adds columns ``returned`` (0/1), ``purchases_next`` and ``spend_next``.
    """
    span = pd.Timedelta(parse_horizon(horizon))
    stop = _window_end(history, end)
    moments = moments[moments["at"] + span <= stop].copy()
    keys, cumulative, customers, base = _order_index(history)
    code = customers.get_indexer(moments["customer_id"].astype(str)).astype(np.int64)
    at = np.clip(_seconds(moments["at"]) - base, 0, None).astype(np.int64)
    # Orders sorted by (customer, time) as one int64 key; a window is two binary searches.
    # The searches run on sorted needles (each starts where the last ended: far fewer
    # cache misses on millions of moments), then go back to the moments' order.
    start = code * _SHIFT + at
    order = np.argsort(start, kind="stable")
    lo, hi = np.empty(len(start), dtype=np.intp), np.empty(len(start), dtype=np.intp)
    lo[order] = np.searchsorted(keys, start[order], side="right")
    hi[order] = np.searchsorted(keys, start[order] + int(span.total_seconds()), side="right")
    known = code >= 0
    purchases = np.where(known, hi - lo, 0)
    spend = np.where(known, cumulative[hi] - cumulative[lo], 0.0)
    moments["purchases_next"] = purchases.astype(int)
    moments["spend_next"] = spend
    moments["returned"] = (purchases > 0).astype(int)
    return moments


_SHIFT = np.int64(1) << np.int64(33)  # > 270 years of seconds per customer slot


def _seconds(stamps: pd.Series) -> np.ndarray:
    # Arithmetic on the column (a tz-aware to_numpy would go through Python objects).
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return ((stamps - epoch) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)


def _order_index(history: CustomerHistory):
    """Orders as sorted (customer, second) keys with cumulative spend, built once."""
    cached = getattr(history, "_linkage_index", None)
    if cached is not None:
        return cached
    orders = history.orders
    # One hash pass gives each order its customer's code and the customers in order.
    code, uniques = pd.factorize(
        orders["customer_id"].astype(str), sort=False, use_na_sentinel=False
    )
    customers = pd.Index(uniques)
    code = code.astype(np.int64)
    seconds = _seconds(orders["ordered_at"])
    # 50 years of room before the first order for earlier moments (surveys, complaints).
    base = int(seconds.min()) - 50 * 365 * 86400 if len(seconds) else 0
    keys = code * _SHIFT + (seconds - base)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cumulative = np.concatenate([[0.0], np.cumsum(orders["amount"].to_numpy(dtype=float)[order])])
    history._linkage_index = (keys, cumulative, customers, base)
    return history._linkage_index


def _summarise(frame: pd.DataFrame, group: str, order: list[str] | None = None) -> pd.DataFrame:
    g = frame.groupby(group, observed=True)
    table = g.agg(
        customers=("customer_id", "nunique"),
        moments=("returned", "size"),
        returned=("returned", "sum"),
        spend_mean=("spend_next", "mean"),
        spend_sd=("spend_next", "std"),
    )
    table["retention"] = table["returned"] / table["moments"]
    low, high = wilson_interval(table["returned"].to_numpy(), table["moments"].to_numpy())
    table["retention_low"], table["retention_high"] = low, high
    se = table["spend_sd"].fillna(0.0) / np.sqrt(table["moments"])
    table["spend_low"] = table["spend_mean"] - 1.96 * se
    table["spend_high"] = table["spend_mean"] + 1.96 * se
    table = table.drop(columns="spend_sd")
    if order is not None:
        table = table.reindex([o for o in order if o in table.index])
    table.index.name = group
    return table.reset_index()


def survey_scores(history: CustomerHistory) -> pd.DataFrame:
    """One row per survey answer: construct means on the 1–10 item scale, and NPS (0–10).

    Columns: ``customer_id, response_id, at`` and one column per construct found
    (``expectations, quality, value, satisfaction, complaint_score, loyalty_intent,
    image``) plus ``nps`` (see :meth:`CustomerHistory.survey_scores`).
    """
    if not history.has_surveys:
        raise InputError(_("no survey responses: the satisfaction links need survey data"))
    return history.survey_scores()


def _band(score: pd.Series) -> pd.Series:
    edges = [b[0] for b in SATISFACTION_BANDS] + [SATISFACTION_BANDS[-1][1]]
    labels = [b[2] for b in SATISFACTION_BANDS]
    return pd.cut(score, bins=edges, labels=labels, right=False)


def satisfaction_loyalty_curve(
    history: CustomerHistory,
    *,
    horizon: str | int | timedelta = "365d",
    construct: str = "satisfaction",
    by: str = "band",
    end: Any = None,
) -> pd.DataFrame:
    """Retention (bought again within the horizon) by satisfaction level (figure 5-2).

    ``by="band"`` groups the 1–10 construct mean into the five levels of figure 5-2;
    ``by="score"`` rounds it to whole points; ``by="quintile"`` uses the answers'
    quintiles. Columns: level, customers, moments (answers), returned, retention with
    ``retention_low``/``retention_high``, spend in the horizon with its interval.
    """
    scores = survey_scores(history)
    if construct not in scores.columns:
        raise InputError(
            _("no {construct} items in the survey answers (found: {found})").format(
                construct=construct,
                found=", ".join(
                    c for c in scores.columns if c not in {"customer_id", "response_id", "at"}
                ),
            )
        )
    scores = scores[scores[construct].notna()]
    moments = next_behaviour(history, scores, horizon=horizon, end=end)
    if moments.empty:
        raise InputError(_("no survey answer is older than the horizon: nothing to follow"))
    if by == "band":
        moments["level"] = _band(moments[construct])
        order = [b[2] for b in SATISFACTION_BANDS]
    elif by == "score":
        moments["level"] = moments[construct].round().astype(int)
        order = sorted(moments["level"].unique())
    elif by == "quintile":
        moments["level"] = pd.qcut(
            moments[construct].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]
        )
        order = [1, 2, 3, 4, 5]
    else:
        raise InputError(_("by must be band, score or quintile, got: {value}").format(value=by))
    table = _summarise(moments, "level", order)
    if by == "band":
        table["label"] = [_(str(v)) for v in table["level"]]
    return table


def expectation_classes(
    history: CustomerHistory,
    *,
    horizon: str | int | timedelta = "365d",
    tolerance: float = 0.5,
    perception: str = "quality",
    end: Any = None,
) -> pd.DataFrame:
    """Table 5-1: perception above, equal to or below expectation, and what came next.

    Perception is the ``perception`` construct mean and expectation the expectations
    mean of the same answer (1–10); within ``tolerance`` points they are "equal". Next
    to retention and spend, ``complained_next`` is the share who complained within the
    horizon.
    """
    scores = survey_scores(history)
    for needed in ("expectations", perception):
        if needed not in scores.columns:
            raise InputError(
                _("no {construct} items in the survey answers").format(construct=needed)
            )
    scores = scores[scores["expectations"].notna() & scores[perception].notna()].copy()
    gap = scores[perception] - scores["expectations"]
    scores["class"] = np.select(
        [gap > tolerance, gap < -tolerance], ["exceeded", "fell_short"], default="met"
    )
    scores["gap"] = gap
    moments = next_behaviour(history, scores, horizon=horizon, end=end)
    span = pd.Timedelta(parse_horizon(horizon))
    complaints = history.complaints
    if complaints is not None and not complaints.empty:
        joined = (
            moments[["customer_id", "at"]]
            .reset_index()
            .merge(complaints[["customer_id", "opened_at"]], on="customer_id")
        )
        hit = joined[
            (joined["opened_at"] > joined["at"]) & (joined["opened_at"] <= joined["at"] + span)
        ]
        moments["complained_next"] = moments.index.isin(hit["index"].unique()).astype(int)
    else:
        moments["complained_next"] = 0
    table = _summarise(moments, "class", list(EXPECTATION_CLASSES))
    table["complained_next"] = (
        moments.groupby("class")["complained_next"].mean().reindex(table["class"]).to_numpy()
    )
    table["mean_gap"] = moments.groupby("class")["gap"].mean().reindex(table["class"]).to_numpy()
    table["label"] = [_(EXPECTATION_CLASSES[c]) for c in table["class"]]
    return table


def _purchase_moments(history: CustomerHistory, *, end: Any, horizon) -> pd.DataFrame:
    orders = history.orders[["customer_id", "ordered_at", "amount"]].sort_values("ordered_at")
    moments = orders.rename(columns={"ordered_at": "at"}).reset_index(drop=True)
    moments["purchase"] = np.arange(len(moments))
    return moments


def complaint_recovery(
    history: CustomerHistory,
    *,
    horizon: str | int | timedelta = "365d",
    end: Any = None,
) -> pd.DataFrame:
    """Retention and spend after purchases with no complaint, a resolved or an unresolved one.

    Each complaint belongs to the customer's latest purchase on or before it was opened;
    a purchase with an unresolved (or still open) complaint counts as unresolved, else
    with a resolved one as resolved. The customer "returned" when they bought again
    within the horizon after that purchase. Adds ``effect`` (retention minus that of
    purchases with no complaint) with its 95 % interval.
    """
    moments = _purchase_moments(history, end=end, horizon=horizon)
    complaints = history.complaints
    moments["complaint"] = "none"
    if complaints is not None and not complaints.empty:
        c = complaints.copy()
        outcome = (
            c["outcome"].astype("string").str.lower()
            if "outcome" in c.columns
            else pd.Series("resolved", index=c.index, dtype="string")
        )
        closed = c["resolved_at"].notna() if "resolved_at" in c.columns else outcome.notna()
        c["kind"] = np.where(
            outcome.isin(UNRESOLVED_OUTCOMES).fillna(False) | ~closed,
            "unresolved",
            "resolved",
        )
        c = c.sort_values("opened_at")
        linked = pd.merge_asof(
            c[["customer_id", "opened_at", "kind"]],
            moments[["customer_id", "at", "purchase"]].sort_values("at"),
            left_on="opened_at",
            right_on="at",
            by="customer_id",
            direction="backward",
        ).dropna(subset=["purchase"])
        bad = (linked["kind"] == "unresolved").groupby(linked["purchase"]).any()
        worst = pd.Series(np.where(bad, "unresolved", "resolved"), index=bad.index)
        moments.loc[worst.index.astype(int), "complaint"] = worst.to_numpy()
    moments = next_behaviour(history, moments, horizon=horizon, end=end)
    table = _summarise(moments, "complaint", list(COMPLAINT_CLASSES))
    base = table.set_index("complaint").loc["none"] if "none" in set(table["complaint"]) else None
    if base is not None:
        p0, n0 = base["retention"], base["moments"]
        p, n = table["retention"], table["moments"]
        se = np.sqrt(p * (1 - p) / n + p0 * (1 - p0) / n0)
        table["effect"] = p - p0
        table["effect_low"] = table["effect"] - 1.96 * se
        table["effect_high"] = table["effect"] + 1.96 * se
        table.loc[table["complaint"] == "none", ["effect_low", "effect_high"]] = 0.0
    table["label"] = [_(COMPLAINT_CLASSES[c]) for c in table["complaint"]]
    return table


def nps_repeat(
    history: CustomerHistory, *, horizon: str | int | timedelta = "365d", end: Any = None
) -> pd.DataFrame:
    """Repeat-purchase rate by NPS class (promoter 9–10, passive 7–8, detractor 0–6)."""
    scores = survey_scores(history)
    if "nps" not in scores.columns:
        raise InputError(_("no NPS item (0–10 would-recommend) in the survey answers"))
    scores = scores[scores["nps"].notna()].copy()
    scores["class"] = np.select(
        [scores["nps"] >= NPS_PROMOTER_MIN, scores["nps"] > NPS_DETRACTOR_MAX],
        ["promoter", "passive"],
        default="detractor",
    )
    moments = next_behaviour(history, scores, horizon=horizon, end=end)
    table = _summarise(moments, "class", ["promoter", "passive", "detractor"])
    table["label"] = [_(NPS_CLASSES[c]) for c in table["class"]]
    return table


def value_at_risk(
    clv: pd.Series, churn_probability: pd.Series, *, segment: pd.Series | None = None
) -> pd.DataFrame:
    """Σ CLV × churn probability, in total and by segment (customers with both figures)."""
    frame = pd.DataFrame({"clv": clv, "p": churn_probability}).dropna()
    if frame.empty:
        raise InputError(_("no customer has both a CLV and a churn probability"))
    frame["at_risk"] = frame["clv"].clip(lower=0) * frame["p"]
    frame["segment"] = (
        segment.reindex(frame.index).fillna(_("unknown")).astype(str)
        if segment is not None
        else _("all customers")
    )
    table = frame.groupby("segment").agg(
        customers=("p", "size"),
        clv=("clv", "sum"),
        mean_churn_probability=("p", "mean"),
        value_at_risk=("at_risk", "sum"),
    )
    table["share_of_risk"] = table["value_at_risk"] / table["value_at_risk"].sum()
    return table.sort_values("value_at_risk", ascending=False).reset_index()


def value_at_risk_by_driver(
    clv: pd.Series, churn_probability: pd.Series, contributions: pd.DataFrame
) -> pd.DataFrame:
    """Each customer's value at risk split over the features that raise their risk.

    The split is proportional to the positive TreeSHAP contributions (log-odds) of
    :meth:`ChurnModel.contributions`; summed over customers it says how much value is at
    risk "because of" each driver.
    """
    common = contributions.index.intersection(clv.dropna().index).intersection(
        churn_probability.dropna().index
    )
    if len(common) == 0:
        raise InputError(_("no customer has both a CLV and a churn probability"))
    positive = contributions.loc[common].clip(lower=0)
    total = positive.sum(axis=1).replace(0, np.nan)
    at_risk = clv.loc[common].clip(lower=0) * churn_probability.loc[common]
    share = positive.div(total, axis=0).fillna(0.0)
    by_driver = share.mul(at_risk, axis=0).sum().sort_values(ascending=False)
    return pd.DataFrame(
        {
            "driver": by_driver.index,
            "label": [feature_name(f) for f in by_driver.index],
            "value_at_risk": by_driver.to_numpy(),
            "share": (by_driver / by_driver.sum()).to_numpy() if by_driver.sum() else np.nan,
        }
    )


# The ACSI drivers of satisfaction and their order in the causal chain.
DRIVERS = ("expectations", "quality", "value")


def retention_elasticity(
    history: CustomerHistory,
    *,
    horizon: str | int | timedelta = "365d",
    revenue_per_customer: float | None = None,
    customers: int | None = None,
    end: Any = None,
) -> pd.DataFrame:
    """How much retention, and revenue, one more point of each CSI driver keeps.

    A recursive path model on the answers (1–10 construct means rescaled to 0–100:
    quality ← expectations; value ← expectations, quality; satisfaction ← all three,
    each by least squares) gives each driver's **total** effect on satisfaction; a
    logistic regression of "bought again within the horizon" on satisfaction gives the
    average marginal effect of one satisfaction point on retention. Their product is
    the retention gained per driver point; times the active customers and the yearly
    revenue of a retained customer it is the revenue kept.

    Returns columns driver, label, total_effect (satisfaction points per driver point),
    retention_per_point, customers_kept, revenue_kept, ranked by revenue kept.
    """
    from sklearn.linear_model import LogisticRegression

    scores = survey_scores(history)
    present = [d for d in DRIVERS if d in scores.columns]
    if "satisfaction" not in scores.columns or not present:
        raise InputError(
            _("the survey needs satisfaction and driver items (expectations, quality, value)")
        )
    data = scores.dropna(subset=[*present, "satisfaction"]).copy()
    for column in [*present, "satisfaction"]:
        data[column] = (data[column] - 1.0) / 9.0 * 100.0
    # Path coefficients B[target, source] by OLS, then total effects (I - B)^-1 - I.
    names = [*present, "satisfaction"]
    k = len(names)
    B = np.zeros((k, k))
    for t in range(1, k):
        X = data[names[:t]].to_numpy()
        X = np.column_stack([np.ones(len(X)), X])
        coef, *_rest = np.linalg.lstsq(X, data[names[t]].to_numpy(), rcond=None)
        B[t, :t] = coef[1:]
    total = np.linalg.inv(np.eye(k) - B) - np.eye(k)
    effect_on_sat = total[k - 1, : k - 1]
    moments = next_behaviour(history, data, horizon=horizon, end=end)
    if moments["returned"].nunique() < 2:
        raise InputError(_("everyone (or no one) returned: retention cannot be modelled"))
    logit = LogisticRegression(C=1e6, max_iter=1000).fit(
        moments[["satisfaction"]].to_numpy(), moments["returned"].to_numpy()
    )
    p = logit.predict_proba(moments[["satisfaction"]].to_numpy())[:, 1]
    per_sat_point = float(np.mean(p * (1 - p)) * logit.coef_[0, 0])
    if customers is None:
        customers = int(history.orders["customer_id"].nunique())
    if revenue_per_customer is None:
        span = pd.Timedelta(parse_horizon(horizon))
        stop = _window_end(history, end)
        at = history.orders["ordered_at"]
        recent = history.orders[(at > stop - span) & (at <= stop)]
        revenue_per_customer = float(recent.groupby("customer_id")["amount"].sum().mean())
    table = pd.DataFrame(
        {
            "driver": present,
            "label": [feature_name(d) for d in present],
            "total_effect": effect_on_sat,
            "retention_per_point": effect_on_sat * per_sat_point,
        }
    )
    table["customers_kept"] = table["retention_per_point"] * customers
    table["revenue_kept"] = table["customers_kept"] * revenue_per_customer
    table.attrs["satisfaction_retention_per_point"] = per_sat_point
    table.attrs["revenue_per_customer"] = revenue_per_customer
    table.attrs["customers"] = customers
    return table.sort_values("revenue_kept", ascending=False).reset_index(drop=True)
