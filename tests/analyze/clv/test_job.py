"""The CLV job: one code path behind ``patron clv --json``, the report's CLV section and the demo.

A small workspace holds CDNOW customers in unit ``cdnow`` (with a few returned orders, which
are not sales) and a gift shop's customers in unit ``shop``.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.cli.main import app
from patron.jobs import clv as jobs
from patron.jobs.context import AnalysisContext

runner = CliRunner()

CALIBRATION = ["--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30"]


@pytest.fixture(scope="module")
def cdnow_sales(cdnow_raw_path: Path) -> pd.DataFrame:
    """The purchases of the first 300 CDNOW sample customers."""
    from patron.analyze.clv.data import read_transactions

    raw = read_transactions(
        cdnow_raw_path, customer_col="2", date_col="3", amount_col="5", date_format="%Y%m%d"
    )
    return raw[raw["customer_id"] <= "0300"].reset_index(drop=True)


@pytest.fixture(scope="module")
def clv_workspace(tmp_path_factory: pytest.TempPathFactory, cdnow_sales: pd.DataFrame):
    import os

    from patron.collect.importers import import_file
    from patron.collect.units import add_units
    from patron.collect.warehouse import sync
    from patron.collect.workspace_setup import init_workspace

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        workspace = init_workspace(tmp_path_factory.mktemp("clv") / "ws")
        add_units(
            workspace,
            [
                {"code": "cdnow", "name": "CDNOW", "kind": "store"},
                {"code": "shop", "name": "Gift shop", "kind": "store"},
            ],
        )
        orders = pd.DataFrame(
            {
                "order_id": [f"c{i}" for i in range(len(cdnow_sales))],
                "customer_id": cdnow_sales["customer_id"],
                "ordered_at": cdnow_sales["ordered_at"].dt.strftime("%Y-%m-%d"),
                "amount": cdnow_sales["amount"],
                "status": "completed",
                "unit": "cdnow",
            }
        )
        # Returned orders are not sales: they must change nothing below.
        returned = pd.DataFrame(
            {
                "order_id": ["r1", "r2", "r3"],
                "customer_id": ["0001", "0002", "0003"],
                "ordered_at": ["1997-03-01", "1997-05-02", "1997-06-03"],
                "amount": [500.0, 700.0, 900.0],
                "status": ["returned", "Returned", "cancelled"],
                "unit": "cdnow",
            }
        )
        # Another unit's customers must never enter the CDNOW figures.
        shop = pd.DataFrame(
            {
                "order_id": [f"s{i}" for i in range(40)],
                "customer_id": [f"S{i % 10}" for i in range(40)],
                "ordered_at": [f"1997-{1 + i % 9:02d}-{1 + i % 27:02d}" for i in range(40)],
                "amount": [5.0 + i for i in range(40)],
                "status": "completed",
                "unit": "shop",
            }
        )
        path = workspace.root / "orders.csv"
        pd.concat([orders, returned, shop]).to_csv(path, index=False)
        summary = import_file(workspace, "orders", path, progress=False)
        assert summary.rejected == 0
        sync(workspace, progress=False)
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    return workspace


def _json(result) -> dict:
    """What ``--json`` prints for a job result (JSON has no NaN and no numpy numbers)."""
    return json.loads(json.dumps(result.to_dict(), default=str))


def _cli(*args: str) -> dict:
    out = runner.invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_command_figures_equal_the_job_and_the_report_section(clv_workspace, monkeypatch):
    from patron.report.section import ReportContext
    from patron.report.sections.clv import clv_section

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    root = str(clv_workspace.root)
    ctx = AnalysisContext.open(clv_workspace, unit="cdnow")
    result = jobs.clv(ctx, calibration_end="1997-09-30", holdout_end="1998-06-30")
    payload = _cli("clv", "--workspace", root, "--unit", "cdnow", *CALIBRATION, "--json")
    assert payload["figures"] == _json(result)["figures"]
    assert payload["unit"] == "cdnow" and payload["as_of"] == "1997-09-30"
    figures = payload["figures"]
    assert figures["customers"] == 300 == len(payload["customers"])
    assert not any(row["customer_id"].startswith("S") for row in payload["customers"])
    assert 0 < figures["clv_top_10pct_share"] < 1
    assert figures["clv_total"] == pytest.approx(sum(r["clv"] for r in payload["customers"]))
    assert {"param_r", "param_alpha", "param_a", "param_b", "spend_param_q"} <= set(figures)
    assert figures["holdout_actual_total"] == sum(
        r["frequency_holdout"] for r in payload["customers"]
    )

    # The report's section: the job's figures, and its command prints exactly them.
    report = ReportContext(analysis=AnalysisContext.open(clv_workspace, unit="cdnow"))
    section = clv_section(report)
    assert section.command.startswith("patron clv --calibration-end ")
    assert "--unit cdnow" in section.command
    args = shlex.split(section.command)[1:]
    printed = _cli(*args, "--json")
    assert printed["figures"] == json.loads(json.dumps(section.figures))
    assert section.figures["customers"] == 300
    expected = jobs.clv(AnalysisContext.open(clv_workspace, unit="cdnow"))
    assert section.figures == expected.figures  # the last sale is the calibration end
    assert report.shared["clv"].sum() == pytest.approx(section.figures["clv_total"], abs=0.01)


def test_returns_are_not_purchases_and_a_file_gives_the_same(
    clv_workspace, cdnow_sales, tmp_path
) -> None:
    """The warehouse's sales (returns left out by the vocabulary) and a file of the same
    purchases give the same model; a file's status column is read with the vocabulary."""
    from_workspace = jobs.clv(
        AnalysisContext.open(clv_workspace, unit="cdnow"),
        calibration_end="1997-09-30",
        holdout_end="1998-06-30",
    )
    path = tmp_path / "sales.csv"
    with_returns = pd.concat(
        [
            cdnow_sales.assign(status="completed"),
            pd.DataFrame(
                {
                    "customer_id": ["0001"],
                    "ordered_at": [pd.Timestamp("1997-03-01")],
                    "amount": [500.0],
                    "status": ["void"],
                }
            ),
        ]
    )
    with_returns.to_csv(path, index=False)
    from_file = jobs.clv(
        jobs.transactions_context(path, amount_col="amount"),
        calibration_end="1997-09-30",
        holdout_end="1998-06-30",
    )
    assert from_file.figures.keys() == from_workspace.figures.keys()
    for key, value in from_workspace.figures.items():
        assert from_file.figures[key] == pytest.approx(value, rel=1e-9), key
    first = from_workspace.frame.set_index("customer_id").loc["0001"]
    assert first["frequency"] == 2  # the returned order of 1997-03-01 is not a purchase


