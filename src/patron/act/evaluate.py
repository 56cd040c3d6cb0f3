"""Which customers does each rule pick today: vectorised evaluation over a customer table.

``customer_features(workspace, today)`` reads the store once into one row per customer
(fields, order history, dates, complaints, latest scores); ``evaluate_rules`` applies
every rule to that table with column operations (pandas masks), never a per-customer
Python loop, so twenty rules over a million customers take seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from patron.act.rules import FIELDS, Condition, Rule
from patron.collect.scores import ranked_snapshots
from patron.collect.store.db import open_store
from patron.collect.store.models import (
    Complaint,
    Customer,
    ImportantDate,
    Interaction,
    Order,
    ScoreSnapshot,
    SurveyResponse,
)
from patron.core.vocabulary import vocabulary_of

MATCH_COLUMNS = ["rule_code", "customer_pk", "occurrence", "reference"]
_DATE_KINDS = ("birthday", "anniversary")


def _moment(today: dt.date) -> pd.Timestamp:
    """The end of ``today`` in UTC: everything known by then counts for today's run."""
    return pd.Timestamp(today + dt.timedelta(days=1), tz="UTC")


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, errors="coerce")


def _read(url: str, query: sa.Select) -> pd.DataFrame:
    with open_store(url).connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def next_occurrence(dates: pd.Series, today: dt.date) -> pd.Series:
    """The next date (today included) with the same month and day; 29 Feb → 28 Feb.

    Works on a whole column at once; missing dates stay missing.
    """
    stamps = pd.to_datetime(dates, errors="coerce")
    month = stamps.dt.month
    day = stamps.dt.day

    def in_year(year: pd.Series) -> pd.Series:
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        fixed_day = day.where(~((month == 2) & (day == 29) & ~leap), 28)
        return pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": fixed_day}), errors="coerce"
        )

    this_year = in_year(pd.Series(today.year, index=stamps.index).where(stamps.notna()))
    passed = this_year < pd.Timestamp(today)
    next_year = in_year(pd.Series(today.year + 1, index=stamps.index).where(stamps.notna()))
    return this_year.where(~passed, next_year)


