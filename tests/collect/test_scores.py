"""Score snapshots: upsert by customer, metric and date; latest value per metric."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from patron.collect.scores import latest_scores, write_scores
from patron.collect.store import session_scope
from patron.collect.store.models import Customer
from patron.exceptions import InputError


def _customers(url: str, ids: list[str]) -> dict[str, int]:
    with session_scope(url) as session:
        rows = [Customer(customer_id=i) for i in ids]
        session.add_all(rows)
        session.flush()
        return {r.customer_id: r.id for r in rows}


def test_write_upsert_and_latest(workspace) -> None:
    url = workspace.database_url
    pks = _customers(url, ["A", "B"])
    first = pd.DataFrame(
        {
            "customer_id": ["A", "B", "ghost"],
            "metric": ["clv", "clv", "clv"],
            "value": [10.0, 20.0, 1.0],
        }
    )
    assert write_scores(workspace, first, as_of=dt.date(2026, 1, 1), model="bgnbd") == 2
    later = pd.DataFrame(
        {
            "customer_id": ["A", "A"],
            "metric": ["clv", "lifecycle_stage"],
            "value": [15.0, float("nan")],
            "label": [None, "at risk"],
            "detail": [None, {"reason": "silent 3x rhythm"}],
        }
    )
    assert write_scores(url, later, as_of=dt.date(2026, 2, 1)) == 2
    # Re-writing the same day replaces, never duplicates.
    assert (
        write_scores(url, later.assign(value=[16.0, float("nan")]), as_of=dt.date(2026, 2, 1)) == 2
    )
    scores = latest_scores(url, [pks["A"], pks["B"]])
    assert scores[pks["A"]]["clv"]["value"] == pytest.approx(16.0)
    assert scores[pks["A"]]["clv"]["as_of"] == dt.date(2026, 2, 1)
    assert scores[pks["A"]]["lifecycle_stage"]["label"] == "at risk"
    assert scores[pks["A"]]["lifecycle_stage"]["value"] is None
    assert scores[pks["A"]]["lifecycle_stage"]["detail"] == {"reason": "silent 3x rhythm"}
    assert scores[pks["B"]]["clv"]["value"] == pytest.approx(20.0)


def test_missing_column_is_named(sqlite_workspace) -> None:
    with pytest.raises(InputError, match="required column value missing"):
        write_scores(
            sqlite_workspace,
            pd.DataFrame({"customer_id": ["A"], "metric": ["x"]}),
            as_of=dt.date(2026, 1, 1),
        )
