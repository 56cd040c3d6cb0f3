"""Every figure in the demo report is reproduced by the command printed beside it."""

from __future__ import annotations

import json
import shlex

import pytest
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The whole demo, small: CDNOW sample and 300 hotel guests, ending with its report."""
    import os

    from patron.demo import run_demo

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        yield run_demo(
            tmp_path_factory.mktemp("demo") / "ws", n_guests=300, cdnow_sample=True, progress=False
        )
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved


def _run(line: str) -> dict:
    from patron.cli.main import app

    args = shlex.split(line)
    assert args[0] == "patron"
    result = CliRunner().invoke(app, [*args[1:], "--json"])
    assert result.exit_code == 0, f"{line}\n{result.output}"
    return json.loads(result.stdout)


def _same(a, b, where: str) -> None:
    assert set(a) == set(b), f"{where}: keys differ: {sorted(set(a) ^ set(b))}"
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-12, abs=1e-12), f"{where}.{key}: {x} != {y}"
        else:
            assert x == y, f"{where}.{key}: {x!r} != {y!r}"


def test_every_report_figure_is_reproduced_by_its_command(demo) -> None:
    from patron.jobs.result import plain

    report = demo.results["report"]
    checked = 0
    for section in report.sections:
        if section.status != "ok":
            continue
        lines = [line for line in section.command.splitlines() if line.strip()]
        assert section.figures, f"section {section.key} shows no figures from a job"
        for line in lines:
            payload = _run(line)
            expected = section.figures if len(lines) == 1 else section.figures[payload["job"]]
            expected = {k: plain(v) for k, v in expected.items()}
            _same(payload["figures"], expected, f"{section.key} ({line})")
            assert payload["unit"] == "hotel", line
            checked += 1
    assert checked >= len(report.sections)


def test_the_report_is_hotel_only(demo) -> None:
    report = demo.results["report"]
    assert report.path.name == "report-hotel.html"
    summary = report.sections[0]
    hotel_guests = demo.context.results["hotel_data"].stays["customer_id"].nunique()
    assert summary.figures["customers"] == hotel_guests
    page = report.path.read_text(encoding="utf-8")
    assert "CDNOW-" not in page
