"""The customer state, kept from new transactions only, publishes exactly customer_features."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patron.analyze import customer_state, engine
from patron.analyze.customer_state import (
    state_features,
    state_folder,
    update_customer_state,
)
from patron.analyze.features import customer_features
from patron.core.vocabulary import Vocabulary

UTC = dt.UTC
START = dt.datetime(2024, 1, 1, tzinfo=UTC)
ORDERS = pa.schema(
    [
        ("id", pa.int64()),
        ("customer_id", pa.string()),
        ("ordered_at", pa.timestamp("us", tz="UTC")),
        ("amount", pa.float64()),
        ("cost", pa.float64()),
        ("discount", pa.float64()),
        ("channel", pa.string()),
        ("location", pa.string()),
        ("status", pa.string()),
    ]
)
LINES = pa.schema(
    [
        ("id", pa.int64()),
        ("customer_id", pa.string()),
        ("ordered_at", pa.timestamp("us", tz="UTC")),
        ("category", pa.string()),
    ]
)
# Half cents (36.425) round differently in decimal and binary: they must still agree.
AMOUNTS = st.sampled_from([0.0, 1.0, 9.99, 36.425, 100.5, 0.015, 250.0, 12.345])

order = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["c1", "c2", "c3", "c4"]),
        # Few days: the same customer often buys twice on a day, in different batches,
        # and a late sale often lands inside the purchase days already absorbed.
        "day": st.integers(0, 7),
        "second": st.integers(0, 86_399),
        "amount": AMOUNTS,
        "cost": st.one_of(st.none(), AMOUNTS),
        "discount": st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.005, 3.0])),
        "channel": st.sampled_from([None, "web", "store", "app"]),
        "location": st.sampled_from([None, "north", "south"]),
        # "Refunded" and "VOID" are returns by the (case-insensitive) vocabulary.
        "status": st.sampled_from([None, "paid", "paid", "returned", "Refunded", "VOID", "held"]),
        "categories": st.lists(st.sampled_from([None, "food", "toys", "books"]), max_size=2),
    }
)


def _orders_table(rows: list[dict], first_id: int) -> pa.Table:
    data = [
        {
            "id": first_id + i,
            "customer_id": r["customer_id"],
            "ordered_at": START + dt.timedelta(days=r["day"], seconds=r["second"]),
            **{k: r[k] for k in ("amount", "cost", "discount", "channel", "location", "status")},
        }
        for i, r in enumerate(rows)
    ]
    return pa.Table.from_pylist(data, schema=ORDERS)


def _lines_table(rows: list[dict], first_id: int) -> pa.Table:
    data = []
    for r in rows:
        for category in r["categories"]:
            data.append(
                {
                    "id": first_id + len(data),
                    "customer_id": r["customer_id"],
                    "ordered_at": START + dt.timedelta(days=r["day"], seconds=r["second"]),
                    "category": category,
                }
            )
    return pa.Table.from_pylist(data, schema=LINES)


class Warehouse:
    """A warehouse folder laid out as ``patron sync`` lays it out (parts + _state.json)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parts: dict[str, list[str]] = {"orders": [], "order_lines": []}

    def append(self, name: str, table: pa.Table) -> None:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        part = f"part-{len(self.parts[name]):06d}.parquet"
        pq.write_table(table, folder / part)
        self.parts[name].append(part)
        self._record(name)

    def rewrite(self, name: str, table: pa.Table) -> None:
        folder = self.root / name
        for part in self.parts[name]:
            (folder / part).unlink()
        pq.write_table(table, folder / "part-000000.parquet")
        self.parts[name] = ["part-000000.parquet"]
        self._record(name)

    def _record(self, name: str) -> None:
        state = {"parts": self.parts[name], "last_id": 0, "rows": 0, "signature": None}
        (self.root / name / "_state.json").write_text(json.dumps(state))


VOCABULARY = Vocabulary(not_sale_statuses=("returned", "refunded", "void"))
COMPLAINTS = pd.DataFrame(
    {
        "customer_id": ["c1", "c1", "c3", "c9"],
        "opened_at": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-01-05", "2024-01-03"]),
    }
)
INTERACTIONS = pd.DataFrame(
    {
        "customer_id": ["c2", "c2", "c4"],
        "occurred_at": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]),
        "is_service": [True, False, True],
    }
)
COSTS = {"cost_per_complaint": 12.5, "cost_per_service_interaction": 3.335}


def _expected(orders: pa.Table, lines: pa.Table, as_of: dt.date, con) -> pd.DataFrame:
    expr = customer_features(
        ibis_table(orders),
        order_lines=ibis_table(lines),
        complaints=ibis_table(COMPLAINTS),
        interactions=ibis_table(INTERACTIONS),
        as_of=as_of,
        time_unit="W",
        vocabulary=VOCABULARY,
        **COSTS,
    )
    return _sorted(engine.to_pandas(expr, con))


