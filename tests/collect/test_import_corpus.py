"""The adversarial import corpus: every file imports exactly the rows it should.

Each case in ``corpus/expected.json`` (written by ``corpus/make_corpus.py``) says how
many rows are imported, which lines are rejected and why, or that the file is refused.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from patron.collect.importers import import_file
from patron.collect.store.db import open_store
from patron.exceptions import InputError

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert all((CORPUS / c["file"]).exists() for c in CASES)


def _rows(workspace, sql: str) -> list[tuple]:
    with open_store(workspace.database_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_file(case, sqlite_workspace) -> None:
    workspace = sqlite_workspace
    if case.get("settings"):
        workspace.update_settings("import", case["settings"])
    path = CORPUS / case["file"]
    started = time.perf_counter()
    if case["error"]:
        with pytest.raises(InputError, match=case["error"]):
            import_file(workspace, case["kind"], path, progress=False)
        assert time.perf_counter() - started < case.get("seconds", 30)
        return
    summary = import_file(workspace, case["kind"], path, progress=False)
    assert time.perf_counter() - started < case.get("seconds", 30)

    assert summary.imported == case["imported"], summary
    assert summary.updated == case.get("updated", 0), summary
    assert summary.duplicates == case.get("duplicates", 0), summary
    assert summary.rejected == len(case["rejects"]), summary
    assert (
        summary.read == summary.imported + summary.updated + summary.duplicates + summary.rejected
    )
    found: dict[str, tuple[str, list[str]]] = {}
    if summary.reject_file:
        with open(summary.reject_file, encoding="utf-8-sig", newline="") as handle:
            for record in list(csv.reader(handle))[1:]:
                found[record[0]] = (record[2], record[3:])
    assert sorted(found) == sorted(case["rejects"])
    for line, reason in case["rejects"].items():
        assert reason in found[line][0], (line, found[line][0])
    for line, cell in case.get("reject_cells", {}).items():
        assert any(value.startswith(cell) for value in found[line][1]), found[line][1]

    if "customers" in case:
        assert _rows(workspace, "SELECT count(*) FROM customers")[0][0] == case["customers"]
    for customer_id, name in case.get("names", {}).items():
        stored = _rows(workspace, f"SELECT name FROM customers WHERE customer_id = '{customer_id}'")
        assert stored == [(name,)]
    for order_id, day in case.get("days", {}).items():
        stored = _rows(workspace, f"SELECT ordered_at FROM orders WHERE order_id = '{order_id}'")
        assert str(stored[0][0])[:10] == day
    for order_id, amount in case.get("amounts", {}).items():
        stored = _rows(workspace, f"SELECT amount FROM orders WHERE order_id = '{order_id}'")
        assert stored == [(amount,)]
    for order_id, status in case.get("statuses", {}).items():
        stored = _rows(workspace, f"SELECT status FROM orders WHERE order_id = '{order_id}'")
        assert stored == [(status,)]


def test_a_bad_row_beyond_the_sample_is_rejected_alone(sqlite_workspace, tmp_path) -> None:
    """The encoding is told from the first megabyte; a later Latin-1 row is set aside."""
    path = tmp_path / "late.csv"
    good = "".join(f"C{i:06d},Zoë {i},c{i}@example.com\n" for i in range(40_000))
    path.write_bytes(
        ("customer_id,name,email\n" + good).encode()
        + "X1,Müller,x@example.com\n".encode("latin-1")
        + "Y1,陈伟,y@example.com\n".encode()
    )
    assert path.stat().st_size > 1 << 20
    summary = import_file(sqlite_workspace, "customers", path, progress=False)
    assert (summary.imported, summary.rejected) == (40_001, 1)
    with open(summary.reject_file, encoding="utf-8-sig", newline="") as handle:
        (record,) = list(csv.reader(handle))[1:]
    assert record[0] == "40002" and "not valid UTF-8" in record[2]
    assert record[3:5] == ["X1", "M\\xfcller"]
    assert _rows(sqlite_workspace, "SELECT name FROM customers WHERE customer_id = 'Y1'") == [
        ("陈伟",)
    ]


def test_the_importer_and_the_analyses_agree_on_returns() -> None:
    from patron.collect.importers.settings import RETURN_STATUS, ImportSettings
    from patron.core.vocabulary import DEFAULT_VOCABULARY

    assert ImportSettings().not_sale_statuses == DEFAULT_VOCABULARY.not_sale_statuses
    assert RETURN_STATUS in DEFAULT_VOCABULARY.not_sale_statuses
