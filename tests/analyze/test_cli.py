"""``patron analyze``: every command on a mapped file, and write-back into a workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def raw_file(tmp_path_factory, shared_data: Path) -> Path:
    """The CDNOW sample's first 300 customers as a CSV with its own column names."""
    raw = pd.read_csv(
        shared_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "cust", "day", "cds", "dollars"],
    )
    path = tmp_path_factory.mktemp("cli") / "cdnow.csv"
    raw[raw["cust"] <= 300].to_csv(path, index=False)
    return path


MAP = [
    "--map",
    "customer_id=cust",
    "--map",
    "ordered_at=day",
    "--map",
    "amount=dollars",
    "--date-format",
    "%Y%m%d",
]


def strict_json(text: str):
    """Parse JSON, failing on NaN/Infinity (not JSON, though Python writes them)."""

    def reject(constant: str):
        raise ValueError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=reject)


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_features_json_on_a_mapped_file(raw_file: Path, shared_data: Path) -> None:
    out = strict_json(
        invoke("analyze", "features", str(raw_file), *MAP, "--as-of", "1997-09-30", "--json")
    )
    assert out["figures"]["customers"] == 300 and out["as_of"] == "1997-09-30"
    out = out["customers"]
    assert len(out) == 300
    ref = pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    ref = ref[ref["ID"] <= 300].set_index("ID")
    got = {int(r["customer_id"]): r for r in out}
    assert all(got[i]["frequency"] == ref.loc[i, "x"] for i in ref.index)
    assert got[1]["recency"] == pytest.approx(ref.loc[1, "t_x"], abs=0.005)


def test_every_command_prints_and_charts(raw_file: Path, tmp_path: Path) -> None:
    text = invoke("analyze", "segments", str(raw_file), *MAP, "--chart", str(tmp_path / "rfm.html"))
    assert "Cut-offs" in text and "champions" in text
    page = (tmp_path / "rfm.html").read_text()
    assert "vegaEmbed" in page and "cdn.jsdelivr" not in page
    text = invoke("analyze", "pareto", str(raw_file), *MAP, "--chart", str(tmp_path / "p.json"))
    assert "Profit deciles" in text
    assert json.loads((tmp_path / "p.json").read_text())["layer"]
    text = invoke(
        "analyze",
        "lifecycle",
        str(raw_file),
        *MAP,
        "--as-of",
        "1998-06-30",
        "--from",
        "1997-06-30",
        "--chart",
        str(tmp_path / "t.json"),
    )
    assert "Transitions from 1997-06-30 to 1998-06-30" in text
    csv = invoke("analyze", "cohorts", str(raw_file), *MAP, "--period", "Q", "--csv")
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert frame[frame["period"] == 0]["retention"].eq(1.0).all()
    out = strict_json(invoke("analyze", "loyalty", str(raw_file), *MAP, "--period", "Y", "--json"))
    assert [row["active"] for row in out["scorecard"]] == [300, 63]
    assert all(row["reason"] for row in out["customers"])


def test_bad_mapping_is_one_line(raw_file: Path) -> None:
    result = runner.invoke(app, ["analyze", "features", str(raw_file), "--map", "customer_id"])
    assert result.exit_code != 0
    assert "write target=source" in str(result.exception)


def test_write_back_to_the_workspace(sqlite_workspace, tmp_path: Path) -> None:
    from patron.collect.importers import import_file
    from patron.collect.scores import latest_scores
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer
    from patron.collect.warehouse import sync

    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(8)],
            "customer_id": ["C1", "C1", "C1", "C1", "C2", "C3", "C3", "C2"],
            "ordered_at": [
                "2024-01-05",
                "2024-03-05",
                "2024-05-05",
                "2024-07-05",
                "2024-02-01",
                "2023-01-01",
                "2023-02-01",
                "2024-06-01",
            ],
            "amount": [50.0, 60.0, 55.0, 70.0, 20.0, 15.0, 10.0, 30.0],
        }
    )
    path = tmp_path / "orders.csv"
    orders.to_csv(path, index=False)
    import_file(sqlite_workspace, "orders", path, progress=False)
    sync(sqlite_workspace, progress=False)
    root = str(sqlite_workspace.root)
    invoke("analyze", "segments", "--workspace", root, "--write-back")
    invoke("analyze", "lifecycle", "--workspace", root, "--as-of", "2024-07-31", "--write-back")
    invoke("analyze", "loyalty", "--workspace", root, "--as-of", "2024-07-31", "--write-back")
    with session_scope(sqlite_workspace.database_url) as session:
        pks = {c.customer_id: c.id for c in session.query(Customer).all()}
    scores = latest_scores(sqlite_workspace, list(pks.values()))
    c1 = scores[pks["C1"]]
    assert c1["lifecycle_stage"]["label"] == "loyal"
    assert scores[pks["C3"]]["lifecycle_stage"]["label"] == "lapsed"
    assert c1["loyalty_type"]["label"] == "inertia"
    assert "habit" in c1["loyalty_type"]["detail"]["reason"]
    assert {"rfm_segment", "rfm_score", "value_tier", "layer"} <= set(c1)
    assert (sqlite_workspace.warehouse / "analytics_segments" / "part-000000.parquet").exists()
