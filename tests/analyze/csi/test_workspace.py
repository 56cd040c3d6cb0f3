"""The CSI of a workspace: answers read through the warehouse reader, scoped to a unit.

A chain (units ``north`` and ``south``) holds the 250 mobi respondents; another unit
holds 60 respondents whose answers are noise, and the chain's guests also answered an
NPS survey. The published ECSI results on mobi hold only if exactly the chain's ECSI
answers reach the model.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.analyze.csi.data import workspace_answers
from patron.analyze.reader import WarehouseReader
from patron.cli.main import app
from patron.exceptions import InputError
from patron.jobs.context import AnalysisContext
from patron.jobs.csi import csi

NORTH_DAY = datetime(2026, 11, 1, 9, tzinfo=UTC)
SOUTH_DAY = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _fill(workspace, mobi: pd.DataFrame) -> None:
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, Survey, SurveyResponse
    from patron.collect.units import add_units, unit_pk_for

    add_units(
        workspace,
        [
            {"code": "chain", "name": "Chain", "kind": "company"},
            {"code": "north", "parent": "chain", "kind": "station"},
            {"code": "south", "parent": "chain", "kind": "station"},
            {"code": "other", "name": "Another firm", "kind": "firm"},
        ],
    )
    noise = np.random.default_rng(5).integers(1, 11, size=(60, mobi.shape[1]))
    with session_scope(workspace.database_url) as session:
        units = {code: unit_pk_for(session, code) for code in ("north", "south", "other")}
        ecsi = Survey(code="ecsi-mobi", name="ECSI", kind="ECSI")
        nps = Survey(code="nps", name="NPS", kind="NPS")
        session.add_all([ecsi, nps])
        people = [
            (f"W{i:03d}", "north" if i < 150 else "south", mobi.iloc[i].to_numpy())
            for i in range(len(mobi))
        ] + [(f"X{i:03d}", "other", noise[i]) for i in range(len(noise))]
        customers = [
            Customer(customer_id=cid, region=unit, unit_pk=units[unit]) for cid, unit, _ in people
        ]
        session.add_all(customers)
        session.flush()
        for customer, (cid, unit, values) in zip(customers, people, strict=True):
            when = SOUTH_DAY if unit == "south" else NORTH_DAY
            for item, value in zip(mobi.columns, values, strict=True):
                session.add(
                    SurveyResponse(
                        response_id=f"R{cid}",
                        survey_pk=ecsi.id,
                        customer_pk=customer.id,
                        unit_pk=units[unit],
                        responded_at=when,
                        item_code=item,
                        value=float(value),
                    )
                )
            if unit != "other":
                session.add(
                    SurveyResponse(
                        response_id=f"N{cid}",
                        survey_pk=nps.id,
                        customer_pk=customer.id,
                        unit_pk=units[unit],
                        responded_at=when,
                        item_code="NPS",
                        value=9.0,
                    )
                )


@pytest.fixture(scope="module")
def chain(tmp_path_factory, shared_data):
    from patron.collect.warehouse import sync
    from patron.collect.workspace_setup import init_workspace

    mobi = pd.read_csv(shared_data / "mobi" / "mobi.csv")
    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        workspace = init_workspace(tmp_path_factory.mktemp("csi") / "ws")
        _fill(workspace, mobi)
        sync(workspace, progress=False)
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    return workspace


def test_answers_are_pivoted_by_the_engine_within_the_unit(chain, mobi):
    answers = workspace_answers(WarehouseReader(chain, unit="chain"), survey_code="ecsi-mobi")
    assert len(answers) == 250
    assert answers.index.name == "response_id" and answers.index.is_monotonic_increasing
    expected = mobi.set_axis([f"RW{i:03d}" for i in range(250)])
    assert (answers.loc[expected.index, list(mobi.columns)].to_numpy() == expected.to_numpy()).all()
    # Group columns come along from the customer record and the answer date.
    assert set(answers["region"]) == {"north", "south"}
    assert set(answers["period"]) == {"2026Q4"}
    north = workspace_answers(WarehouseReader(chain, unit="north"), survey_code="ecsi-mobi")
    assert set(north["customer_id"]) == {f"W{i:03d}" for i in range(150)}
    # Without a survey code the NPS answers come along (the model ignores those rows);
    # the whole organisation sees the other firm too.
    assert len(workspace_answers(WarehouseReader(chain, unit="chain"))) == 500
    assert len(workspace_answers(chain, unit="all", survey_code="ecsi-mobi")) == 310
    early = workspace_answers(WarehouseReader(chain, unit="chain"), as_of=date(2026, 11, 1))
    assert set(early["customer_id"]) == set(north["customer_id"])


def test_no_warehouse_means_run_sync(sqlite_workspace):
    with pytest.raises(InputError, match="run `patron sync` first"):
        workspace_answers(sqlite_workspace)


def test_published_ecsi_results_hold_on_the_unit(chain):
    result = csi(AnalysisContext.open(chain, unit="chain"), model="ecsi", survey="ecsi-mobi")
    figures = result.figures
    assert figures["respondents"] == figures["customers"] == 250
    assert figures["r2_satisfaction"] == pytest.approx(0.6811, abs=1e-4)
    paths = result.tables["paths"].set_index("path")["coef"]
    assert paths["quality -> satisfaction"] == pytest.approx(0.5120, abs=1e-4)
    assert result.model.missing_["rows_without_answers"] == 0
    assert result.as_of == SOUTH_DAY.date()  # the last answer's day
    assert result.scope.code == "chain"
    # Per customer: one score, the mean of which is the index (one response each).
    assert result.frame["csi_satisfaction"].mean() == pytest.approx(
        figures["satisfaction_index"], abs=1e-9
    )
    # Another unit's answers, the NPS survey: not in the model.
    everything = csi(AnalysisContext.open(chain, unit="chain"), model="ecsi")
    assert everything.model.missing_["rows_without_answers"] == 250
    assert everything.figures == figures
    mixed = csi(AnalysisContext.open(chain, unit="all"), model="ecsi", survey="ecsi-mobi")
    assert mixed.figures["respondents"] == 310
    assert mixed.figures["r2_satisfaction"] != pytest.approx(0.6811, abs=1e-3)


def test_as_of_keeps_the_answers_given_by_then(chain):
    early = csi(AnalysisContext.open(chain, unit="chain", as_of="2026-11-15"), model="ecsi")
    north = csi(AnalysisContext.open(chain, unit="north"), model="ecsi")
    assert early.figures == north.figures
    assert early.figures["respondents"] == 150
    assert early.as_of == date(2026, 11, 15)


def test_command_prints_the_jobs_figures_and_writes_scores(chain):
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import ScoreSnapshot

    args = ["--model", "ecsi", "--bootstrap", "100", "--seed", "3"]
    out = CliRunner().invoke(
        app,
        ["csi", *args, "--workspace", str(chain.root), "--unit", "north", "--json", "--write-back"],
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    job = csi(AnalysisContext.open(chain, unit="north"), model="ecsi", bootstrap=100, seed=3)
    assert payload["figures"] == job.to_dict()["figures"]
    assert payload["unit"] == "north" and payload["as_of"] == "2026-11-01"
    assert len(payload["customers"]) == 150
    with session_scope(chain.database_url) as session:
        rows = session.execute(
            sa.select(ScoreSnapshot.value, ScoreSnapshot.as_of).where(
                ScoreSnapshot.metric == "csi_satisfaction"
            )
        ).all()
    assert len(rows) == 150
    assert {str(r.as_of) for r in rows} == {"2026-11-01"}
    assert sum(r.value for r in rows) / 150 == pytest.approx(
        payload["figures"]["satisfaction_index"], abs=1e-9
    )
    text = CliRunner().invoke(
        app, ["csi", *args, "--workspace", str(chain.root), "--unit", "north"]
    )
    assert text.exit_code == 0, text.output
    assert "unit north" in text.stdout and "Path coefficients" in text.stdout


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_index(chain):
    pytest.importorskip("pyspark")
    if os.system("java -version >/dev/null 2>&1") != 0:  # noqa: S605 - fixed command
        pytest.skip("Java is not installed")
    from patron.analyze import engine

    options = {"model": "ecsi", "survey": "ecsi-mobi", "bootstrap": 200, "seed": 1}
    try:
        duck = csi(AnalysisContext.open(chain, unit="chain", engine="duckdb"), **options)
        spark = csi(AnalysisContext.open(chain, unit="chain", engine="spark"), **options)
    finally:
        engine.spark_session().stop()
    a, b = duck.model, spark.model
    assert list(a._frame_index) == list(b._frame_index)
    for left, right in (
        (a.weights_, b.weights_),
        (a.path_coefficients_, b.path_coefficients_),
        (a.index_, b.index_),
        (a.customer_scores_, b.customer_scores_),
    ):
        np.testing.assert_allclose(left.to_numpy(), right.to_numpy(), rtol=0, atol=1e-10)
    assert duck.figures.keys() == spark.figures.keys()
    for key, value in duck.figures.items():
        assert spark.figures[key] == pytest.approx(value, abs=1e-10), key


def test_a_customer_scores_the_mean_of_their_responses(sqlite_workspace, mobi):
    from patron.collect.scores import latest_scores
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, SurveyResponse
    from patron.collect.warehouse import sync
    from patron.jobs.writeback import write_back

    with session_scope(sqlite_workspace.database_url) as session:
        customers = [Customer(customer_id=f"S{i:03d}") for i in range(60)]
        session.add_all(customers)
        session.flush()
        pks = [c.id for c in customers]
        for i in range(len(mobi)):
            for item, value in mobi.iloc[i].items():
                session.add(
                    SurveyResponse(
                        response_id=f"R{i:03d}",
                        customer_pk=pks[i % 60],
                        responded_at=datetime(2026, 5, 1, tzinfo=UTC),
                        item_code=item,
                        value=float(value),
                    )
                )
    sync(sqlite_workspace, progress=False)
    result = csi(AnalysisContext.open(sqlite_workspace, as_of="2026-06-30"), model="ecsi")
    written, _path = write_back(sqlite_workspace, result)
    assert written == 60 and result.figures["respondents"] == 250
    assert result.figures["customers"] == 60
    assert result.frame["responses"].sum() == 250
    latest = latest_scores(sqlite_workspace, pks[:2])
    first = latest[pks[0]]["csi_satisfaction"]
    expected = result.model.customer_scores_[[f"R{i:03d}" for i in range(0, 250, 60)]].mean()
    assert first["value"] == pytest.approx(expected)
    assert str(first["as_of"]) == "2026-06-30"
