"""Property tests: arbitrary bytes never crash the importer; arbitrary rows never lose a good one."""

from __future__ import annotations

import csv
import io
import itertools

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patron.collect.importers import import_file
from patron.collect.store.db import open_store
from patron.collect.workspace_setup import init_workspace
from patron.core.workspace import Workspace
from patron.exceptions import InputError

_counter = itertools.count()


def fresh_workspace(tmp_path_factory) -> Workspace:
    import os

    os.environ.pop("PATRON_DATABASE_URL", None)
    return init_workspace(tmp_path_factory.mktemp("ws"))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=200).map(lambda b: b"customer_id,ordered_at,amount\n" + b),
        st.text(max_size=200).map(
            lambda t: ("customer_id;ordered_at;amount\r\n" + t).encode("utf-8")
        ),
        st.text(max_size=100).map(
            lambda t: ("客户编号,日期,金额\n" + t).encode("gb18030", "replace")
        ),
    ),
    kind=st.sampled_from(["orders", "customers", "interactions", "complaints"]),
)
def test_arbitrary_bytes_never_crash(tmp_path_factory, data, kind):
    workspace = WORKSPACES.setdefault("bytes", fresh_workspace(tmp_path_factory))
    path = tmp_path_factory.mktemp("f") / f"f{next(_counter)}.csv"
    path.write_bytes(data)
    try:
        summary = import_file(workspace, kind, path, progress=False, chunk_size=7)
    except InputError:
        return
    assert (
        summary.read == summary.imported + summary.updated + summary.duplicates + summary.rejected
    )


WORKSPACES: dict[str, Workspace] = {}

good_id = st.text(alphabet="ABCXYZ0123456789-陈伟", min_size=1, max_size=8)
good_row = st.fixed_dictionaries(
    {
        "customer_id": good_id,
        "ordered_at": st.datetimes(
            min_value=__import__("datetime").datetime(2000, 1, 1),
            max_value=__import__("datetime").datetime(2030, 1, 1),
        ).map(lambda d: d.replace(microsecond=0).isoformat(sep=" ")),
        "amount": st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False).map(
            str
        ),
    }
)
bad_row = st.fixed_dictionaries(
    {
        "customer_id": st.one_of(st.just(""), good_id),
        # Never all-empty: a row with every cell empty is a blank line, not a row.
        "ordered_at": st.sampled_from(["not a date", "2024-13-45", "yesterday", "0"]),
        "amount": st.one_of(st.just(""), st.text(alphabet="abc$%", min_size=1, max_size=4)),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(st.booleans(), good_row, bad_row), min_size=1, max_size=30))
def test_no_good_row_is_lost(tmp_path_factory, rows):
    workspace = WORKSPACES.setdefault("rows", fresh_workspace(tmp_path_factory))
    with open_store(workspace.database_url).begin() as conn:
        for table in ("orders", "customers", "import_runs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["customer_id", "ordered_at", "amount"])
    writer.writeheader()
    good = []
    for is_good, ok, bad in rows:
        row = ok if is_good else bad
        writer.writerow(row)
        if is_good:
            good.append(row)
    path = tmp_path_factory.mktemp("f") / "orders.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    summary = import_file(workspace, "orders", path, progress=False, chunk_size=4)
    # A bad row may be missing just one thing; every good row must be in the store.
    assert summary.imported == len(good)
    assert summary.rejected == len(rows) - len(good)
    with open_store(workspace.database_url).connect() as conn:
        stored = conn.execute(
            sa.text(
                "SELECT c.customer_id, round(o.amount, 2) FROM orders o JOIN customers c ON c.id = o.customer_pk"
            )
        ).all()
    assert sorted((r[0], round(float(r[1]), 2)) for r in stored) == sorted(
        (g["customer_id"], round(float(g["amount"]), 2)) for g in good
    )
    again = import_file(workspace, "orders", path, progress=False, chunk_size=5)
    assert (again.imported, again.duplicates) == (0, len(good))
