"""``patron demo`` end to end: exact counts in the store and the warehouse, safe to re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from rich.console import Console

from patron.core.printer import Printer
from patron.data.hotel import generate_hotel
from patron.demo import DEMO_STEPS, LOAD_STEPS, DemoStep, run_demo

N_GUESTS = 200


@pytest.fixture(scope="module")
def hotel_counts() -> dict[str, int]:
    return generate_hotel(n_guests=N_GUESTS).counts()


def store_counts(url: str) -> dict[str, int]:
    from patron.collect.store.db import open_store

    tables = ("customers", "orders", "order_lines", "survey_responses", "complaints")
    with open_store(url).connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def test_demo_on_the_sample(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, hotel_counts: dict[str, int]
) -> None:
    if store_url.startswith("postgresql"):
        monkeypatch.setenv("PATRON_DATABASE_URL", store_url)
    else:
        monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    loading = [s for s in DEMO_STEPS if s.name in LOAD_STEPS]
    result = run_demo(
        tmp_path / "demo", n_guests=N_GUESTS, cdnow_sample=True, progress=False, steps=loading
    )
    assert [s.name for s in result.steps] == ["units", "cdnow", "hotel", "sync", "counts"]
    for summary in (*result.results["cdnow"].values(), *result.results["hotel"].values()):
        assert summary.rejected == 0, summary.to_dict()
    expected = {
        ("customers", "cdnow"): 2_357,
        ("orders", "cdnow"): 6_919,
        ("customers", "hotel"): hotel_counts["guests"],
        ("orders", "hotel"): hotel_counts["stays"],
        ("order_lines", "hotel"): hotel_counts["stay_lines"],
        ("preferences", "hotel"): hotel_counts["preferences"],
        ("important_dates", "hotel"): hotel_counts["important_dates"],
        ("interactions", "hotel"): hotel_counts["interactions"],
        ("complaints", "hotel"): hotel_counts["complaints"],
        ("survey_responses", "hotel"): hotel_counts["responses"],
    }
    for (table, dataset), rows in expected.items():
        assert result.count(table, dataset) == rows, (table, dataset)
    assert set(result.counts["dataset"]) == {"cdnow", "hotel"}
    assert store_counts(result.workspace.database_url) == {
        "customers": 2_357 + hotel_counts["guests"],
        "orders": 6_919 + hotel_counts["stays"],
        "order_lines": hotel_counts["stay_lines"],
        "survey_responses": hotel_counts["responses"],
        "complaints": hotel_counts["complaints"],
    }
    text = result.to_printer().to_text()
    assert "cdnow" in text and "hotel" in text

    # A second run loads nothing twice.
    again = run_demo(
        tmp_path / "demo", n_guests=N_GUESTS, cdnow_sample=True, progress=False, steps=loading
    )
    assert again.results["cdnow"]["orders"].imported == 0
    assert again.results["hotel"]["responses"].imported == 0
    pd.testing.assert_frame_equal(again.counts, result.counts)


def test_demo_loads_the_cdnow_master(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All 69,659 CDNOW rows become orders (same-day and repeated rows included)."""
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    steps = [s for s in DEMO_STEPS if s.name in ("units", "cdnow", "sync", "counts")]
    result = run_demo(tmp_path / "master", steps=steps, progress=False)
    assert result.count("customers", "cdnow") == 23_570
    assert result.count("orders", "cdnow") == 69_659
    orders = result.results["cdnow"]["orders"]
    assert (orders.imported, orders.rejected, orders.duplicates) == (69_659, 0, 0)
    with sa.create_engine(result.workspace.database_url).connect() as conn:
        total = conn.execute(sa.text("SELECT sum(amount) FROM orders")).scalar_one()
    assert total == pytest.approx(2_500_315.63, abs=0.01)


def test_steps_can_be_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    seen = {}

    def analysis(context) -> str:
        seen["workspace"] = context.workspace.root
        return "done"

    class Shown:
        def to_printer(self) -> Printer:
            return Printer(title="planted effect recovered", facts={"effect": 0.345})

    steps = [
        DemoStep("analysis", "Analyse", analysis),
        DemoStep("shown", "Show", lambda context: Shown(), show=True),
    ]
    result = run_demo(tmp_path / "w", steps=steps, progress=False)
    assert result.results["analysis"] == "done"
    assert seen["workspace"] == tmp_path / "w"
    assert result.counts.empty
    console = Console(record=True, width=100)
    result.print(console)
    text = console.export_text()
    assert "planted effect" in text and "0.345" in text


def test_cli_demo_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from patron.cli.main import app

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    out = CliRunner().invoke(
        app, ["demo", str(tmp_path / "cli"), "--guests", "300", "--cdnow-sample", "--json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    counts = {(c["table"], c["dataset"]): c["rows"] for c in payload["counts"]}
    assert counts[("orders", "cdnow")] == 6_919
    assert counts[("customers", "hotel")] == 301
    assert [s["name"] for s in payload["steps"]] == [s.name for s in DEMO_STEPS]
    report = Path(payload["report"])
    assert report == tmp_path / "cli" / "reports" / "report-hotel.html"
    assert report.stat().st_size > 100_000  # charts and their JavaScript are inside
    # Every analysis wrote its scores back to the customers' records.
    with sa.create_engine(f"sqlite:///{tmp_path / 'cli' / 'patron.db'}").connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT metric, count(*) FROM score_snapshots s JOIN customers c "
                "ON c.id = s.customer_pk WHERE c.customer_id LIKE 'CDNOW-%' GROUP BY metric"
            )
        ).all()
        cdnow = dict(rows)
        hotel = dict(
            conn.execute(
                sa.text(
                    "SELECT metric, count(*) FROM score_snapshots s JOIN customers c "
                    "ON c.id = s.customer_pk WHERE c.customer_id LIKE 'H%' GROUP BY metric"
                )
            ).all()
        )
    # CLV for each of the 2,357 sample customers; the hotel's analyses never touch CDNOW
    # (they are scoped to the hotel unit, the workspace's default).
    assert cdnow["clv"] == cdnow["p_alive"] == 2_357
    assert not {"rfm_segment", "lifecycle_stage", "loyalty_type", "churn_risk"} & set(cdnow)
    assert hotel["csi_satisfaction"] == payload_respondents(tmp_path / "cli")
    buyers = generate_hotel(n_guests=300).stays["customer_id"].nunique()
    assert hotel["rfm_segment"] == buyers
    assert hotel["lifecycle_stage"] == 301  # guests who never stayed are prospects
    assert hotel["churn_risk"] > 0
    assert {"loyalty_type", "layer", "value_tier"} <= set(hotel)


def payload_respondents(workspace: Path) -> int:
    """Hotel guests who answered the survey (each gets one satisfaction score)."""
    with sa.create_engine(f"sqlite:///{workspace / 'patron.db'}").connect() as conn:
        return conn.execute(
            sa.text("SELECT count(DISTINCT customer_pk) FROM survey_responses")
        ).scalar_one()
