"""``patron csi`` on a file, with groups, and on a workspace (scores go to the store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from patron.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def mobi_csv(tmp_path_factory, mobi):
    path = tmp_path_factory.mktemp("csi") / "mobi.csv"
    mobi.assign(region=["east" if i % 2 else "west" for i in range(len(mobi))]).to_csv(
        path, index=False
    )
    return path


def test_json_output(mobi_csv):
    result = runner.invoke(
        app,
        ["csi", str(mobi_csv), "--model", "ecsi", "--bootstrap", "200", "--seed", "1", "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["r2"]["satisfaction"] == pytest.approx(0.6811, abs=1e-4)
    paths = {row["path"]: row for row in payload["paths"]}
    assert paths["quality -> satisfaction"]["coef"] == pytest.approx(0.5120, abs=1e-4)
    assert paths["quality -> satisfaction"]["se"] > 0
    low, high = payload["index_interval"]
    assert low < payload["satisfaction_index"] < high
    assert payload["bootstrap"]["n_resamples"] == 200
    assert payload["ipma"]["items"]


def test_text_output_with_groups(mobi_csv, tmp_path):
    chart = tmp_path / "ipma.html"
    result = runner.invoke(
        app,
        [
            "csi",
            str(mobi_csv),
            "--model",
            "ecsi",
            "--bootstrap",
            "100",
            "--group",
            "region",
            "--permutations",
            "50",
            "--seed",
            "2",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Customer satisfaction index",
        "Path coefficients",
        "Improve",
        "permutations",
        "Differences",
        "east",
    ):
        assert text in result.stdout
    assert chart.exists() and "vega" in chart.read_text(encoding="utf-8")


def test_bad_specification_is_one_line(tmp_path, mobi_csv):
    spec = tmp_path / "bad.yaml"
    spec.write_text("constructs:\n  q: [PERQ1]\n  s: [CUSA1]\npaths:\n  q: [x]\n", encoding="utf-8")
    result = runner.invoke(app, ["csi", str(mobi_csv), "--model", str(spec), "--bootstrap", "0"])
    # main() turns the InputError into "error: …" and exit code 1.
    from patron.exceptions import InputError

    assert isinstance(result.exception, InputError)
    assert "path q -> x names unknown construct 'x'" in str(result.exception)


def test_workspace_scores_are_written(sqlite_workspace, mobi):
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, ScoreSnapshot, Survey, SurveyResponse

    url = sqlite_workspace.database_url
    when = datetime(2026, 11, 1, tzinfo=UTC)
    with session_scope(url) as session:
        survey = Survey(code="ecsi-mobi", name="ECSI", kind="ECSI")
        session.add(survey)
        customers = [Customer(customer_id=f"M{i:03d}") for i in range(len(mobi))]
        session.add_all(customers)
        session.flush()
        rows = []
        for i, customer in enumerate(customers):
            for item, value in mobi.iloc[i].items():
                rows.append(
                    SurveyResponse(
                        response_id=f"R{i:03d}",
                        survey_pk=survey.id,
                        customer_pk=customer.id,
                        responded_at=when,
                        item_code=item,
                        value=float(value),
                    )
                )
        session.add_all(rows)
    result = runner.invoke(
        app,
        [
            "csi",
            "--model",
            "ecsi",
            "--workspace",
            str(sqlite_workspace.root),
            "--bootstrap",
            "0",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["scores_written"] == 250
    assert payload["r2"]["satisfaction"] == pytest.approx(0.6811, abs=1e-4)
    with session_scope(url) as session:
        values = (
            session.execute(
                sa.select(ScoreSnapshot.value).where(ScoreSnapshot.metric == "csi_satisfaction")
            )
            .scalars()
            .all()
        )
    assert len(values) == 250
    assert sum(values) / 250 == pytest.approx(payload["satisfaction_index"], abs=1e-9)


def test_workspace_warehouse_is_read_after_sync(sqlite_workspace, mobi):
    from patron.analyze.csi.data import workspace_answers
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, Survey, SurveyResponse
    from patron.collect.warehouse import sync

    url = sqlite_workspace.database_url
    when = datetime(2026, 11, 1, tzinfo=UTC)
    small = mobi.iloc[:40]
    with session_scope(url) as session:
        survey = Survey(code="ecsi-mobi", name="ECSI", kind="ECSI")
        other = Survey(code="nps", name="NPS", kind="NPS")
        session.add_all([survey, other])
        customers = [
            Customer(customer_id=f"W{i:03d}", region="north" if i % 2 else "south")
            for i in range(len(small))
        ]
        session.add_all(customers)
        session.flush()
        for i, customer in enumerate(customers):
            for item, value in small.iloc[i].items():
                session.add(
                    SurveyResponse(
                        response_id=f"R{i:03d}",
                        survey_pk=survey.id,
                        customer_pk=customer.id,
                        responded_at=when,
                        item_code=item,
                        value=float(value),
                    )
                )
            session.add(
                SurveyResponse(
                    response_id=f"N{i:03d}",
                    survey_pk=other.id,
                    customer_pk=customer.id,
                    responded_at=when,
                    item_code="NPS",
                    value=9.0,
                )
            )
    from_store = workspace_answers(sqlite_workspace, survey_code="ecsi-mobi")
    sync(sqlite_workspace, progress=False)
    assert any((sqlite_workspace.warehouse / "survey_responses").glob("*.parquet"))
    from_warehouse = workspace_answers(sqlite_workspace, survey_code="ecsi-mobi")
    assert len(from_warehouse) == len(from_store) == 40
    columns = list(mobi.columns)
    left = from_store.sort_index()[columns].to_numpy()
    right = from_warehouse.sort_index()[columns].to_numpy()
    assert (left == right).all()
    assert set(from_warehouse["customer_id"]) == {f"W{i:03d}" for i in range(40)}
    # Group columns come along from the customer record and the answer date.
    for answers in (from_store, from_warehouse):
        assert set(answers["region"]) == {"north", "south"}
        assert set(answers["period"]) == {"2026Q4"}
    # Without a survey code the NPS answers come along; the model ignores those rows.
    everything = workspace_answers(sqlite_workspace)
    assert len(everything) == 80
