"""Where analytics results meet the customer record: write and read score snapshots.

Every analysis that scores customers (segments, lifecycle, loyalty type, CLV, P(alive),
churn risk, satisfaction) writes here, keyed by customer, metric and as-of date; the
customer 360 view, the rules and the report read the latest value per metric.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from patron.collect.store.db import open_store
from patron.collect.store.models import Customer, ScoreSnapshot
from patron.core.i18n import _
from patron.exceptions import InputError

REQUIRED_COLUMNS = ("customer_id", "metric", "value")
_CHUNK = 5_000


def _store_url(workspace_or_url: Any) -> str:
    return workspace_or_url if isinstance(workspace_or_url, str) else workspace_or_url.database_url


def customer_keys(url: str, customer_ids: Iterable[str]) -> dict[str, int]:
    """Map natural keys to store keys; unknown ids are simply absent from the result."""
    wanted = list(dict.fromkeys(str(c) for c in customer_ids))
    engine = open_store(url)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        if len(wanted) > 50_000:
            # Cheaper to read the whole key map than to send a million parameters.
            rows = conn.execute(sa.select(Customer.customer_id, Customer.id))
            wanted_set = set(wanted)
            return {cid: pk for cid, pk in rows if cid in wanted_set}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = conn.execute(
                sa.select(Customer.customer_id, Customer.id).where(Customer.customer_id.in_(chunk))
            )
            found.update(dict(rows.all()))
    return found


def write_scores(
    workspace_or_url: Any, scores: pd.DataFrame, *, as_of: date, model: str | None = None
) -> int:
    """Upsert per-customer scores for ``as_of``; returns the number of rows written.

    ``scores`` has columns ``customer_id``, ``metric``, ``value`` and optionally ``label``
    and ``detail`` (a dict). Rows of customers unknown to the store are skipped (the
    analytics may run on data that never entered the store) and not counted.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise InputError(
            _("scores: required column {column} missing").format(column=", ".join(missing))
        )
    if scores.empty:
        return 0
    url = _store_url(workspace_or_url)
    keys = customer_keys(url, scores["customer_id"].astype(str).unique())
    frame = scores.assign(customer_pk=scores["customer_id"].astype(str).map(keys))
    frame = frame[frame["customer_pk"].notna()]
    if frame.empty:
        return 0
    has_label = "label" in frame.columns
    has_detail = "detail" in frame.columns
    rows = []
    for record in frame.itertuples(index=False):
        value = record.value
        value = (
            None
            if value is None or (isinstance(value, float) and math.isnan(value))
            else float(value)
        )
        label = getattr(record, "label", None) if has_label else None
        if label is not None and not isinstance(label, str):
            label = None if pd.isna(label) else str(label)
        rows.append(
            {
                "customer_pk": int(record.customer_pk),
                "metric": str(record.metric),
                "value": value,
                "label": label,
                "detail": getattr(record, "detail", None) if has_detail else None,
                "as_of": as_of,
                "model": model,
            }
        )
    engine = open_store(url)
    postgres = engine.dialect.name == "postgresql"
    # The driver's own executemany over plain tuples: SQLAlchemy's per-row bind
    # processing made 70,000 scores take 10–30 s; this takes about one.
    params = [
        (
            r["customer_pk"],
            r["metric"],
            r["value"],
            r["label"],
            None if r["detail"] is None else json.dumps(r["detail"], ensure_ascii=False),
            r["as_of"] if postgres else r["as_of"].isoformat(),
            r["model"],
        )
        for r in rows
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql(_UPSERT_POSTGRES if postgres else _UPSERT_SQLITE, params)
    return len(rows)


def latest_scores(
    workspace_or_url: Any, customer_pks: list[int], *, connection: sa.Connection | None = None
) -> dict[int, dict[str, dict]]:
    """The most recent value of every metric for each customer.

    ``connection``: read through this open connection (e.g. the caller's session's), so a
    request that already holds one spends no second checkout and transaction on it.
    """
    if not customer_pks:
        return {}
    result: dict[int, dict[str, dict]] = {pk: {} for pk in customer_pks}
    if connection is None:
        with open_store(_store_url(workspace_or_url)).connect() as conn:
            rows = conn.execute(_latest_scores_statement(), {"pks": list(customer_pks)}).all()
    else:
        rows = connection.execute(_latest_scores_statement(), {"pks": list(customer_pks)}).all()
    for row in rows:
        result[row.customer_pk][row.metric] = {
            "value": row.value,
            "label": row.label,
            "as_of": row.as_of,
            "detail": row.detail,
        }
    return result


def ranked_snapshots(*conditions: sa.ColumnElement[bool]) -> sa.Subquery:
    """Snapshots matching ``conditions``, numbered newest first per customer and metric.

    ``rank`` 1 is the latest value, 2 the one before (rules compare the two to see a
    stage change).
    """
    s = ScoreSnapshot.__table__
    return (
        sa.select(
            s.c.customer_pk,
            s.c.metric,
            s.c.value,
            s.c.label,
            s.c.as_of,
            s.c.detail,
            sa.func.row_number()
            .over(partition_by=(s.c.customer_pk, s.c.metric), order_by=s.c.as_of.desc())
            .label("rank"),
        )
        .where(*conditions)
        .subquery()
    )


_UPSERT = (
    "INSERT INTO score_snapshots (customer_pk, metric, value, label, detail, as_of, model,"
    " computed_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, CURRENT_TIMESTAMP)"
    " ON CONFLICT (customer_pk, metric, as_of) DO UPDATE SET value = excluded.value,"
    " label = excluded.label, detail = excluded.detail, model = excluded.model,"
    " computed_at = CURRENT_TIMESTAMP"
)
_UPSERT_SQLITE = _UPSERT.format(p="?")
_UPSERT_POSTGRES = _UPSERT.format(p="%s")


@functools.cache
def _latest_scores_statement() -> sa.Select:
    # Built once: SQLAlchemy then reuses its compiled form without recomputing cache keys.
    customer_pk = ScoreSnapshot.__table__.c.customer_pk
    ranked = ranked_snapshots(customer_pk.in_(sa.bindparam("pks", expanding=True)))
    return sa.select(ranked).where(ranked.c.rank == 1)
