"""The churn and linkage jobs on a workspace with units: the report, the CLI and the job
agree to the last bit, each scope sees only its own customers, scores go back to the store."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from patron.jobs import churn as churn_jobs
from patron.jobs import linkage as linkage_jobs
from patron.jobs.context import AnalysisContext
from patron.jobs.result import plain

AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def units_workspace(tmp_path_factory: pytest.TempPathFactory):
    """The demo's data (300 hotel guests in the ``hotel`` group, the CDNOW sample in
    ``cdnow``), imported and synced; no analysis run yet."""
    from patron.demo import DEMO_STEPS, LOAD_STEPS, run_demo

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        result = run_demo(
            tmp_path_factory.mktemp("churn") / "ws",
            n_guests=300,
            cdnow_sample=True,
            progress=False,
            steps=[s for s in DEMO_STEPS if s.name in LOAD_STEPS],
        )
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    return result.workspace


@pytest.fixture
def no_store_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)


def cli_figures(command: str) -> dict:
    """Run a printed ``patron …`` command with ``--json`` and return its figures."""
    from typer.testing import CliRunner

    from patron.cli.main import app

    args = shlex.split(command)
    assert args[0] == "patron"
    run = CliRunner().invoke(app, [*args[1:], "--json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)["figures"]


def as_json(figures: dict) -> dict:
    return {k: plain(v) for k, v in figures.items()}


def test_report_sections_show_exactly_what_their_commands_print(units_workspace, no_store_url):
    from patron.report.section import ReportContext
    from patron.report.sections.churn import churn_section
    from patron.report.sections.linkage import (
        linkage_section,
        recovery_section,
        value_at_risk_section,
    )

    report = ReportContext(AnalysisContext.open(units_workspace), horizon="365d")
    sections = [
        build(report)
        for build in (churn_section, value_at_risk_section, recovery_section, linkage_section)
    ]
    for section in sections:
        assert section.figures, section.key
        assert "--unit hotel" in section.command and f"--as-of {AS_OF}" in section.command
        assert cli_figures(section.command) == as_json(section.figures), section.key
    churn, value, recovery, _linkage = sections
    # The job called directly, in a context of its own, gives the same figures again.
    again = churn_jobs.churn(AnalysisContext.open(units_workspace, unit="hotel"))
    assert again.figures == churn.figures
    assert {k: value.figures[k] for k in churn.figures} == churn.figures
    # Scored: every hotel guest with a stay in the two years before the as-of date.
    reader = AnalysisContext.open(units_workspace, unit="hotel").reader
    sales = reader.to_pandas(reader.sales().select("customer_id", "ordered_at"))
    recent = sales[sales["ordered_at"] > pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=730)]
    assert churn.figures["customers"] == recent["customer_id"].nunique() > 100
    assert set(again.frame["customer_id"]) == set(recent["customer_id"])
    assert churn.figures["expected_churners"] == pytest.approx(
        again.frame["churn_probability"].sum(), abs=1e-9
    )
    # Value at risk = Σ CLV × probability over the customers valued.
    frame = churn_jobs.churn(
        AnalysisContext.open(units_workspace, unit="hotel"), value_at_risk=True
    ).frame
    assert value.figures["value_at_risk"] == pytest.approx(
        float(frame["value_at_risk"].sum()), abs=0.01
    )
    assert recovery.figures["retention_unresolved"] < recovery.figures["retention_none"]


def test_each_scope_sees_only_its_own_customers(units_workspace, no_store_url):
    hotel = churn_jobs.churn(AnalysisContext.open(units_workspace, unit="hotel"), horizon="365d")
    cdnow = churn_jobs.churn(AnalysisContext.open(units_workspace, unit="cdnow"), horizon="90d")
    assert hotel.frame["customer_id"].str.match(r"^H\d+$").all()
    assert cdnow.frame["customer_id"].str.startswith("CDNOW-").all()
    assert hotel.scope.code == "hotel" and cdnow.as_of.isoformat() == "1998-06-30"
    # The satisfaction links: CDNOW has neither surveys nor complaints.
    with pytest.raises(Exception, match="no complaints in CDNOW · unit cdnow"):
        linkage_jobs.recovery(AnalysisContext.open(units_workspace, unit="cdnow"))
    # Purchases followed add up: the whole organisation = the hotel + CDNOW, same date.
    followed = {
        unit: linkage_jobs.recovery(AnalysisContext.open(units_workspace, unit=unit, as_of=AS_OF))
        for unit in ("all", "hotel")
    }
    reader = AnalysisContext.open(units_workspace, unit="cdnow").reader
    sales = reader.sales()
    cdnow_purchases = int(reader.to_pandas(sales.aggregate(n=sales.count()))["n"].iloc[0])
    assert cdnow_purchases == 6_919
    assert (
        followed["all"].figures["purchases"]
        == followed["hotel"].figures["purchases"] + cdnow_purchases
    )
    all_rows = followed["all"].tables["rows"].set_index("complaint")
    hotel_rows = followed["hotel"].tables["rows"].set_index("complaint")
    for kind in ("resolved", "unresolved"):
        assert all_rows.loc[kind, "moments"] == hotel_rows.loc[kind, "moments"]


def test_scores_are_written_back_with_reasons(units_workspace, no_store_url):
    from patron.jobs.writeback import write_back

    result = churn_jobs.churn(AnalysisContext.open(units_workspace, unit="hotel"))
    written, path = write_back(units_workspace, result)
    assert written == result.figures["customers"]
    assert Path(path).name == "part-000000.parquet" and "analytics_churn" in str(path)
    with sa.create_engine(units_workspace.database_url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.customer_id, s.value, s.label, s.detail, s.model FROM score_snapshots s"
                " JOIN customers c ON c.id = s.customer_pk WHERE s.metric = 'churn_risk'"
            )
        ).all()
    assert len(rows) == written
    stored = {r.customer_id: r for r in rows}
    top = result.frame.iloc[0]
    row = stored[top["customer_id"]]
    assert row.value == pytest.approx(top["churn_probability"])
    assert row.label == "decile 1" and row.model == "churn-lightgbm"
    detail = json.loads(row.detail) if isinstance(row.detail, str) else row.detail
    assert detail == {"reasons": list(top["reasons"]), "horizon_days": 365}


def test_churn_on_a_table_with_a_label(tmp_path, no_store_url):
    """``patron churn TABLE --label`` is the cross-validated job; its figures in --json."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from churn_factories import simulated_history

    from patron.analyze.churn_data import churn_table

    history, _truth = simulated_history(n=800)
    table = churn_table(history, "2025-06-30", horizon="180d")
    path = tmp_path / "customers.csv"
    table.to_csv(path, index=False)
    result = churn_jobs.churn_of_table(table, label="churned", folds=3, seed=1)
    assert result.figures["customers"] == len(table)
    assert result.figures["churn_rate"] == pytest.approx(table["churned"].mean())
    assert result.figures["roc_auc"] > 0.6
    figures = cli_figures(f"patron churn {path} --label churned --folds 3 --seed 1")
    assert figures == as_json(result.figures)


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_churn_table_and_scores(units_workspace, no_store_url):
    pytest.importorskip("pyspark")
    if os.system("java -version >/dev/null 2>&1") != 0:  # noqa: S605 - fixed command
        pytest.skip("Java is not installed")
    from patron.analyze import engine
    from patron.analyze.churn_data import churn_table

    engine.connect("spark", threads=1)
    session = engine.spark_session()
    # Small data: one shuffle partition and no code generation keep Spark's overhead down.
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    session.conf.set("spark.sql.adaptive.enabled", "false")
    try:
        out = {}
        for name in ("duckdb", "spark"):
            ctx = AnalysisContext.open(units_workspace, unit="hotel", engine=name)
            table = churn_table(ctx.history(), "2025-11-01", horizon="365d", active_within="2y")
            out[name] = (ctx.as_of, table, churn_jobs.churn(ctx, horizon="365d"))
    finally:
        session.stop()
    (duck_day, duck_table, duck), (spark_day, spark_table, spark) = out["duckdb"], out["spark"]
    assert duck_day == spark_day
    assert len(duck_table) > 100 and duck_table["churned"].nunique() == 2
    pd.testing.assert_frame_equal(duck_table, spark_table)
    pd.testing.assert_frame_equal(duck.frame, spark.frame)
    assert duck.figures == spark.figures
    assert np.isfinite(duck.figures["roc_auc"])
