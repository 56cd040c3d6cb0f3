"""``patron clv`` reproduces BG/NBD and Gamma-Gamma from the raw CDNOW file and writes
predictions and scores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.cli.main import app

runner = CliRunner()

RAW_ARGS = [
    "--customer-col",
    "2",
    "--date-col",
    "3",
    "--amount-col",
    "5",
    "--date-format",
    "%Y%m%d",
    "--calibration-end",
    "1997-09-30",
]


def test_raw_cdnow_reproduces_bg_nbd(cdnow_raw_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "predictions.parquet"
    result = runner.invoke(
        app,
        [
            "clv",
            str(cdnow_raw_path),
            *RAW_ARGS,
            "--holdout-end",
            "1998-06-30",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    params = {k: round(v["coef"], 3) for k, v in payload["parameters"].items()}
    assert params == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    figures = payload["figures"]
    assert round(figures["log_likelihood"], 1) == -9582.4
    assert figures["customers"] == 2357 == len(payload["customers"])
    assert figures["holdout_actual_total"] == 1882
    assert round(figures["holdout_predicted_total"], 1) == 1653.4
    # Mean spends in whole cents, like the published summary: its Gamma-Gamma estimates.
    spend = {k: round(v["coef"], 3) for k, v in payload["spend_parameters"].items()}
    assert spend == {"p": 6.249, "q": 3.745, "gamma": 15.448}
    assert payload["predictions_file"] == str(out)
    predictions = pd.read_parquet(out)
    assert len(predictions) == 2357
    assert {"expected_purchases_52w", "p_alive", "clv", "expected_spend"} <= set(predictions)
    assert predictions["clv"].notna().all() and (predictions["p_alive"] <= 1).all()


def test_text_output_and_pareto(cdnow_raw_path: Path) -> None:
    result = runner.invoke(app, ["clv", str(cdnow_raw_path), *RAW_ARGS, "--model", "pareto"])
    assert result.exit_code == 0, result.output
    assert "Pareto/NBD model fitted on 2,357" in " ".join(result.output.split())
    assert "10.578" in result.output


def test_bad_input_is_one_clear_line(cdnow_raw_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["clv", str(cdnow_raw_path), "--customer-col", "9", "--date-col", "3"]
    )
    assert result.exit_code != 0
    assert "column 9 not found" in str(result.exception)
    result = runner.invoke(app, ["clv", str(cdnow_raw_path), *RAW_ARGS, "--model", "nope"])
    assert "unknown model 'nope': use one of bgnbd, mbgnbd, pareto" in str(result.exception)


def test_scores_go_to_the_workspace(cdnow_raw_path: Path, sqlite_workspace) -> None:
    from patron.collect.scores import latest_scores
    from patron.collect.store.db import session_scope, upgrade_store
    from patron.collect.store.models import Customer

    url = sqlite_workspace.database_url
    upgrade_store(url)
    with session_scope(url) as session:
        session.add_all([Customer(customer_id="0001"), Customer(customer_id="0002")])
    with session_scope(url) as session:
        pks = [c.id for c in session.query(Customer).order_by(Customer.customer_id)]
    result = runner.invoke(
        app,
        [
            "clv",
            str(cdnow_raw_path),
            *RAW_ARGS,
            "--workspace",
            str(sqlite_workspace.root),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "scores_written" not in json.loads(result.stdout)  # only with --write-back
    assert latest_scores(url, pks) == {pk: {} for pk in pks}
    result = runner.invoke(
        app,
        [
            "clv",
            str(cdnow_raw_path),
            *RAW_ARGS,
            "--workspace",
            str(sqlite_workspace.root),
            "--write-back",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scores_written"] == 6  # 2 known customers x 3 metrics
    scores = latest_scores(url, pks)
    first = scores[pks[0]]
    assert set(first) == {"expected_purchases_52w", "p_alive", "clv"}
    assert first["p_alive"]["as_of"] in (date(1997, 9, 30), "1997-09-30")
    assert first["p_alive"]["value"] == pytest.approx(0.7266, abs=1e-4)


def test_workspace_orders_without_a_file(cdnow_raw_path: Path, sqlite_workspace) -> None:
    """With no TRANSACTIONS argument the command reads the warehouse's sales."""
    from patron.analyze.clv.data import read_transactions
    from patron.collect.store.db import session_scope, upgrade_store
    from patron.collect.store.models import Customer, Order
    from patron.collect.warehouse import sync

    raw = read_transactions(
        cdnow_raw_path, customer_col="2", date_col="3", amount_col="5", date_format="%Y%m%d"
    )
    raw = raw[raw["customer_id"] <= "0300"]
    url = sqlite_workspace.database_url
    upgrade_store(url)
    with session_scope(url) as session:
        customers = {cid: Customer(customer_id=cid) for cid in raw["customer_id"].unique()}
        session.add_all(customers.values())
        session.flush()
        session.add_all(
            Order(
                content_hash=f"h{i}",
                customer_pk=customers[row.customer_id].id,
                ordered_at=row.ordered_at.to_pydatetime(),
                amount=row.amount,
            )
            for i, row in enumerate(raw.itertuples())
        )
    sync(sqlite_workspace, progress=False)
    result = runner.invoke(
        app,
        [
            "clv",
            "--workspace",
            str(sqlite_workspace.root),
            "--calibration-end",
            "1997-09-30",
            "--write-back",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["figures"]["customers"] == raw["customer_id"].nunique()
    assert payload["scores_written"] == 3 * payload["figures"]["customers"]
