"""CSV dialects the importer must read: BOM, CRLF, GBK, semicolons with decimal commas, quoted line breaks."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from patron.collect.importers import import_file
from patron.collect.importers.reading import detect_encoding, sniff_delimiter
from patron.collect.store.db import open_store
from patron.exceptions import InputError


def fetch(workspace, sql: str) -> list[tuple]:
    with open_store(workspace.database_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_utf8_bom_and_crlf(sqlite_workspace, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(
        b"\xef\xbb\xbfcustomer_id,name,city\r\nC1,Zo\xc3\xab,Paris\r\nC2,\xe9\x99\x88\xe4\xbc\x9f,Shanghai\r\n"
    )
    summary = import_file(sqlite_workspace, "customers", path, progress=False)
    assert (summary.read, summary.imported, summary.rejected) == (2, 2, 0)
    assert fetch(sqlite_workspace, "SELECT customer_id, name, city FROM customers ORDER BY 1") == [
        ("C1", "Zoë", "Paris"),
        ("C2", "陈伟", "Shanghai"),
    ]


def test_gbk_chinese_headers_and_names(sqlite_workspace, tmp_path):
    text = "客户编号,姓名,城市,生日\r\nH-ORIENTAL,陈伟,上海,1980-11-06\r\nH2,李娜,北京,1975-02-28\r\nH3,王芳,广州,1990-07-15\r\n"
    path = tmp_path / "guests.csv"
    path.write_bytes(text.encode("gbk"))
    assert detect_encoding(path.read_bytes())[0] == "gb18030"
    summary = import_file(sqlite_workspace, "customers", path, progress=False)
    assert (summary.imported, summary.rejected) == (3, 0)
    got = fetch(
        sqlite_workspace,
        "SELECT name, city, birthday FROM customers WHERE customer_id='H-ORIENTAL'",
    )
    assert got == [("陈伟", "上海", "1980-11-06")]


def test_semicolon_and_decimal_comma(sqlite_workspace, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "Bestellnr;Kunde;Datum;Betrag\nB1;K1;24.12.2023;1.234,56\nB2;K2;25.12.2023;12,5\nB3;K1;26.12.2023;7\n",
        encoding="utf-8",
    )
    summary = import_file(
        sqlite_workspace,
        "orders",
        path,
        mapping={
            "order_id": "Bestellnr",
            "customer_id": "Kunde",
            "ordered_at": "Datum",
            "amount": "Betrag",
        },
        progress=False,
    )
    assert (summary.imported, summary.rejected) == (3, 0)
    got = fetch(sqlite_workspace, "SELECT order_id, amount, ordered_at FROM orders ORDER BY 1")
    assert [(o, a) for o, a, _ in got] == [("B1", 1234.56), ("B2", 12.5), ("B3", 7.0)]
    assert got[0][2].startswith("2023-12-24")


def test_tab_delimited_and_quoted_line_breaks(sqlite_workspace, tmp_path):
    path = tmp_path / "interactions.tsv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["customer_id", "occurred_at", "summary"])
        writer.writerow(["A", "2024-01-01 10:00", "line one\nline two"])
        writer.writerow(["B", "2024-01-02 11:00", "plain"])
        writer.writerow(["C", "someday", "bad date"])
    summary = import_file(sqlite_workspace, "interactions", path, progress=False)
    assert (summary.imported, summary.rejected) == (2, 1)
    assert fetch(sqlite_workspace, "SELECT summary FROM interactions ORDER BY id")[0] == (
        "line one\nline two",
    )
    with open(summary.reject_file, encoding="utf-8-sig", newline="") as handle:
        reject = next(csv.DictReader(handle))
    assert reject["customer_id"] == "C" and reject["field"] == "occurred_at"


def test_sniffing():
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_delimiter("a,b,c\n1,2,3\n") == ","
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"


def test_ambiguous_dates_need_a_format(sqlite_workspace, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "customer_id,ordered_at,amount\nA,03/04/2024,1\nB,05/06/2024,2\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"ambiguous.*--date-format %d/%m/%Y"):
        import_file(sqlite_workspace, "orders", path, progress=False)
    summary = import_file(sqlite_workspace, "orders", path, date_format="%d/%m/%Y", progress=False)
    assert summary.imported == 2
    dates = fetch(sqlite_workspace, "SELECT ordered_at FROM orders ORDER BY amount")
    assert [d[0][:10] for d in dates] == ["2024-04-03", "2024-06-05"]


def test_unambiguous_month_first_is_detected(sqlite_workspace, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "customer_id,ordered_at,amount\nA,12/31/2024,1\nB,01/02/2024,2\n", encoding="utf-8"
    )
    summary = import_file(sqlite_workspace, "orders", path, progress=False)
    assert summary.imported == 2
    assert fetch(sqlite_workspace, "SELECT min(ordered_at) FROM orders")[0][0][:10] == "2024-01-02"


def test_mapping_file_yaml(sqlite_workspace, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  customer_id: Kunde\n  ordered_at: Tag\n  amount: Summe\ndate_format: '%d.%m.%Y'\n",
        encoding="utf-8",
    )
    path = tmp_path / "o.csv"
    path.write_text("Kunde;Tag;Summe\nK1;01.02.2024;3,5\n", encoding="utf-8")
    summary = import_file(sqlite_workspace, "orders", path, mapping=mapping, progress=False)
    assert summary.imported == 1
    assert fetch(sqlite_workspace, "SELECT amount, substr(ordered_at, 1, 10) FROM orders") == [
        (3.5, "2024-02-01")
    ]


def test_bank_churn_records_as_customers(sqlite_workspace, shared_data):
    path = shared_data / "bank" / "Customer-Churn-Records.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM + CRLF, as published
    summary = import_file(
        sqlite_workspace,
        "customers",
        path,
        mapping={"customer_id": "CustomerId", "name": "Surname", "country": "Geography"},
        progress=False,
    )
    assert (summary.read, summary.imported, summary.rejected) == (10_000, 10_000, 0)
    got = fetch(
        sqlite_workspace,
        "SELECT count(*), count(DISTINCT country), sum(json_extract(attributes, '$.Exited')) FROM customers",
    )
    assert got == [(10_000, 3, 2038)]
    again = import_file(
        sqlite_workspace,
        "customers",
        path,
        mapping={"customer_id": "CustomerId", "name": "Surname", "country": "Geography"},
        progress=False,
    )
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 10_000)
