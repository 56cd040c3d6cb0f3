"""The programme on a workspace: answers credited to units, roll-up, CLI, plans, API."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from patron.cli.main import app
from patron.jobs.context import AnalysisContext
from patron.jobs.csi_programme import csi_programme

SPEC = {
    "name": "small",
    "scale": [1, 10],
    "target": "satisfaction",
    "constructs": {"quality": ["PQ1", "PQ2", "PQ3"], "satisfaction": ["SAT1", "SAT2", "SAT3"]},
    "paths": {"quality": ["satisfaction"]},
}
ACSI_ITEMS = ("CE1 CE2 CE3 PQ1 PQ2 PQ3 PV1 PV2 SAT1 SAT2 SAT3 CC1 CL1 CL2 CL3").split()
DAYS = {
    "2026Q1": datetime(2026, 2, 10, 9, tzinfo=UTC),
    "2026Q2": datetime(2026, 5, 10, 9, tzinfo=UTC),
}
LEVEL = {
    ("north", "2026Q1"): 6.0,
    ("north", "2026Q2"): 8.0,
    ("south", "2026Q1"): 7.0,
    ("south", "2026Q2"): 7.0,
}


def _fill(workspace) -> None:
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, Order, Survey, SurveyResponse
    from patron.collect.units import add_units, unit_pk_for

    add_units(
        workspace,
        [
            {"code": "chain", "name": "Chain", "kind": "company"},
            {"code": "north", "parent": "chain", "kind": "station"},
            {"code": "south", "parent": "chain", "kind": "station"},
        ],
    )
    rng = np.random.default_rng(11)
    with session_scope(workspace.database_url) as session:
        pk = {c: unit_pk_for(session, c) for c in ("chain", "north", "south")}
        survey = Survey(code="small", name="Small", kind="CSI")
        session.add(survey)
        k = 0
        for (unit, quarter), level in LEVEL.items():
            for _i in range(45):
                k += 1
                customer = Customer(customer_id=f"C{k:04d}", unit_pk=pk[unit])
                session.add(customer)
                session.flush()
                day = DAYS[quarter]
                session.add(
                    Order(
                        order_id=f"O{k:04d}",
                        content_hash=f"h{k:04d}",
                        customer_pk=customer.id,
                        ordered_at=day.replace(day=day.day - 2),
                        amount=100.0 if unit == "north" else 300.0,
                        status="completed",
                        unit_pk=pk[unit],
                    )
                )
                eta = rng.normal(0, 1.2)
                # A third of the answers come through the chain's own survey link.
                where = pk["chain"] if k % 3 == 0 else pk[unit]
                # Every ACSI item (the API reads the ACSI model), from the same guest.
                values = {
                    code: float(np.clip(round(level + eta + rng.normal(0, 0.8)), 1, 10))
                    for code in ACSI_ITEMS
                }
                values["NPS"] = float(np.clip(round(level + eta), 0, 10))
                for item, value in values.items():
                    session.add(
                        SurveyResponse(
                            response_id=f"R{k:04d}",
                            survey_pk=survey.id,
                            customer_pk=customer.id,
                            unit_pk=where,
                            responded_at=day,
                            item_code=item,
                            value=value,
                        )
                    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    from patron.collect.warehouse import sync
    from patron.collect.workspace_setup import init_workspace

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        workspace = init_workspace(tmp_path_factory.mktemp("programme") / "ws")
        _fill(workspace)
        sync(workspace, progress=False)
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    return workspace


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "small.yaml"
    path.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    return path


def test_answers_are_credited_to_the_unit_of_the_stay(chain):
    from patron.analyze.csi.programme_data import programme_answers
    from patron.analyze.reader import WarehouseReader

    answers = programme_answers(WarehouseReader(chain, unit="chain"))
    assert len(answers) == 180
    assert answers["unit"].value_counts().to_dict() == {"north": 90, "south": 90}


def test_rollup_by_answers_and_by_revenue(chain, spec_file):
    ctx = AnalysisContext.open(chain, unit="chain")
    result = csi_programme(ctx, model=str(spec_file), bootstrap=200, seed=1, min_answers=30)
    rollup = result.tables["rollup"].set_index(["period", "unit"])
    for quarter in DAYS:
        north, south = rollup.loc[(quarter, "north"), "csi"], rollup.loc[(quarter, "south"), "csi"]
        assert rollup.loc[(quarter, "chain"), "csi"] == pytest.approx((north + south) / 2)
        assert rollup.loc[(quarter, "chain"), "weight"] == 90
    changes = result.tables["changes"].set_index(["unit", "metric"])
    assert changes.loc[("north", "csi"), "verdict"] == "up"  # 6 → 8 on the 1–10 scale
    by_revenue = (
        csi_programme(ctx, model=str(spec_file), bootstrap=200, seed=1, weight_by="revenue")
        .tables["rollup"]
        .set_index(["period", "unit"])
    )
    north, south = (
        by_revenue.loc[("2026Q1", "north"), "csi"],
        by_revenue.loc[("2026Q1", "south"), "csi"],
    )
    # Revenue: north 45 × 100, south 45 × 300.
    assert by_revenue.loc[("2026Q1", "chain"), "csi"] == pytest.approx(
        (4500 * north + 13500 * south) / 18000
    )
    assert by_revenue.loc[("2026Q1", "south"), "share"] == pytest.approx(0.75)


def test_too_few_answers_in_words(chain, spec_file):
    ctx = AnalysisContext.open(chain, unit="chain")
    result = csi_programme(ctx, model=str(spec_file), bootstrap=50, seed=1, min_answers=50)
    index = result.tables["index"]
    assert index["csi"].isna().all()
    assert index["status"].str.contains("not enough answers").all()


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_reproduces_the_job_and_plans_close_the_loop(chain, spec_file):
    ws = ["--workspace", str(chain.root), "--unit", "chain"]
    ctx = AnalysisContext.open(chain, unit="chain")
    job = csi_programme(ctx, model=str(spec_file), bootstrap=100, seed=3).to_dict()
    cli = _cli("csi", "programme", "rollup", "--model", str(spec_file), "--bootstrap", "100",
               "--seed", "3", *ws)  # fmt: skip
    assert cli["figures"] == job["figures"]
    improve = _cli("csi", "programme", "improve", "--site", "north", "--in", "2026Q1",
                   "--model", str(spec_file), "--top", "2", *ws)  # fmt: skip
    assert len(improve["items"]) == 2
    item = improve["items"][0]["item"]
    added = _cli("csi", "programme", "plan", "add", "--site", "north", "--item", item,
                 "--target", "70", "--owner", "Li Wei", "--due", "2026-06-30",
                 "--baseline", "2026Q1", "--workspace", str(chain.root))  # fmt: skip
    assert added["plan"] == 1
    review = _cli("csi", "programme", "plan", "review", "--model", str(spec_file),
                  "--bootstrap", "200", "--seed", "1", *ws)  # fmt: skip
    plan = review["plans"][0]
    assert plan["period"] == "2026Q2" and plan["verdict"] == "up"
    assert plan["lower"] > 0
    bad = CliRunner().invoke(app, ["csi", "programme", "plan", "add", "--site", "north",
        "--item", item, "--target", "170", "--owner", "x", "--due", "2026-06-30",
        "--baseline", "2026Q1", "--workspace", str(chain.root)])  # fmt: skip
    assert bad.exit_code != 0 and "between 0 and 100" in str(bad.exception)


def test_micom_of_two_quarters(chain, spec_file):
    out = _cli("csi", "programme", "micom", "--group", "period", "--first", "2026Q1",
               "--second", "2026Q2", "--model", str(spec_file), "--permutations", "200",
               "--seed", "1", "--workspace", str(chain.root), "--unit", "chain")  # fmt: skip
    assert out["figures"]["configural"] is True
    constructs = {row["construct"]: row for row in out["constructs"]}
    # The same composite in both quarters (c ≈ 1), but north's level rose: means differ.
    assert all(row["c"] > 0.999 for row in constructs.values())
    assert not constructs["satisfaction"]["equal_means"]
    assert out["figures"]["verdict"] in ("partial", "none")


def test_weights_command(tmp_path):
    rng = np.random.default_rng(1)
    answers = pd.DataFrame(
        {"unit": rng.choice(["a", "b"], 200), "channel": rng.choice(["web", "desk"], 200)}
    )
    answers.to_csv(tmp_path / "answers.csv", index=False)
    pd.DataFrame(
        {"margin": ["unit", "unit", "channel", "channel"], "level": ["a", "b", "web", "desk"],
         "target": [30, 70, 50, 50]}
    ).to_csv(tmp_path / "mix.csv", index=False)  # fmt: skip
    out = _cli("csi", "programme", "weights", str(tmp_path / "answers.csv"),
               "--margins", str(tmp_path / "mix.csv"), "-o", str(tmp_path / "w.csv"))  # fmt: skip
    assert out["figures"]["largest_margin_gap"] < 1e-9
    written = pd.read_csv(tmp_path / "w.csv")
    assert written.groupby("unit")["weight"].sum()["a"] / written["weight"].sum() == pytest.approx(
        0.3
    )


def test_api_reads_the_programme(chain):
    from fastapi.testclient import TestClient

    from patron.collect import users
    from patron.collect.store.db import session_scope
    from patron.core import security
    from patron.serve.app import create_app

    security.set_password_cost(time_cost=1, memory_cost=8192)
    try:
        with session_scope(chain.database_url) as session:
            users.create_user(
                session, users.SYSTEM, username="ana", password="correct horse 1", role="analyst"
            )
            users.create_user(
                session, users.SYSTEM, username="agt", password="correct horse 1", role="agent"
            )
            analyst = users.create_api_token(session, users.SYSTEM, "ana", "tests")
            agent = users.create_api_token(session, users.SYSTEM, "agt", "tests")
    finally:
        security.set_password_cost()
    with TestClient(create_app(chain), raise_server_exceptions=False) as client:
        ok = client.get(
            "/api/csi/programme",
            params={"unit": "chain", "bootstrap": 50, "period": "quarter"},
            headers={"Authorization": f"Bearer {analyst}"},
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["figures"]["units_measured"] == 2
        denied = client.get("/api/csi/programme", headers={"Authorization": f"Bearer {agent}"})
        assert denied.status_code == 403
        bad = client.get(
            "/api/csi/programme",
            params={"period": "week"},
            headers={"Authorization": f"Bearer {analyst}"},
        )
        assert bad.status_code == 422
