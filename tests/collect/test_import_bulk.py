"""A bulk import keeps exact counts when a chunk holds bad rows, and its fast paths stay idempotent."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from patron.collect.importers import import_file, postgres, run
from patron.collect.store.db import open_store

ROWS = 1_200
CHUNK = 250


def orders_with_bad_rows(path, *, ids: bool):
    """1,200 orders; the third chunk (rows 500-749) holds four bad rows."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "customer_id": np.char.add("C", rng.integers(0, 90, ROWS).astype(str)),
            "ordered_at": (
                pd.Timestamp("2024-01-01")
                + pd.to_timedelta(rng.integers(0, 86400 * 365, ROWS), "s")
            ).strftime("%Y-%m-%d %H:%M:%S"),
            "amount": np.round(rng.uniform(1, 100, ROWS), 2).astype(str),
        }
    )
    if ids:
        frame.insert(0, "order_id", [f"O{i}" for i in range(ROWS)])
    frame.loc[510, "amount"] = "twelve"
    frame.loc[600, "ordered_at"] = "not a date"
    frame.loc[601, "customer_id"] = None
    frame.loc[700, "amount"] = "1e13"  # above [import] max_amount
    frame.to_csv(path, index=False)
    return path, frame


def query(workspace, sql: str):
    with open_store(workspace.database_url).connect() as conn:
        return conn.execute(sa.text(sql)).all()


@pytest.mark.parametrize("ids", [True, False], ids=["order_id", "content-hash"])
def test_bad_rows_in_one_chunk_keep_exact_counts(workspace, tmp_path, monkeypatch, ids):
    monkeypatch.setattr(run, "BULK_ROWS", 10)  # the bulk path: indexes rebuilt, keys suspended
    path, frame = orders_with_bad_rows(tmp_path / "orders.csv", ids=ids)
    first = import_file(workspace, "orders", path, progress=False, chunk_size=CHUNK)
    assert (first.read, first.imported, first.rejected, first.duplicates) == (ROWS, 1_196, 4, 0)
    assert first.imported + first.rejected == ROWS

    with open(first.reject_file, encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    # Line numbers count the header as line 1: data row i is on line i + 2.
    assert [(r["line"], r["field"]) for r in rejected] == [
        ("512", "amount"),
        ("602", "ordered_at"),
        ("603", "customer_id"),
        ("702", "amount"),
    ]
    assert rejected[0]["amount"] == "twelve"

    good = frame.drop(index=[510, 600, 601, 700])
    stored = query(workspace, "SELECT count(*), sum(amount) FROM orders")[0]
    assert stored[0] == 1_196
    assert stored[1] == pytest.approx(good["amount"].astype(float).sum(), abs=1e-6)
    per_customer = dict(
        query(
            workspace,
            "SELECT c.customer_id, round(sum(o.amount) * 100) FROM orders o "
            "JOIN customers c ON c.id = o.customer_pk GROUP BY c.customer_id",
        )
    )
    expected = (
        good.assign(amount=good["amount"].astype(float)).groupby("customer_id")["amount"].sum()
        * 100
    ).round()
    assert per_customer == {k: float(v) for k, v in expected.items()}

    again = import_file(workspace, "orders", path, progress=False, chunk_size=CHUNK)
    assert (again.imported, again.duplicates, again.rejected) == (0, 1_196, 4)
    assert query(workspace, "SELECT count(*) FROM orders")[0][0] == 1_196
    if workspace.database_url.startswith("postgresql"):
        # Every foreign key is back and checked after the bulk load.
        keys = query(
            workspace,
            "SELECT conname, convalidated FROM pg_constraint "
            "WHERE conrelid = 'orders'::regclass AND contype = 'f' ORDER BY conname",
        )
        assert [k for _n, k in keys] == [True, True]


def test_postgres_clash_after_the_anti_join_falls_back_to_on_conflict(
    workspace, tmp_path, monkeypatch
):
    """A key stored by someone else after the anti-join read: the chunk is redone, not lost."""
    if not workspace.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's insert path")
    path, _frame = orders_with_bad_rows(tmp_path / "orders.csv", ids=True)
    first = import_file(workspace, "orders", path, progress=False, chunk_size=CHUNK)
    assert first.imported == 1_196
    # Pretend the table has no unique keys: the anti-join filters nothing, the plain
    # INSERT hits the unique index, and the savepoint's ON CONFLICT path takes over.
    calls = []
    real = postgres.insert_staged

    def blind(cursor, table, stage, names, keys, columns):
        calls.append(keys)
        return real(cursor, table, stage, names, [], columns)

    monkeypatch.setattr(postgres, "insert_staged", blind)
    again = import_file(workspace, "orders", path, progress=False, chunk_size=CHUNK)
    assert calls and all(keys for keys in calls)
    assert (again.imported, again.duplicates, again.rejected) == (0, 1_196, 4)
    assert query(workspace, "SELECT count(*) FROM orders")[0][0] == 1_196


def test_postgres_repeated_key_in_a_chunk_keeps_the_first(workspace, tmp_path):
    """Two rows of one chunk with the same order_id: the first is stored, the second skipped."""
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\n"
        "A1,C1,2024-01-01 10:00:00,10\n"
        "A1,C1,2024-01-01 10:00:00,20\n"
        "A2,C2,2024-01-02 10:00:00,30\n",
        encoding="utf-8",
    )
    summary = import_file(workspace, "orders", path, progress=False)
    assert (summary.imported, summary.duplicates) == (2, 1)
    assert query(workspace, "SELECT order_id, amount FROM orders ORDER BY order_id") == [
        ("A1", 10.0),
        ("A2", 30.0),
    ]


def test_postgres_killed_bulk_load_is_healed_by_the_next_import(workspace, tmp_path):
    """Foreign keys a killed bulk load left NOT VALID are validated by the next import."""
    if not workspace.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's foreign keys")
    path, _frame = orders_with_bad_rows(tmp_path / "orders.csv", ids=True)
    engine = open_store(workspace.database_url)
    with engine.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        found = postgres.suspend_foreign_keys(cursor, "orders")
        postgres.resume_foreign_keys(cursor, "orders", found)
    assert len(found) == 2
    before = query(
        workspace,
        "SELECT bool_and(convalidated) FROM pg_constraint "
        "WHERE conrelid = 'orders'::regclass AND contype = 'f'",
    )
    assert before == [(False,)]
    import_file(workspace, "orders", path, progress=False, chunk_size=CHUNK)
    after = query(
        workspace,
        "SELECT bool_and(convalidated), count(*) FROM pg_constraint "
        "WHERE conrelid = 'orders'::regclass AND contype = 'f'",
    )
    assert after == [(True, 2)]
