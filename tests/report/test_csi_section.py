"""The report's CSI section shows the figures its printed command prints with ``--json``."""

from __future__ import annotations

import json
import shlex

from typer.testing import CliRunner

from patron.cli.main import app


def test_csi_figures_are_the_commands(hotel_report, hotel_workspace):
    from patron.jobs.context import AnalysisContext
    from patron.jobs.csi import csi

    section = next(s for s in hotel_report.sections if s.key == "csi")
    assert section.status == "ok", section.message
    figures = section.figures
    assert figures["respondents"] > 500
    assert figures["satisfaction_index_lower"] < figures["satisfaction_index"]
    assert figures["satisfaction_index"] < figures["satisfaction_index_upper"]
    args = shlex.split(section.command)
    assert args[:2] == ["patron", "csi"] and "--as-of" in args and "--unit" in args
    out = CliRunner().invoke(app, [*args[1:], "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["figures"] == figures
    # The job behind both, called directly.
    ctx = AnalysisContext.open(hotel_workspace, unit="all", as_of=hotel_report_as_of(args))
    job = csi(ctx, model="acsi", bootstrap=500, seed=1)
    assert job.figures == figures
    # The facts on the page are these figures, formatted.
    facts = dict(section.facts)
    assert facts["respondents"] == f"{figures['respondents']:,}"
    assert facts["satisfaction index (0–100)"] == f"{figures['satisfaction_index']:.1f}"


def hotel_report_as_of(args: list[str]) -> str:
    return args[args.index("--as-of") + 1]