def ibis_table(frame):
    import ibis

    return ibis.memtable(frame)


def _actual(root: Path, as_of: dt.date, con) -> pd.DataFrame:
    expr = state_features(
        root,
        as_of=as_of,
        vocabulary=VOCABULARY,
        con=con,
        complaints=ibis_table(COMPLAINTS),
        interactions=ibis_table(INTERACTIONS),
        time_unit="W",
        **COSTS,
    )
    assert expr is not None, "the state should answer for an as-of on or after its last day"
    return _sorted(engine.to_pandas(expr, con))


def _recorded_parts(root: Path) -> dict[str, list[str]]:
    return json.loads((state_folder(root) / "_state.json").read_text())["parts"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("customer_id").reset_index(drop=True)


def _assert_same(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(order, min_size=8, max_size=50),
    # Where the syncs cut the history, as shares of it: two to four batches.
    cuts=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=3),
    extra_days=st.integers(0, 30),
)
def test_incremental_state_equals_full_features(tmp_path_factory, history, cuts, extra_days):
    root = tmp_path_factory.mktemp("warehouse")
    con = engine.connect("duckdb")
    store = Warehouse(root)
    bounds = sorted({max(1, int(c * len(history))) for c in cuts} | {0, len(history)})
    n_lines = 0
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        batch = history[lo:hi]
        store.append("orders", _orders_table(batch, lo))
        lines = _lines_table(batch, n_lines)
        n_lines += lines.num_rows
        store.append("order_lines", lines)
        # Few parts allowed: the third merge onwards also compacts the partials.
        with mock.patch.object(customer_state, "MAX_PARTS", 2):
            update = update_customer_state(root, vocabulary=VOCABULARY, con=con)
        assert update.action == ("built" if lo == 0 else "merged")
        assert update.orders_absorbed == len(batch)
    orders = _orders_table(history, 0)
    lines = _lines_table(history, 0)
    last = max(r["day"] for r in history)
    if len(bounds) > 3:
        assert all(len(p) <= 2 for p in _recorded_parts(root).values())
    assert update.high_water == (START + dt.timedelta(days=last)).date().isoformat()
    as_of = (START + dt.timedelta(days=last + extra_days)).date()
    expected = _expected(orders, lines, as_of, con)
    merged_rows = pd.read_parquet(next(state_folder(root).glob("customers-*.parquet")))
    _assert_same(_actual(root, as_of, con), expected)

    # A full rebuild gives the identical table, and the identical stored rows.
    assert update_customer_state(root, vocabulary=VOCABULARY, con=con, rebuild=True).action == (
        "built"
    )
    rebuilt_rows = pd.read_parquet(next(state_folder(root).glob("customers-*.parquet")))
    _assert_same(_sorted(rebuilt_rows), _sorted(merged_rows))
    _assert_same(_actual(root, as_of, con), expected)

    # Before the high-water mark the state does not answer: the full path must.
    early = (START + dt.timedelta(days=last - 1)).date()
    assert state_features(root, as_of=early, vocabulary=VOCABULARY, con=con) is None


def test_a_late_sale_on_a_known_purchase_day_is_not_a_new_one(tmp_path):
    con = engine.connect("duckdb")
    store = Warehouse(tmp_path)

    def sale(day: int, status: str | None = None) -> dict:
        return {
            "customer_id": "c1",
            "day": day,
            "second": 5,
            "amount": 10.0,
            "cost": 1.0,
            "discount": None,
            "channel": "web",
            "location": None,
            "status": status,
            "categories": [],
        }

    store.append("orders", _orders_table([sale(0), sale(2), sale(5)], 0))
    update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con)
    # Day 2 is already a purchase day, day 3 is new, day 1 brings only a return.
    store.append("orders", _orders_table([sale(2), sale(3), sale(1, "returned")], 3))
    assert update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con).action == "merged"
    got = _actual(tmp_path, dt.date(2024, 1, 20), con).iloc[0]
    assert (got.orders, got.purchase_days, got.returns) == (5, 4, 1)
    # Repeat spend: days 2 (20.00), 3 and 5 (10.00 each) over three repeat days.
    assert got.monetary_value == 13.33


