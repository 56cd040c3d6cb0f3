"""Complete periods: the loyalty headline quotes the latest quarter that is over."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from patron.analyze import periods
from patron.exceptions import InputError
from patron.jobs import customers as jobs
from patron.jobs.context import AnalysisContext


def test_period_arithmetic() -> None:
    assert periods.period_start("2026-11-01", "Q") == date(2026, 10, 1)
    assert periods.period_end("2026-10-01", "Q") == date(2026, 12, 31)
    assert periods.last_complete(date(2026, 11, 1), "Q") == date(2026, 7, 1)
    assert periods.last_complete(date(2026, 12, 31), "Q") == date(2026, 10, 1)
    assert periods.shift(date(2026, 1, 15), "Q", -1) == date(2025, 10, 1)
    assert periods.period_start(date(2026, 12, 3), "W") == date(2026, 11, 30)
    assert periods.is_complete(date(2026, 7, 1), "Q", date(2026, 9, 30))
    assert not periods.is_complete(date(2026, 10, 1), "Q", date(2026, 11, 1))
    with pytest.raises(InputError, match="unknown period 'X'"):
        periods.period_start("2026-01-01", "X")


def test_loyalty_headline_skips_the_running_quarter() -> None:
    # Ten customers buy every quarter of 2025; in the running quarter (one month old on
    # the as-of date) only two have come back so far.
    rows = []
    for c in range(10):
        for month in (2, 5, 8, 11):
            rows.append((f"C{c}", pd.Timestamp(2025, month, 10), 100.0))
        if c < 2:
            rows.append((f"C{c}", pd.Timestamp(2026, 1, 10), 100.0))
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    ctx = AnalysisContext.from_tables({"orders": ibis.memtable(orders)}, as_of=date(2026, 2, 1))
    f = jobs.loyalty(ctx, period="Q").figures
    assert f["period_start"] == "2025-10-01"
    assert f["retention"] == pytest.approx(1.0)
    assert f["retention_previous"] == pytest.approx(1.0)
    assert f["running_period_start"] == "2026-01-01"
    cohorts = jobs.cohorts(ctx, period="Q")
    frame = cohorts.tables["retention"]
    assert not frame.loc[frame["cohort"].astype(str).str.startswith("2026"), "complete"].any()