def test_write_back_and_options(clv_workspace, monkeypatch) -> None:
    from patron.collect.scores import latest_scores
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    root = str(clv_workspace.root)
    payload = _cli(
        "clv", "--workspace", root, "--unit", "cdnow", *CALIBRATION, "--write-back", "--json"
    )
    assert payload["scores_written"] == 3 * 300
    with session_scope(clv_workspace.database_url) as session:
        pk = session.query(Customer.id).filter(Customer.customer_id == "0001").scalar()
    first = latest_scores(clv_workspace.database_url, [pk])[pk]
    assert set(first) == {"clv", "p_alive", "expected_purchases_52w"}
    assert str(first["p_alive"]["as_of"])[:10] == "1997-09-30"
    row = next(r for r in payload["customers"] if r["customer_id"] == "0001")
    assert first["p_alive"]["value"] == pytest.approx(row["p_alive"])
    assert (clv_workspace.warehouse / "analytics_clv" / "part-000000.parquet").exists()

    days = _cli(
        "clv",
        "--workspace",
        root,
        "--unit",
        "cdnow",
        "--as-of",
        "1997-09-30",
        "--time-unit",
        "day",
        "--model",
        "pareto",
        "--json",
    )
    assert days["time_unit"] == "D"
    assert days["model"] == "pareto" and "param_s" in days["figures"]
    assert days["as_of"] == "1997-09-30"
    out = runner.invoke(app, ["clv", "--workspace", root, "--unit", "cdnow", "--time-unit", "Y"])
    assert out.exit_code != 0
    assert "unknown time unit 'Y': use one of day, week, month" in str(out.exception)


def test_covariates_and_intervals_through_the_command(clv_workspace, monkeypatch) -> None:
    """``--covariates first_purchase_value``: effects in the summary, CLV per point with
    its interval, every CLV with its interval, and the job gives the same figures."""
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    root = str(clv_workspace.root)
    args = ["--calibration-end", "1997-09-30", "--covariates", "first_purchase_value"]
    payload = _cli("clv", "--workspace", root, "--unit", "cdnow", *args, "--draws", "40", "--json")
    ctx = AnalysisContext.open(clv_workspace, unit="cdnow")
    result = jobs.clv(
        ctx, calibration_end="1997-09-30", covariates="first_purchase_value", n_draws=40
    )
    assert payload["figures"] == _json(result)["figures"]
    figures = payload["figures"]
    assert "param_alpha: first_purchase_value" in figures
    assert "spend_param_gamma: first_purchase_value" in figures
    low, mid, high = (
        figures[f"clv_per_point_first_purchase_value{s}"] for s in ("_lower", "", "_upper")
    )
    assert low < mid < high
    assert figures["clv_total_lower"] < figures["clv_total"] < figures["clv_total_upper"]
    rows = payload["customers"]
    assert all(r["clv_lower"] <= r["clv"] <= r["clv_upper"] for r in rows)
    assert result.extra["covariates"] == ["first_purchase_value"]
    out = runner.invoke(
        app, ["clv", "--workspace", root, "--unit", "cdnow", "--covariates", "nonesuch"]
    )
    assert out.exit_code != 0
    assert "unknown covariate 'nonesuch'" in out.output + str(out.exception)
