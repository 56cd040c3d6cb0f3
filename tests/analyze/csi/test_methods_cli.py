"""``patron csi predict|mediation|moderation|hoc|mga|nca|fimix``: JSON, text, charts and
one-line errors naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.cli.main import app
from patron.exceptions import PatronError

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.fixture(scope="module")
def mobi_csv(tmp_path_factory, mobi):
    path = tmp_path_factory.mktemp("methods") / "mobi.csv"
    mobi.assign(half=["even" if i % 2 == 0 else "odd" for i in range(len(mobi))]).to_csv(
        path, index=False
    )
    return path


def run(*args: str) -> dict:
    result = runner.invoke(app, ["csi", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_predict_with_cvpat(mobi_csv):
    payload = run(
        "predict", str(mobi_csv), "--repetitions", "2", "--seed", "1", "--cvpat", "--json"
    )
    assert len(payload["items"]) == 19
    assert payload["cvpat"]["tests"][0]["benchmark"] == "IA"


def test_mediation_and_moderation(mobi_csv, tmp_path):
    payload = run(
        "mediation",
        str(mobi_csv),
        "--from",
        "image",
        "--to",
        "loyalty",
        "--bootstrap",
        "100",
        "--seed",
        "1",
        "--json",
    )
    types = {e["effect"]: e["type"] for e in payload["effects"]}
    assert types["image -> satisfaction -> loyalty"] in {"complementary", "direct-only"}
    chart = tmp_path / "slopes.json"
    result = runner.invoke(
        app,
        [
            "csi",
            "moderation",
            str(mobi_csv),
            "--interaction",
            "quality*image->satisfaction",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Simple slopes" in result.output
    assert json.loads(chart.read_text())["mark"]["type"] == "line"


def test_hoc_mga_nca_fimix(mobi_csv):
    hoc = run("hoc", str(mobi_csv), "--model", str(DOCS / "csi-hoc.yaml"), "--json")
    paths = {p["path"]: p["coef"] for p in hoc["paths"]}
    assert paths["satisfaction -> loyalty"] == pytest.approx(0.627602841720655, abs=1e-5)
    mga = run(
        "mga", str(mobi_csv), "--group", "half", "--permutations", "50", "--seed", "1", "--json"
    )
    assert mga["groups"] == {"even": 125, "odd": 125}
    nca = run("nca", str(mobi_csv), "--permutations", "50", "--seed", "1", "--json")
    assert {e["condition"] for e in nca["effects"]} == {"quality", "expectation", "image", "value"}
    fimix = run(
        "fimix",
        str(mobi_csv),
        "--segments",
        "2",
        "--starts",
        "2",
        "--seed",
        "1",
        "--show",
        "2",
        "--json",
    )
    assert [row["segments"] for row in fimix["criteria"]] == [1, 2]
    assert len(fimix["solution"]["shares"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["moderation", "{csv}", "--interaction", "quality+image"], "predictor*moderator"),
        (["mga", "{csv}", "--group", "store"], "not in the answers"),
        (["mga", "{csv}", "--group", "half", "--compare", "even"], "exactly two"),
        (["predict", "{csv}", "--folds", "1"], "folds"),
        (["fimix", "{csv}", "--segments", "2", "--show", "3"], "--show"),
        (["nca", "{csv}", "--target", "price"], "not a construct"),
    ],
)
def test_bad_input_is_one_clear_line(mobi_csv, args, message):
    # main() turns a PatronError into "error: …" and exit code 1.
    result = runner.invoke(app, ["csi", *[a.format(csv=mobi_csv) for a in args]])
    assert result.exit_code != 0
    assert isinstance(result.exception, PatronError)
    assert message in str(result.exception)
