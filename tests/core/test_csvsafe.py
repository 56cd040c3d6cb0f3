"""Every CSV Patron writes is safe to open in a spreadsheet: no cell starts a formula."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from patron.act.channels import append_to_list
from patron.core.csvsafe import TRIGGERS, neutralise, safe_frame

ATTACKS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_cells_get_a_leading_apostrophe(value) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["-12.5", "+8613812345678", "1e5", "Zoë", "", "a=b", 7, -3.5, None]
)
def test_plain_values_are_left_alone(value) -> None:
    assert neutralise(value) == value


def test_every_trigger_is_covered() -> None:
    assert set(TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_list_channel_file(tmp_path) -> None:
    for name in ATTACKS + ["Plain Name"]:
        append_to_list(tmp_path, "vip", {"customer_id": "C1", "name": name, "amount": -12.5})
    with (tmp_path / "vip.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(ATTACKS) + 1
    assert [r["name"] for r in rows] == ["'" + a for a in ATTACKS] + ["Plain Name"]
    assert {r["amount"] for r in rows} == {"-12.5"}


def test_frames_written_by_exports() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "Ann", None], "amount": [-1.0, 2.0, 3.0]})
    safe = safe_frame(frame)
    assert safe["name"].tolist()[:2] == ["'=1+1", "Ann"] and pd.isna(safe["name"].iloc[2])
    assert safe["amount"].tolist() == [-1.0, 2.0, 3.0]
    assert frame["name"].iloc[0] == "=1+1"  # the caller's frame is not changed


def test_reject_file_of_an_import(sqlite_workspace, tmp_path) -> None:
    from patron.collect.importers import import_file

    path = tmp_path / "c.csv"
    path.write_text(
        'customer_id,name,email\n=cmd|calc,"@SUM(A1)",not-an-address\nC2,Bob,b@example.com\n',
        encoding="utf-8",
    )
    summary = import_file(sqlite_workspace, "customers", path, progress=False)
    assert (summary.imported, summary.rejected) == (1, 1)
    with open(summary.reject_file, encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert header == ["line", "field", "reason", "customer_id", "name", "email"]
    assert row[3:] == ["'=cmd|calc", "'@SUM(A1)", "not-an-address"]
    assert json.dumps(row)  # plain text all through