def add_date_features(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Add ``next_birthday``/``days_to_birthday``, the same for anniversaries, and ``age``.

    Reads ``birthday`` and ``anniversary`` (dates); other date-derived fields
    (``days_since_last_order`` …) are added by ``customer_features``.
    """
    today_ts = pd.Timestamp(today)
    for kind in ("birthday", "anniversary"):
        source = frame[kind] if kind in frame else pd.Series(pd.NaT, index=frame.index)
        upcoming = next_occurrence(source, today)
        frame[f"next_{kind}"] = upcoming
        frame[f"days_to_{kind}"] = (upcoming - today_ts).dt.days.astype("float64")
    if "birthday" in frame:
        born = pd.to_datetime(frame["birthday"], errors="coerce")
        had_birthday = (born.dt.month < today.month) | (
            (born.dt.month == today.month) & (born.dt.day <= today.day)
        )
        frame["age"] = (today.year - born.dt.year - (~had_birthday).astype(int)).astype("float64")
    return frame


def customer_features(
    workspace: Any, today: dt.date, *, score_metrics: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per live customer with every field a rule condition may name.

    Parameters
    ----------
    workspace : Workspace
    today : date
        The run date; orders, complaints and scores up to the end of this day count.
    score_metrics : iterable of str
        Metrics whose latest snapshot (on or before ``today``) becomes the columns
        ``score.<metric>`` (value), ``score.<metric>.label`` and
        ``score.<metric>.previous_label`` (the label of the snapshot before).
    """
    url = workspace.database_url
    vocabulary = vocabulary_of(workspace)
    moment = _moment(today)
    c = Customer.__table__
    customers = _read(
        url,
        sa.select(
            c.c.id.label("customer_pk"),
            c.c.customer_id,
            c.c.name,
            c.c.email,
            c.c.phone,
            c.c.language,
            c.c.gender,
            c.c.city,
            c.c.region,
            c.c.country,
            c.c.acquisition_channel,
            c.c.consent_email,
            c.c.consent_sms,
            c.c.consent_phone,
            c.c.birthday,
            c.c.acquired_at,
        ).where(c.c.merged_into_id.is_(None), c.c.erased_at.is_(None)),
    )
    customers = customers.set_index("customer_pk", drop=False)
    for column in ("consent_email", "consent_sms", "consent_phone"):
        customers[column] = customers[column].fillna(False).astype(bool)

    o = Order.__table__
    year_ago = (moment - pd.Timedelta(days=366)).to_pydatetime()
    in_year = sa.case((o.c.ordered_at >= year_ago, 1), else_=0)
    orders = _read(
        url,
        sa.select(
            o.c.customer_pk,
            sa.func.count().label("orders_count"),
            sa.func.sum(o.c.amount).label("total_spend"),
            sa.func.min(o.c.ordered_at).label("first_order_at"),
            sa.func.max(o.c.ordered_at).label("last_order_at"),
            sa.func.sum(in_year).label("orders_365d"),
            sa.func.sum(in_year * o.c.amount).label("spend_365d"),
        )
        .where(
            o.c.ordered_at < moment.to_pydatetime(),
            vocabulary.sale_clause(o.c.status),
        )
        .group_by(o.c.customer_pk),
    ).set_index("customer_pk")
    frame = customers.join(orders, how="left")
    frame["orders_count"] = frame["orders_count"].fillna(0).astype("float64")
    for column in ("total_spend", "orders_365d", "spend_365d"):
        frame[column] = frame[column].astype("float64").fillna(0.0)
    frame["avg_order_value"] = frame["total_spend"] / frame["orders_count"].where(
        frame["orders_count"] > 0
    )
    today_ts = pd.Timestamp(today)
    for column in ("first_order_at", "last_order_at"):
        frame[column] = _utc(frame[column]).dt.tz_localize(None).dt.normalize()
    frame["days_since_first_order"] = (today_ts - frame["first_order_at"]).dt.days.astype(float)
    frame["days_since_last_order"] = (today_ts - frame["last_order_at"]).dt.days.astype(float)

    d = ImportantDate.__table__
    dates = _read(
        url,
        sa.select(d.c.customer_pk, d.c.kind, d.c.date).where(
            sa.or_(d.c.kind == "birthday", d.c.kind.like("%anniversary%"))
        ),
    )
    frame["birthday"] = pd.to_datetime(frame["birthday"], errors="coerce")
    frame["anniversary"] = pd.NaT
    if not dates.empty:
        # "wedding_anniversary", "company_anniversary" … all count as anniversaries.
        dates["kind"] = np.where(dates["kind"] == "birthday", "birthday", "anniversary")
        wide = dates.groupby(["customer_pk", "kind"])["date"].min().unstack("kind")
        for kind in _DATE_KINDS:
            if kind in wide:
                known = pd.to_datetime(wide[kind], errors="coerce").reindex(frame.index)
                frame[kind] = frame[kind].fillna(known) if kind == "birthday" else known
    frame["acquired_at"] = pd.to_datetime(frame["acquired_at"], errors="coerce")
    add_date_features(frame, today)

    k = Complaint.__table__
    is_open = vocabulary.open_complaint_clause(k.c.status)
    overdue = sa.and_(is_open, k.c.sla_due_at.is_not(None), k.c.sla_due_at < moment.to_pydatetime())
    complaints = _read(
        url,
        sa.select(
            k.c.customer_pk,
            sa.func.sum(sa.case((is_open, 1), else_=0)).label("complaints_open"),
            sa.func.sum(sa.case((overdue, 1), else_=0)).label("complaints_overdue"),
            sa.func.sum(sa.case((k.c.opened_at >= year_ago, 1), else_=0)).label("complaints_365d"),
        )
        .where(k.c.opened_at < moment.to_pydatetime())
        .group_by(k.c.customer_pk),
    ).set_index("customer_pk")
    frame = frame.join(complaints, how="left")
    for column in ("complaints_open", "complaints_overdue", "complaints_365d"):
        frame[column] = frame[column].astype("float64").fillna(0.0)

    metrics = sorted(set(score_metrics))
    if metrics:
        frame = frame.join(latest_score_columns(url, metrics, today), how="left")
    frame.index.name = None
    return frame


def latest_score_columns(url: str, metrics: Sequence[str], today: dt.date) -> pd.DataFrame:
    """Wide table of the latest (and previous) snapshot of each metric, by customer."""
    s = ScoreSnapshot.__table__
    ranked = ranked_snapshots(s.c.metric.in_(list(metrics)), s.c.as_of <= today)
    rows = _read(url, sa.select(ranked).where(ranked.c.rank <= 2))
    out = pd.DataFrame(index=pd.Index([], name="customer_pk"))
    if rows.empty:
        for metric in metrics:
            out[f"score.{metric}"] = pd.Series(dtype="float64")
            out[f"score.{metric}.label"] = pd.Series(dtype="object")
        return out
    latest = rows[rows["rank"] == 1]
    previous = rows[rows["rank"] == 2]
    columns = {}
    for metric in metrics:
        now = latest[latest["metric"] == metric].set_index("customer_pk")
        before = previous[previous["metric"] == metric].set_index("customer_pk")
        columns[f"score.{metric}"] = now["value"].astype("float64")
        columns[f"score.{metric}.label"] = now["label"]
        columns[f"score.{metric}.as_of"] = pd.to_datetime(now["as_of"])
        columns[f"score.{metric}.previous_label"] = before["label"]
    return pd.DataFrame(columns)


# ---------------------------------------------------------------- conditions


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    # A score nobody has computed yet: the condition is simply false for everyone.
    return pd.Series(np.nan, index=frame.index, dtype="float64")


def _coerce(series: pd.Series, value: Any) -> Any:
    if pd.api.types.is_datetime64_any_dtype(series) and value is not None:
        return pd.Timestamp(value)
    return value


def condition_mask(frame: pd.DataFrame, condition: Condition) -> pd.Series:
    """Boolean column: which rows satisfy ``condition`` (missing values never do)."""
    column = _column(frame, condition.field)
    op, value = condition.op, _coerce(column, condition.value)
    if FIELDS.get(condition.field) == "bool":
        column = column.fillna(False).astype(bool)
        value = bool(value) if op in ("==", "!=") else value
    if op == "is_null":
        return column.isna()
    if op == "not_null":
        return column.notna()
    if op in ("in", "not_in"):
        values = [_coerce(column, v) for v in condition.value]
        hit = column.isin(values)
        return hit if op == "in" else ~hit & column.notna()
    if op == "between":
        low, high = (_coerce(column, v) for v in condition.value)
        return ((column >= low) & (column <= high)).fillna(False).astype(bool)
    if op == "contains":
        text = column.astype("string")
        return text.str.contains(str(value), case=False, regex=False).fillna(False).astype(bool)
    if op == "!=":
        return (column != value) & column.notna()
    compare = {
        "==": column.__eq__,
        "<": column.__lt__,
        "<=": column.__le__,
        ">": column.__gt__,
        ">=": column.__ge__,
    }[op]
    return compare(value).fillna(False).astype(bool)


def rule_mask(frame: pd.DataFrame, rule: Rule) -> pd.Series:
    """Rows where every ``when`` condition and at least one ``any`` condition hold."""
    mask = pd.Series(True, index=frame.index)
    for condition in rule.when:
        mask &= condition_mask(frame, condition)
    if rule.any_of:
        alternatives = pd.Series(False, index=frame.index)
        for condition in rule.any_of:
            alternatives |= condition_mask(frame, condition)
        mask &= alternatives
    return mask


# ------------------------------------------------------------------ triggers


def _iso(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d")


def schedule_matches(frame: pd.DataFrame, rule: Rule, today: dt.date) -> pd.DataFrame:
    """Customers a scheduled rule picks today, with the occurrence they are picked for."""
    name = rule.trigger["schedule"]
    source = None
    if name in ("birthday", "anniversary"):
        days = _column(frame, f"days_to_{name}")
        mask = (days >= 0) & (days <= rule.trigger["within_days"])
        source = f"next_{name}"
    elif name == "first_purchase":
        mask = _column(frame, "days_since_first_order") == rule.trigger["days"]
        source = "first_order_at"
    else:
        mask = pd.Series(True, index=frame.index)
    mask = mask.fillna(False).astype(bool) & rule_mask(frame, rule)
    picked = frame.loc[mask, "customer_pk"].to_numpy()
    # Format dates only for the customers picked (strftime is slow on a million rows).
    occurrence = (
        _iso(frame.loc[mask, source]).to_numpy(dtype=object)
        if source is not None
        else np.full(len(picked), today.isoformat(), dtype=object)
    )
    return pd.DataFrame(
        {
            "rule_code": rule.code,
            "customer_pk": picked.astype("int64"),
            "occurrence": occurrence,
            "reference": None,
        },
        columns=MATCH_COLUMNS,
    )


def event_frame(workspace: Any, rule: Rule, today: dt.date) -> pd.DataFrame:
    """The events behind an event rule: ``customer_pk``, ``occurrence``, ``reference``."""
    url = workspace.database_url
    vocabulary = vocabulary_of(workspace)
    moment = _moment(today)
    since = (moment - pd.Timedelta(days=rule.trigger["lookback_days"])).to_pydatetime()
    name = rule.trigger["event"]
    if name == "complaint_overdue":
        k = Complaint.__table__
        frame = _read(
            url,
            sa.select(k.c.customer_pk, k.c.id.label("reference")).where(
                vocabulary.open_complaint_clause(k.c.status),
                k.c.sla_due_at.is_not(None),
                k.c.sla_due_at < moment.to_pydatetime(),
            ),
        )
        frame["occurrence"] = "complaint-" + frame["reference"].astype(str)
    elif name == "survey_below":
        r = SurveyResponse.__table__
        frame = _read(
            url,
            sa.select(r.c.customer_pk, r.c.response_id.label("reference")).where(
                r.c.item_code == rule.trigger["item"],
                r.c.value < rule.trigger["below"],
                r.c.customer_pk.is_not(None),
                r.c.responded_at >= since,
                r.c.responded_at < moment.to_pydatetime(),
            ),
        )
        frame["occurrence"] = "response-" + frame["reference"].astype(str)
    elif name == "purchase":
        o = Order.__table__
        query = sa.select(o.c.customer_pk, o.c.id.label("reference")).where(
            o.c.ordered_at >= since, o.c.ordered_at < moment.to_pydatetime()
        )
        if "min_amount" in rule.trigger:
            query = query.where(o.c.amount >= rule.trigger["min_amount"])
        frame = _read(url, query)
        frame["occurrence"] = "order-" + frame["reference"].astype(str)
    elif name == "comment":
        frame = comment_events(url, rule, since, moment.to_pydatetime())
    else:  # stage_change: read from the score columns the features already carry
        return pd.DataFrame(columns=["customer_pk", "occurrence", "reference"])
    return frame[["customer_pk", "occurrence", "reference"]]


def comment_events(url: str, rule: Rule, since: Any, until: Any) -> pd.DataFrame:
    """Comments of the window (survey free text, complaint descriptions, interaction
    notes) whose sentiment — overall, or about ``aspect`` — is ``sentiment``."""
    from patron.analyze.text.aspects import AspectTagger
    from patron.analyze.text.lexicon import default_lexicon

    r, k, i = SurveyResponse.__table__, Complaint.__table__, Interaction.__table__
    queries = [
        ("response", sa.select(r.c.customer_pk, r.c.id.label("reference"), r.c.text_value.label("text"))
         .where(r.c.text_value.is_not(None), r.c.customer_pk.is_not(None),
                r.c.responded_at >= since, r.c.responded_at < until)),
        ("complaint", sa.select(k.c.customer_pk, k.c.id.label("reference"), k.c.description.label("text"))
         .where(k.c.description.is_not(None), k.c.opened_at >= since, k.c.opened_at < until)),
        ("interaction", sa.select(i.c.customer_pk, i.c.id.label("reference"), i.c.summary.label("text"))
         .where(i.c.summary.is_not(None), i.c.occurred_at >= since, i.c.occurred_at < until)),
    ]  # fmt: skip
    wanted, aspect = rule.trigger["sentiment"], rule.trigger.get("aspect")
    tagger = AspectTagger(rule.trigger.get("taxonomy", "hotel")) if aspect else None
    lexicon = default_lexicon()
    rows = []
    for source, query in queries:
        for row in _read(url, query).itertuples(index=False):
            if tagger is not None:
                labels = [m.label for m in tagger.tag(row.text) if m.aspect == aspect]
            else:
                labels = [lexicon.score(row.text).label]
            if wanted in labels or (wanted == "any" and labels):
                rows.append((row.customer_pk, f"comment-{source}-{row.reference}", row.reference))
    return pd.DataFrame(rows, columns=["customer_pk", "occurrence", "reference"])


def stage_change_events(frame: pd.DataFrame, rule: Rule, today: dt.date) -> pd.DataFrame:
    """Customers whose latest label of ``metric`` differs from the previous one."""
    metric = rule.trigger["metric"]
    label = _column(frame, f"score.{metric}.label")
    before = _column(frame, f"score.{metric}.previous_label")
    as_of = pd.to_datetime(_column(frame, f"score.{metric}.as_of"), errors="coerce")
    since = pd.Timestamp(today) - pd.Timedelta(days=rule.trigger["lookback_days"] - 1)
    mask = label.notna() & before.notna() & (label != before) & (as_of >= since)
    if "from" in rule.trigger:
        mask &= before.isin(rule.trigger["from"])
    if "to" in rule.trigger:
        mask &= label.isin(rule.trigger["to"])
    mask = mask.fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "customer_pk": frame.loc[mask, "customer_pk"].to_numpy(),
            "occurrence": (
                metric + "-" + _iso(as_of[mask]) + "-" + label[mask].astype(str)
            ).to_numpy(dtype=object),
            "reference": None,
        }
    )


