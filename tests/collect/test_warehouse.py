"""``sync``: the store copied to Parquet incrementally, readable by DuckDB, no row ever twice."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import sqlalchemy as sa

from patron.collect.importers import import_file
from patron.collect.store.db import open_store
from patron.collect.warehouse import TABLE_NAMES, sync, table_path


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def query(sql: str) -> list[tuple]:
    return duckdb.sql(sql).fetchall()


def files(workspace, table):
    return sorted(p.name for p in (workspace.warehouse / table).glob("*.parquet"))


def test_sync_is_incremental_and_never_duplicates(workspace, tmp_path):
    import_file(
        workspace,
        "customers",
        write(tmp_path / "c.csv", "customer_id,name,dataset\nC1,Ann,hotel\nC2,Bo,cdnow\n"),
        progress=False,
    )
    import_file(
        workspace,
        "orders",
        write(
            tmp_path / "o.csv",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01 10:00,5\nO2,C2,2024-01-02,7.5\n",
        ),
        progress=False,
    )
    import_file(
        workspace,
        "order-lines",
        write(tmp_path / "l.csv", "order_id,product,amount\nO1,room,4\nO1,tea,1\n"),
        progress=False,
    )
    first = sync(workspace, progress=False)
    assert {t.table: t.rows_written for t in first.tables if t.rows_written} == {
        "customers": 2,
        "orders": 2,
        "order_lines": 2,
    }
    assert [t.table for t in first.tables] == list(TABLE_NAMES)
    orders = table_path(workspace, "orders")
    assert orders.endswith("warehouse/orders/*.parquet")
    assert query(f"SELECT customer_id, amount FROM '{orders}' ORDER BY id") == [
        ("C1", 5.0),
        ("C2", 7.5),
    ]
    schema = pq.read_schema(next((workspace.warehouse / "orders").glob("*.parquet")))
    assert str(schema.field("ordered_at").type) == "timestamp[us, tz=UTC]"
    lines = table_path(workspace, "order_lines")
    assert query(
        f"SELECT order_id, customer_id, product, ordered_at::VARCHAR FROM '{lines}' ORDER BY id"
    ) == [
        ("O1", "C1", "room", "2024-01-01 10:00:00+00"),
        ("O1", "C1", "tea", "2024-01-01 10:00:00+00"),
    ]
    customers = table_path(workspace, "customers")
    assert query(f"SELECT customer_id, dataset FROM '{customers}' ORDER BY 1") == [
        ("C1", "hotel"),
        ("C2", "cdnow"),
    ]

    # Nothing changed: nothing written, no file touched.
    before = {p: p.stat().st_mtime_ns for p in workspace.warehouse.rglob("*.parquet")}
    second = sync(workspace, progress=False)
    assert second.rows_written == 0
    assert {p: p.stat().st_mtime_ns for p in workspace.warehouse.rglob("*.parquet")} == before

    # New orders are appended as a new part; an updated customer replaces the one part.
    import_file(
        workspace,
        "orders",
        write(tmp_path / "o2.csv", "order_id,customer_id,ordered_at,amount\nO3,C3,2024-02-01,1\n"),
        progress=False,
    )
    import_file(
        workspace,
        "customers",
        write(tmp_path / "c2.csv", "customer_id,name\nC1,Anne\n"),
        progress=False,
    )
    third = sync(workspace, progress=False)
    actions = {t.table: (t.action, t.rows_written) for t in third.tables}
    assert actions["orders"] == ("appended", 1)
    assert actions["customers"] == ("rewritten", 3)
    assert actions["order_lines"][0] == "unchanged"
    assert files(workspace, "orders") == ["part-000000.parquet", "part-000001.parquet"]
    assert files(workspace, "customers") == ["part-000000.parquet"]
    assert query(f"SELECT count(*), count(DISTINCT id) FROM '{orders}'") == [(3, 3)]
    assert query(
        f"SELECT count(*), max(name) FILTER (WHERE customer_id = 'C1') FROM '{customers}'"
    ) == [(3, "Anne")]

    with open_store(workspace.database_url).connect() as conn:
        state = conn.execute(
            sa.text("SELECT table_name, last_id, rows FROM sync_state ORDER BY 1")
        ).all()
    assert ("orders", 3, 3) in [tuple(s) for s in state]


def test_changed_fact_rows_are_rewritten_and_leftovers_removed(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    import_file(
        workspace,
        "interactions",
        write(
            tmp_path / "i.csv",
            "customer_id,occurred_at,summary\nA,2024-01-01,called about the bill\nB,2024-01-02,visit\n",
        ),
        progress=False,
    )
    sync(workspace, progress=False)
    # A leftover part from an interrupted sync is not listed in the state: it goes.
    (workspace.warehouse / "interactions" / "part-000009.parquet").write_bytes(b"junk")
    # An erasure blanks a summary the warehouse already holds: the table is copied afresh.
    with open_store(workspace.database_url).begin() as conn:
        conn.execute(sa.text("UPDATE interactions SET summary = NULL WHERE id = 1"))
    result = {t.table: t for t in sync(workspace, progress=False).tables}
    assert result["interactions"].action == "rewritten"
    assert files(workspace, "interactions") == ["part-000000.parquet"]
    path = table_path(workspace, "interactions")
    assert query(f"SELECT count(*), count(summary) FROM '{path}'") == [(2, 1)]


def test_sync_reports_progress_through_the_callback(sqlite_workspace, tmp_path):
    from patron.core.progress import ProgressLog

    import_file(
        sqlite_workspace,
        "customers",
        write(tmp_path / "c.csv", "customer_id,name\nC1,Ann\nC2,Bo\n"),
        progress=False,
    )
    log = ProgressLog()
    sync(sqlite_workspace, tables=["units", "customers"], progress=log)
    assert log.calls[0] == ("Syncing the warehouse", 0, 2)
    assert log.calls[-1] == ("Syncing the warehouse", 2, 2)
    assert ("customers: 2 rows", 1, 2) in log.calls
    assert sync(sqlite_workspace, progress=True).tables  # not a callback: silent


def test_signatures_do_not_depend_on_the_order_of_addition():
    """Float columns enter a table's signature as sums of rounded integers: a float sum
    depends on the order of addition, which PostgreSQL's parallel plans vary, and a
    signature that changes with nothing changed made every sync copy the whole table."""
    from patron.collect.warehouse_tables import TABLES

    float_columns = {"amount", "quantity", "value", "cost", "discount"}
    for spec in TABLES:
        for column in float_columns:
            assert f"sum(t.{column})" not in spec.signature, spec.name
            assert f"sum(coalesce(t.{column}, 0))" not in spec.signature, spec.name
