"""Importing each kind of file into the store (SQLite and PostgreSQL): counts, rejects, re-imports."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from patron.collect.importers import ImportSummary, import_file
from patron.collect.store.db import open_store
from patron.exceptions import InputError


def rows(workspace, sql: str) -> list[tuple]:
    with open_store(workspace.database_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def count(workspace, table: str) -> int:
    return rows(workspace, f"SELECT count(*) FROM {table}")[0][0]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


ORDERS_CSV = """order_id,customer_id,ordered_at,amount,quantity,channel
O1,C1,2024-01-05,12.50,1,web
O2,C2,2024-01-06 10:30,7,2,store
O3,C1,not a date,3,1,web
O4,C3,2024-02-01,,1,web
O5,C3,2024-02-02,abc,1,web
O6,,2024-02-03,5,1,web
O7,C4,2024-02-04,9.99,1,app,extra
O8,C4,2024-02-05,10,1,app

O9,C5,2024-02-06T08:00:00+08:00,20,1,web
"""


def test_orders_csv_exact_counts_and_reject_file(workspace, tmp_path):
    path = write(tmp_path / "orders.csv", ORDERS_CSV)
    summary = import_file(workspace, "orders", path, progress=False)
    assert isinstance(summary, ImportSummary)
    # 9 records (the blank line is not a row): 4 good, 5 bad.
    assert (summary.read, summary.imported, summary.rejected) == (9, 4, 5)
    assert summary.duplicates == 0 and summary.updated == 0
    assert summary.customers_created == 4  # C1, C2, C4, C5 (C3's rows are all bad)
    assert count(workspace, "orders") == 4
    with open(summary.reject_file, encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    by_line = {int(r["line"]): r for r in rejected}
    assert sorted(by_line) == [4, 5, 6, 7, 8]
    assert by_line[4]["field"] == "ordered_at" and by_line[4]["ordered_at"] == "not a date"
    assert by_line[5]["field"] == "amount" and "required" in by_line[5]["reason"]
    assert by_line[6]["field"] == "amount" and by_line[6]["reason"] == "not a number"
    assert by_line[7]["field"] == "customer_id"
    assert "7 fields" in by_line[8]["reason"] and by_line[8]["order_id"] == "O7"
    # The +08:00 offset is honoured: stored in UTC.
    stamp = rows(workspace, "SELECT ordered_at FROM orders WHERE order_id = 'O9'")[0][0]
    assert str(stamp).startswith("2024-02-06 00:00:00")
    run = rows(workspace, "SELECT status, rows_done FROM import_runs")[0]
    assert run == ("finished", 9)


def test_reimport_is_idempotent(workspace, tmp_path):
    path = write(tmp_path / "orders.csv", ORDERS_CSV)
    import_file(workspace, "orders", path, progress=False)
    again = import_file(workspace, "orders", path, progress=False)
    assert (again.imported, again.duplicates, again.rejected) == (0, 4, 5)
    assert count(workspace, "orders") == 4
    assert count(workspace, "customers") == 4


def test_orders_without_ids_are_keyed_by_content(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    text = (
        "customer_id,ordered_at,amount\n"
        "A,2024-01-01,10\nA,2024-01-01,10\nA,2024-01-02,10\nB,2024-01-01,10\n"
    )
    path = write(tmp_path / "o.csv", text)
    first = import_file(workspace, "orders", path, progress=False, chunk_size=2)
    # Two identical purchases in one file are both kept ...
    assert first.imported == 4
    # ... and a re-import (or an overlapping export) adds nothing.
    again = import_file(workspace, "orders", path, progress=False, chunk_size=3)
    assert (again.imported, again.duplicates) == (0, 4)
    more = write(tmp_path / "o2.csv", text + "B,2024-03-01,5\n")
    third = import_file(workspace, "orders", more, progress=False)
    assert (third.imported, third.duplicates) == (1, 4)
    assert count(workspace, "orders") == 5


def test_xlsx_orders(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Order No", "Customer", "Order Date", "Total"])
    sheet.append(["X1", "K1", datetime(2024, 5, 1, 9, 30), 19.9])
    sheet.append(["X2", "K2", "2024-05-02", 5])
    sheet.append(["X3", "K2", "yesterday", 5])
    sheet.append(["X4", 1234, datetime(2024, 5, 3), 7.25])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    summary = import_file(workspace, "orders", path, progress=False)
    assert (summary.read, summary.imported, summary.rejected) == (4, 3, 1)
    assert rows(workspace, "SELECT customer_id FROM customers ORDER BY customer_id") == [
        ("1234",),
        ("K1",),
        ("K2",),
    ]
    assert rows(workspace, "SELECT amount FROM orders WHERE order_id = 'X1'") == [(19.9,)]


def test_parquet_orders_keep_their_types(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    frame = pd.DataFrame(
        {
            "order_id": [f"P{i}" for i in range(6)],
            "customer_id": ["a", "b", "a", "c", None, "d"],
            "ordered_at": pd.to_datetime(["2024-01-01 10:00"] * 6).tz_localize("UTC"),
            "amount": [1.5, 2.0, float("nan"), 4.0, 5.0, float("inf")],
        }
    )
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path, index=False)
    summary = import_file(workspace, "orders", path, progress=False, chunk_size=4)
    assert (summary.read, summary.imported, summary.rejected) == (6, 3, 3)
    assert rows(workspace, "SELECT sum(amount) FROM orders") == [(7.5,)]


def test_customers_update_and_attributes(workspace, tmp_path):
    first = write(
        tmp_path / "c.csv",
        "customer_id,name,birthday,consent_email,tier\nC1,Ann,1990-03-04,yes,gold\nC2,Bo,,no,silver\n",
    )
    summary = import_file(workspace, "customers", first, progress=False)
    assert (summary.imported, summary.updated) == (2, 0)
    second = write(
        tmp_path / "c2.csv",
        "customer_id,name,city,tier\nC1,Ann,Paris,gold\nC2,Bo,,silver\nC3,Cy,Rome,\n",
    )
    summary = import_file(workspace, "customers", second, progress=False)
    assert (summary.imported, summary.updated, summary.duplicates) == (1, 1, 1)
    got = rows(
        workspace,
        "SELECT customer_id, name, city, birthday, consent_email, version FROM customers ORDER BY customer_id",
    )
    assert [g[:3] for g in got] == [
        ("C1", "Ann", "Paris"),
        ("C2", "Bo", None),
        ("C3", "Cy", "Rome"),
    ]
    assert str(got[0][3]) == "1990-03-04" and bool(got[0][4]) is True
    assert [g[5] for g in got] == [2, 1, 1]
    attributes = rows(workspace, "SELECT attributes FROM customers WHERE customer_id = 'C1'")[0][0]
    assert "gold" in str(attributes)


def test_unknown_customers_rejected_when_not_created(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    write(tmp_path / "c.csv", "customer_id\nC1\n")
    import_file(workspace, "customers", tmp_path / "c.csv", progress=False)
    path = write(
        tmp_path / "o.csv", "customer_id,ordered_at,amount\nC1,2024-01-01,1\nZZ,2024-01-01,2\n"
    )
    summary = import_file(workspace, "orders", path, progress=False, create_customers=False)
    assert (summary.imported, summary.rejected, summary.customers_created) == (1, 1, 0)
    assert count(workspace, "customers") == 1


def test_complaints_update_on_reimport(workspace, tmp_path):
    header = "complaint_id,customer_id,opened_at,severity,status,description,resolved_at\n"
    path = write(
        tmp_path / "k.csv",
        header
        + "K1,C1,2024-03-01 09:00,high,open,cold room,\nK2,C2,2024-03-02,urgent,open,noise,\n",
    )
    summary = import_file(workspace, "complaints", path, progress=False)
    assert (summary.imported, summary.rejected) == (1, 1)  # "urgent" is not a severity
    due = rows(workspace, "SELECT sla_due_at FROM complaints")[0][0]
    assert str(due).startswith("2024-03-02 09:00")  # high: 24 hours
    path = write(
        tmp_path / "k2.csv",
        header + "K1,C1,2024-03-01 09:00,high,resolved,cold room,2024-03-01 15:00\n",
    )
    summary = import_file(workspace, "complaints", path, progress=False)
    assert (summary.imported, summary.updated) == (0, 1)
    assert rows(workspace, "SELECT status, version FROM complaints") == [("resolved", 2)]
    again = import_file(workspace, "complaints", path, progress=False)
    assert (again.updated, again.duplicates) == (0, 1)


def test_order_lines_responses_preferences_dates(workspace, tmp_path):
    import_file(
        workspace,
        "orders",
        write(tmp_path / "o.csv", "order_id,customer_id,ordered_at,amount\nS1,H1,2024-01-01,100\n"),
        progress=False,
    )
    lines = write(
        tmp_path / "l.csv",
        "order_id,product,amount\nS1,room,80\nS1,breakfast,20\nS9,room,50\n",
    )
    summary = import_file(workspace, "order-lines", lines, progress=False)
    assert (summary.imported, summary.rejected) == (2, 1)
    assert rows(workspace, "SELECT line_no, product FROM order_lines ORDER BY line_no") == [
        (1, "room"),
        (2, "breakfast"),
    ]
    assert import_file(workspace, "order-lines", lines, progress=False).duplicates == 2

    answers = write(
        tmp_path / "r.csv",
        "response_id,survey_code,customer_id,responded_at,item_code,value\n"
        "R1,acsi-hotel,H1,2024-01-02,SAT1,8\nR1,acsi-hotel,H1,2024-01-02,NPS,9\n"
        "R2,acsi-hotel,,2024-01-03,SAT1,7\n",
    )
    summary = import_file(workspace, "responses", answers, progress=False)
    assert summary.imported == 3
    assert rows(workspace, "SELECT code, name FROM surveys") == [("acsi-hotel", "acsi-hotel")]

    prefs = write(
        tmp_path / "p.csv",
        'customer_id,key,value\nH1,breakfast,"sandwich, coffee, egg"\nH1,seat,"window, 2nd floor"\nH1,seat,"window, 2nd floor"\n',
    )
    summary = import_file(workspace, "preferences", prefs, progress=False)
    assert (summary.imported, summary.duplicates) == (2, 1)

    days = write(
        tmp_path / "d.csv", "customer_id,kind,date\nH1,birthday,1980-11-06\nH1,wedding,bad\n"
    )
    summary = import_file(workspace, "important-dates", days, progress=False)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert [str(r[0]) for r in rows(workspace, "SELECT date FROM important_dates")] == [
        "1980-11-06"
    ]


def test_interactions_and_dry_run(workspace, tmp_path):
    path = write(
        tmp_path / "i.csv",
        "customer_id,occurred_at,channel,is_service,summary\n"
        "A,2024-01-01 10:00,phone,yes,asked about invoice\n"
        "A,2024-01-01 10:00,phone,yes,asked about invoice\n"
        "B,2024-01-02,email,maybe,hi\n",
    )
    dry = import_file(workspace, "interactions", path, progress=False, dry_run=True)
    assert (dry.imported, dry.rejected, dry.dry_run, dry.run_id) == (2, 1, True, None)
    assert count(workspace, "interactions") == 0 and count(workspace, "customers") == 0
    real = import_file(workspace, "interactions", path, progress=False)
    assert real.imported == 2
    assert rows(workspace, "SELECT count(*) FROM interactions WHERE is_service") == [(2,)]


def test_required_column_absent_is_an_input_error(sqlite_workspace, tmp_path):
    workspace = sqlite_workspace
    path = write(tmp_path / "o.csv", "customer,when\nA,2024-01-01\n")
    with pytest.raises(InputError, match=r"required column ordered_at absent"):
        import_file(workspace, "orders", path, progress=False)
    summary = import_file(
        workspace,
        "orders",
        write(tmp_path / "o2.csv", "customer,when,paid\nA,2024-01-01,3\n"),
        mapping={"ordered_at": "when", "amount": "paid"},
        progress=False,
    )
    assert summary.imported == 1


def test_a_file_patron_exported_imports_as_the_values_it_held(sqlite_workspace, tmp_path):
    """Patron writes "'+852 …" so a spreadsheet shows text; importing that file stores
    the phone "+852 …" (not the apostrophe), and the next export neutralises it again."""
    from patron.core.csvsafe import safe_frame

    workspace = sqlite_workspace
    frame = pd.DataFrame(
        {
            "customer_id": ["P1", "P2", "P3"],
            "name": ["Chen Wei", '=HYPERLINK("x")', "it's me"],
            "phone": ["+852 5550 0188", "-", "'plain"],
        }
    )
    path = tmp_path / "customers.csv"
    safe_frame(frame).to_csv(path, index=False)
    assert "'+852 5550 0188" in path.read_text()
    summary = import_file(workspace, "customers", path, progress=False)
    assert summary.imported == 3 and summary.rejected == 0
    with open_store(workspace.database_url).connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT customer_id, phone FROM customers")).all())
        names = dict(conn.execute(sa.text("SELECT customer_id, name FROM customers")).all())
    assert stored == {"P1": "+852 5550 0188", "P2": "-", "P3": "'plain"}
    assert names["P2"] == '=HYPERLINK("x")' and names["P3"] == "it's me"