def event_matches(frame: pd.DataFrame, rule: Rule, events: pd.DataFrame) -> pd.DataFrame:
    """Events of customers who also meet the rule's conditions."""
    if events.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    eligible = frame.loc[rule_mask(frame, rule), "customer_pk"]
    picked = events[events["customer_pk"].isin(eligible)].copy()
    picked.insert(0, "rule_code", rule.code)
    picked["customer_pk"] = picked["customer_pk"].astype("int64")
    return picked[MATCH_COLUMNS]


def evaluate_rules(
    rules: Sequence[Rule],
    frame: pd.DataFrame,
    today: dt.date,
    *,
    events: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """All (rule, customer, occurrence) matches for ``today``, one row each.

    ``frame`` is ``customer_features`` (or any table with the same columns);
    ``events`` maps an event rule's code to its ``event_frame``.
    """
    events = events or {}
    parts = []
    for rule in rules:
        if not rule.enabled:
            continue
        if rule.kind == "schedule":
            parts.append(schedule_matches(frame, rule, today))
        elif rule.trigger["event"] == "stage_change":
            parts.append(event_matches(frame, rule, stage_change_events(frame, rule, today)))
        else:
            parts.append(event_matches(frame, rule, events.get(rule.code, pd.DataFrame())))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    matches = pd.concat(parts, ignore_index=True)
    return matches.drop_duplicates(["rule_code", "customer_pk", "occurrence"], ignore_index=True)


def evaluate_workspace(workspace: Any, rules: Sequence[Rule], today: dt.date) -> pd.DataFrame:
    """Read the features and events a set of rules needs and evaluate them."""
    metrics: set[str] = set()
    for rule in rules:
        metrics |= rule.score_metrics()
    frame = customer_features(workspace, today, score_metrics=metrics)
    events = {
        rule.code: event_frame(workspace, rule, today)
        for rule in rules
        if rule.kind == "event" and rule.trigger["event"] != "stage_change"
    }
    return evaluate_rules(rules, frame, today, events=events)
