"""``patron csi`` on a file of answers: JSON, text with groups and a chart, one-line errors.

On a workspace: ``test_workspace.py``."""

from __future__ import annotations

import json

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
    figures = payload["figures"]
    assert figures["r2_satisfaction"] == pytest.approx(0.6811, abs=1e-4)
    assert figures["respondents"] == 250
    paths = {row["path"]: row for row in payload["paths"]}
    assert paths["quality -> satisfaction"]["coef"] == pytest.approx(0.5120, abs=1e-4)
    assert paths["quality -> satisfaction"]["se"] > 0
    row = paths["quality -> satisfaction"]
    assert row["z"] == pytest.approx(row["coef"] / row["se"])
    low, high = figures["satisfaction_index_lower"], figures["satisfaction_index_upper"]
    assert low < figures["satisfaction_index"] < high
    assert payload["model"]["bootstrap"]["n_resamples"] == 200
    assert payload["ipma"][0]["item"]
    # The job behind the command gives the same figures, bit for bit.
    from patron.jobs.context import AnalysisContext
    from patron.jobs.csi import csi

    job = csi(
        AnalysisContext.from_tables({}),
        model="ecsi",
        bootstrap=200,
        seed=1,
        answers=mobi_csv,
    )
    assert job.to_dict()["figures"] == figures


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
