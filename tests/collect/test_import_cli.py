"""``patron import`` and ``patron sync`` on the command line: summaries, JSON, exit codes, messages."""

from __future__ import annotations

import json
import sys

import pytest

from patron.cli import main as cli_main


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["patron", *args])
    try:
        cli_main.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def orders_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,5\nO2,C2,2024-01-02,x\n",
        encoding="utf-8",
    )
    return path


def test_import_prints_a_summary_and_exits_0_with_rejects(
    sqlite_workspace, orders_csv, monkeypatch, capsys
):
    code, out, _err = run(
        monkeypatch, capsys, "import", "orders", str(orders_csv), "-w", str(sqlite_workspace.root)
    )
    assert code == 0
    for label in ("read", "imported", "updated", "duplicates skipped", "rejected", "reject file"):
        assert label in out
    code, out, _err = run(
        monkeypatch,
        capsys,
        "import",
        "orders",
        str(orders_csv),
        "--json",
        "-w",
        str(sqlite_workspace.root),
    )
    payload = json.loads(out)
    assert code == 0
    assert {k: payload[k] for k in ("read", "imported", "duplicates", "rejected")} == {
        "read": 2,
        "imported": 0,
        "duplicates": 1,
        "rejected": 1,
    }
    assert payload["reject_file"].endswith(".csv")


def test_dry_run_and_map_options(sqlite_workspace, tmp_path, monkeypatch, capsys):
    path = tmp_path / "o.csv"
    path.write_text("Kunde,Tag,Summe\nK1,2024-02-01,3\n", encoding="utf-8")
    args = ["import", "orders", str(path), "--map", "customer_id=Kunde", "--map", "ordered_at=Tag"]
    args += ["--map", "amount=Summe", "--json", "-w", str(sqlite_workspace.root)]
    code, out, _ = run(monkeypatch, capsys, *args, "--dry-run")
    assert code == 0 and json.loads(out)["imported"] == 1 and json.loads(out)["dry_run"] is True
    code, out, _ = run(monkeypatch, capsys, *args, "--no-create-customers")
    assert code == 0 and json.loads(out)["rejected"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "orders", "{tmp}/missing.csv"], "missing.csv: no such file"),
        (["import", "gadgets", "{orders}"], "unknown kind gadgets"),
        (
            ["import", "customers", "{orders}", "--map", "name=Nope"],
            "column Nope (mapped to name) not found",
        ),
        (["import", "orders", "{headers}"], "required column customer_id absent"),
        (
            ["import", "orders", "{orders}", "--map", "oops"],
            "--map oops: write it as target=source",
        ),
    ],
)
def test_errors_are_one_line_and_exit_1(
    sqlite_workspace, orders_csv, tmp_path, monkeypatch, capsys, args, message
):
    headers = tmp_path / "h.csv"
    headers.write_text("a,b\n1,2\n", encoding="utf-8")
    filled = [a.format(tmp=tmp_path, orders=orders_csv, headers=headers) for a in args]
    code, out, err = run(monkeypatch, capsys, *filled, "-w", str(sqlite_workspace.root))
    assert code == 1
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1


def test_wrong_workspace(tmp_path, orders_csv, monkeypatch, capsys):
    code, _out, err = run(
        monkeypatch, capsys, "import", "orders", str(orders_csv), "-w", str(tmp_path / "nowhere")
    )
    assert code == 1 and "is not a Patron workspace" in err


def test_messages_in_chinese(sqlite_workspace, tmp_path, monkeypatch, capsys):
    path = tmp_path / "h.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _out, err = run(
        monkeypatch,
        capsys,
        "--lang",
        "zh_CN",
        "import",
        "orders",
        str(path),
        "-w",
        str(sqlite_workspace.root),
    )
    assert code == 1
    assert err.startswith("错误：") and "缺少必需的列 customer_id" in err


def test_sync_command(sqlite_workspace, orders_csv, monkeypatch, capsys):
    run(
        monkeypatch,
        capsys,
        "import",
        "orders",
        str(orders_csv),
        "--json",
        "-w",
        str(sqlite_workspace.root),
    )
    code, out, _ = run(monkeypatch, capsys, "sync", "--json", "-w", str(sqlite_workspace.root))
    assert code == 0 and json.loads(out)["rows_written"] == 2  # 1 customer + 1 order
    code, out, _ = run(monkeypatch, capsys, "sync", "-w", str(sqlite_workspace.root))
    assert code == 0 and "unchanged" in out
    code, _out, err = run(
        monkeypatch, capsys, "sync", "--table", "nope", "-w", str(sqlite_workspace.root)
    )
    assert code == 1 and "unknown table nope" in err
