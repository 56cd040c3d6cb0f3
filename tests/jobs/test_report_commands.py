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


README = __import__("pathlib").Path(__file__).resolve().parents[2] / "README.md"
_ANALYSES = ("patron analyze ", "patron csi ", "patron churn ", "patron linkage ", "patron clv ")


def _tour_lines() -> list[str]:
    """The README tour's analysis commands that read the workspace (not a file)."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## A short tour", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = []
    for raw in block.splitlines():
        line = raw.split("  #", 1)[0].strip()
        if line.startswith(_ANALYSES) and not any(
            p.endswith((".csv", ".txt")) for p in line.split()
        ):
            lines.append(line)
    return lines


def _key(line: str) -> tuple[str, ...]:
    """A command without the options that only say where (workspace, unit) or how to show."""
    args, skip = shlex.split(line), False
    out = []
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--workspace", "-w", "--unit", "-u", "--chart"):
            skip = True
            continue
        out.append(arg)
    return tuple(sorted(out))


def test_the_readme_tour_gives_the_report_figures(demo) -> None:
    from patron.jobs.result import plain

    report = demo.results["report"]
    by_command = {}
    for section in report.sections:
        lines = [line for line in section.command.splitlines() if line.strip()]
        for line in lines:
            figures = section.figures if len(lines) == 1 else section.figures.get(line.split()[2])
            by_command[_key(line)] = figures
    lines = _tour_lines()
    assert len(lines) >= 10
    compared = 0
    root = str(demo.workspace.root)
    for line in lines:
        payload = _run(f"{line} --workspace {root}")
        unit = (
            shlex.split(line)[shlex.split(line).index("--unit") + 1]
            if "--unit" in line
            else "hotel"
        )
        assert payload["unit"] == unit, line
        expected = None if "--unit" in line else by_command.get(_key(line))
        if expected is not None:
            _same(payload["figures"], {k: plain(v) for k, v in expected.items()}, line)
            compared += 1
    # Every hotel analysis of the tour is one the report shows, with the same figures.
    assert compared == sum(1 for line in lines if "--unit" not in line)
