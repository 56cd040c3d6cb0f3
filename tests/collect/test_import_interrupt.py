"""An import stopped half-way keeps what it reported and resumes without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from patron.collect.importers import import_file
from patron.collect.importers.loading import Loader
from patron.collect.store.db import open_store


def orders_file(path, n: int, *, ids: bool = False):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "customer_id": np.char.add("C", rng.integers(0, 300, n).astype(str)),
            "ordered_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 86400 * 365, n), unit="s"),
            "amount": np.round(rng.uniform(1, 100, n), 2),
        }
    )
    if ids:
        frame.insert(0, "order_id", [f"O{i}" for i in range(n)])
    frame.to_csv(path, index=False)
    return path


def scalar(workspace, sql: str):
    with open_store(workspace.database_url).connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_crash_in_a_chunk_keeps_committed_chunks(workspace, tmp_path, monkeypatch):
    path = orders_file(tmp_path / "orders.csv", 1_000)
    real_load = Loader.load
    calls = {"n": 0}

    def failing_load(self, writer, values, extras):
        calls["n"] += 1
        outcome = real_load(self, writer, values, extras)
        if calls["n"] == 3:  # the third chunk's rows are written, then the process "dies"
            raise RuntimeError("disk on fire")
        return outcome

    monkeypatch.setattr(Loader, "load", failing_load)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(workspace, "orders", path, progress=False, chunk_size=200)
    # Exactly the two committed chunks are stored; the third was rolled back.
    assert scalar(workspace, "SELECT count(*) FROM orders") == 400
    run = scalar(workspace, "SELECT status || ':' || rows_done FROM import_runs")
    assert run == "failed:400"
    monkeypatch.setattr(Loader, "load", real_load)
    again = import_file(workspace, "orders", path, progress=False, chunk_size=300)
    assert (again.imported, again.duplicates) == (600, 400)
    assert scalar(workspace, "SELECT count(*) FROM orders") == 1_000
    assert scalar(workspace, "SELECT count(DISTINCT content_hash) FROM orders") == 1_000


@pytest.mark.slow
def test_killed_process_resumes_without_duplicates(sqlite_workspace, tmp_path):
    n = 60_000
    path = orders_file(tmp_path / "orders.csv", n, ids=True)
    code = (
        "import sys\n"
        "from patron.collect.importers import import_file\n"
        "import_file(sys.argv[1], 'orders', sys.argv[2], progress=False, chunk_size=2000)\n"
    )
    env = {**os.environ}
    env.pop("PATRON_DATABASE_URL", None)
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(sqlite_workspace.root), str(path)], env=env
    )
    done = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            try:
                done = scalar(
                    sqlite_workspace, "SELECT coalesce(max(rows_done), 0) FROM import_runs"
                )
            except sa.exc.OperationalError:
                done = 0
            if done >= 6_000:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        child.wait(timeout=60)
    if child.returncode == 0:
        pytest.skip("the import finished before it could be killed (machine too fast)")
    stored = scalar(sqlite_workspace, "SELECT count(*) FROM orders")
    reported = scalar(sqlite_workspace, "SELECT max(rows_done) FROM import_runs")
    assert stored == reported >= 6_000  # what was reported imported is exactly what is stored
    assert stored < n
    # The killed run's row says "running" until the next import sees its process is gone.
    assert scalar(sqlite_workspace, "SELECT status FROM import_runs") == "running"
    again = import_file(sqlite_workspace, "orders", path, progress=False)
    assert again.imported == n - stored and again.duplicates == stored
    assert scalar(sqlite_workspace, "SELECT count(*) FROM orders") == n
    statuses = scalar(
        sqlite_workspace,
        "SELECT group_concat(status, ',') FROM (SELECT status FROM import_runs ORDER BY id)",
    )
    assert statuses == "abandoned,finished"


def index_names(workspace) -> set[str]:
    with open_store(workspace.database_url).connect() as conn:
        found = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")
        ).all()
    return {r[0] for r in found}


def test_bulk_load_rebuilds_indexes_even_after_a_crash(sqlite_workspace, tmp_path, monkeypatch):
    from patron.collect.importers import run

    workspace = sqlite_workspace
    expected = index_names(workspace)
    assert {"ix_orders_customer_pk", "ix_orders_ordered_at"} <= expected
    monkeypatch.setattr(run, "BULK_ROWS", 10)  # treat this small file as a bulk load
    path = orders_file(tmp_path / "orders.csv", 500)
    real_load = Loader.load

    def failing_load(self, writer, values, extras):
        assert "ix_orders_ordered_at" not in index_names(workspace)  # dropped while loading
        raise KeyboardInterrupt

    monkeypatch.setattr(Loader, "load", failing_load)
    with pytest.raises(KeyboardInterrupt):
        import_file(workspace, "orders", path, progress=False, chunk_size=100)
    assert index_names(workspace) == expected
    assert scalar(workspace, "SELECT status FROM import_runs") == "interrupted"
    # A process killed outright cannot rebuild them: the next import does.
    with open_store(workspace.database_url).begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_orders_ordered_at"))
    monkeypatch.setattr(Loader, "load", real_load)
    monkeypatch.setattr(run, "BULK_ROWS", 10**9)
    summary = import_file(workspace, "orders", path, progress=False)
    assert summary.imported == 500
    assert index_names(workspace) == expected