def test_rewritten_orders_rebuild_the_state(tmp_path):
    con = engine.connect("duckdb")
    store = Warehouse(tmp_path)
    rows = [
        {
            "customer_id": "c1",
            "day": d,
            "second": 60,
            "amount": 10.0,
            "cost": 4.0,
            "discount": None,
            "channel": "web",
            "location": "north",
            "status": None,
            "categories": ["food"],
        }
        for d in (0, 3, 5)
    ]
    store.append("orders", _orders_table(rows[:2], 0))
    store.append("order_lines", _lines_table(rows[:2], 0))
    assert update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con).action == "built"
    assert update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con).action == "unchanged"
    store.append("orders", _orders_table(rows[2:], 2))
    # The warehouse moved on: until the state absorbs it, the state does not answer.
    assert state_features(tmp_path, as_of="2024-02-01", vocabulary=VOCABULARY, con=con) is None
    update = update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con)
    assert (update.action, update.orders_absorbed, update.customers_touched) == ("merged", 1, 1)
    # An erasure rewrites orders in place: the state is rebuilt, not merged.
    rows[0]["status"] = "returned"
    store.rewrite("orders", _orders_table(rows, 0))
    update = update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con)
    assert (update.action, update.orders_absorbed) == ("built", 3)
    as_of = dt.date(2024, 1, 10)
    expected = _expected(_orders_table(rows, 0), _lines_table(rows[:2], 0), as_of, con)
    _assert_same(_actual(tmp_path, as_of, con), expected)
    assert expected.loc[0, "returns"] == 1 and expected.loc[0, "orders"] == 2
    # Another sale definition: the stored partials no longer mean the same, so rebuild.
    other = Vocabulary(not_sale_statuses=("cancelled",))
    assert state_features(tmp_path, as_of=as_of, vocabulary=other, con=con) is None
    assert update_customer_state(tmp_path, vocabulary=other, con=con).action == "built"


@pytest.mark.parametrize("absent", ["order_lines"])
def test_without_order_lines(tmp_path, absent):
    con = engine.connect("duckdb")
    store = Warehouse(tmp_path)
    rows = [
        {
            "customer_id": c,
            "day": d,
            "second": 1,
            "amount": 5.0,
            "cost": None,
            "discount": 1.0,
            "channel": None,
            "location": None,
            "status": s,
            "categories": [],
        }
        for c, d, s in (("a", 1, None), ("a", 1, "paid"), ("b", 2, "returned"), ("a", 4, None))
    ]
    store.append("orders", _orders_table(rows, 0))
    assert update_customer_state(tmp_path, vocabulary=VOCABULARY, con=con).customers == 2
    got = _actual(tmp_path, dt.date(2024, 1, 9), con)
    # "b" only returned: never bought, not a customer with features.
    assert got.customer_id.tolist() == ["a"]
    assert got.loc[
        0, ["orders", "purchase_days", "frequency", "categories", "channels"]
    ].tolist() == [
        3,
        2,
        1,
        0,
        0,
    ]


def test_sync_keeps_the_state_and_features_read_it(workspace, tmp_path):
    """End to end: the store, `patron sync`, then AnalysisContext.features()."""
    from typer.testing import CliRunner

    from patron.cli.main import app
    from patron.collect.importers import import_file
    from patron.jobs.context import AnalysisContext

    def load(kind: str, text: str) -> None:
        path = tmp_path / f"{kind}-{len(list(tmp_path.iterdir()))}.csv"
        path.write_text(text, encoding="utf-8")
        import_file(workspace, kind, path, progress=False)

    def sync() -> dict:
        result = CliRunner().invoke(app, ["sync", "--json", "--workspace", str(workspace.root)])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["customer_state"]

    load("customers", "customer_id,name\nC1,Ann\nC2,Bo\nC3,Cy\n")
    load(
        "orders",
        "order_id,customer_id,ordered_at,amount,cost,channel\n"
        "O1,C1,2024-01-01 10:00,5.25,2,web\nO2,C2,2024-01-02,7.5,3,store\n"
        "O3,C1,2024-01-05,10,4,store\n",
    )
    assert sync()["action"] == "built"
    # A late return of O1 and a new sale of C3 on an earlier day arrive in the next sync.
    load(
        "orders",
        "order_id,customer_id,ordered_at,amount,cost,status\n"
        "O4,C1,2024-01-06,5.25,2,returned\nO5,C3,2024-01-03,20,8,\n",
    )
    state = sync()
    assert (state["action"], state["orders_absorbed"], state["customers_touched"]) == (
        "merged",
        2,
        2,
    )
    assert (state["customers"], state["high_water"]) == (3, "2024-01-06")

    ctx = AnalysisContext.open(workspace, unit="all", as_of="2024-01-31")
    assert ctx.features_source == "state"
    from_state = _sorted(ctx.run(ctx.features()))
    full = AnalysisContext.open(workspace, unit="all", as_of="2024-01-05")
    assert full.features_source == "full"  # before the state's last day
    reference = AnalysisContext.open(workspace, unit="all", as_of="2024-01-31")
    expr = customer_features(
        reference.reader.orders(),
        order_lines=reference.reader.table("order_lines", required=False),
        as_of=dt.date(2024, 1, 31),
        vocabulary=reference.vocabulary,
    )
    _assert_same(from_state, _sorted(reference.run(expr)))
    c1 = from_state.set_index("customer_id").loc["C1"]
    assert (c1.orders, c1.returns, c1.returned_value, c1.revenue) == (2, 1, 5.25, 15.25)
