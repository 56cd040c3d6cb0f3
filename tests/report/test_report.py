"""The HTML report: every section computed, self-contained, absent parts said in words."""

from __future__ import annotations

import html
import json
import re
import shutil

import pandas as pd

from patron.report import build_report

SECTION_KEYS = [
    "summary",
    "csi",
    "csi_programme",
    "comments",
    "loyalty",
    "segments",
    "lifecycle",
    "cohorts",
    "clv",
    "clv_satisfaction",
    "churn",
    "value_at_risk",
    "recovery",
    "linkage",
    "campaigns",
]


def _specs(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="patron-specs">(.*?)</script>', page, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_every_section_is_computed_and_carries_its_command(hotel_report):
    assert [s.key for s in hotel_report.sections] == SECTION_KEYS
    broken = {s.key: s.message for s in hotel_report.sections if s.status != "ok"}
    assert broken == {}
    page = hotel_report.path.read_text(encoding="utf-8")
    for section in hotel_report.sections:
        assert f'id="{section.key}"' in page
        assert section.command and section.command in page
    assert "patron churn --horizon 365d --workspace" in page
    assert "patron linkage recovery --horizon 365d --workspace" in page
    assert "--unit all" in page  # the scope is said in every command
    assert hotel_report.path.name == "report.html"


def test_page_is_self_contained_and_small(hotel_report):
    page = hotel_report.path.read_text(encoding="utf-8")
    # No external script, style, image or font: everything is inline.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', page)
    assert "vegaEmbed" in page and "default-src 'none'" in page
    specs = _specs(page)
    charts = re.findall(r'data-chart="(chart-\d+)"', page)
    assert sorted(charts) == sorted(specs)
    assert len(charts) == sum(len(s.charts) for s in hotel_report.sections) >= 18
    # Aggregates only: no guest id in any chart's data, and the whole page stays small.
    assert not re.search(r"H0\d{5}", json.dumps(specs))
    assert hotel_report.bytes < 2_000_000
    # The churn list shows reasons in words for the riskiest customers.
    churn = next(s for s in hotel_report.sections if s.key == "churn")
    assert "days since last" in churn.tables[0][1]


def hotel_report_customers(report) -> int:
    import pandas as pd

    orders = pd.read_parquet(report.path.parent.parent / "warehouse" / "orders")
    return orders["customer_id"].nunique()


def test_summary_states_the_findings(hotel_report):
    summary = hotel_report.sections[0]
    facts = dict(summary.facts)
    assert int(facts["customers"].replace(",", "")) == hotel_report_customers(hotel_report)
    assert any("unresolved complaint" in n for n in summary.notes)
    assert any("Satisfaction index" in n for n in summary.notes)


def _read_table(markup: str) -> pd.DataFrame:
    """The report's HTML table as text cells (counts back to integers)."""
    cells = [
        [html.unescape(c) for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", markup)
    ]
    frame = pd.DataFrame(cells[1:], columns=cells[0])
    for column in ("treated", "control"):
        frame[column] = frame[column].str.replace(",", "").astype(int)
    return frame


def test_campaigns_show_their_uplift_beside_the_command(hotel_report, hotel_campaigns):
    section = next(s for s in hotel_report.sections if s.key == "campaigns")
    assert section.status == "ok", section.message
    assert dict(section.facts) == {"campaigns": "2", "measured against a control group": "2"}
    # One chart per campaign, each with the command that recomputes it beside it.
    root = hotel_report.path.parent.parent
    assert [c.command for c in section.charts] == [
        f"patron act campaign uplift {code} --workspace {root}" for code in ("gift", "null")
    ]
    assert [c.spec["facet"]["row"]["field"] for c in section.charts] == ["metric", "metric"]
    page = hotel_report.path.read_text(encoding="utf-8")
    assert len(re.findall(r'<code class="figure-command"[^>]*>patron act campaign', page)) == 2
    # Per campaign and outcome: group sizes, the difference with its interval, the verdict.
    table = _read_table(section.tables[0][1])
    assert len(table) == 6
    for code, groups in hotel_campaigns.items():
        rows = table[table["campaign"] == code]
        assert set(rows["treated"]) == {groups["treatment"]}
        assert set(rows["control"]) == {groups["control"]}
    gift = table[table["campaign"] == "gift"].set_index("outcome")
    null = table[table["campaign"] == "null"].set_index("outcome")
    # +20 points of retention planted: found, with an interval that excludes zero.
    assert gift.loc["retention", "verdict"].startswith("treated +")
    low, high = re.findall(r"-?\d+\.\d", gift.loc["retention", "difference (95 % CI)"])[1:]
    assert 0 < float(low) < 20 < float(high)
    assert gift.loc["revenue per member", "verdict"].startswith("treated +")
    assert set(null["verdict"]) == {"no detectable effect"}
    assert "Campaigns with a detectable effect: gift." in hotel_report.sections[0].notes


def test_absent_data_and_missing_modules_are_said_not_crashed(
    hotel_workspace, tmp_path, monkeypatch
):
    import sys

    from patron.collect.workspace_setup import init_workspace

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    bare = init_workspace(tmp_path / "bare")
    for table in ("customers", "orders"):
        shutil.copytree(hotel_workspace.warehouse / table, bare.warehouse / table)
    monkeypatch.setitem(sys.modules, "patron.analyze.clv.pipeline", None)  # module missing
    result = build_report(bare, out=tmp_path / "r.html")
    status = {s.key: (s.status, s.message) for s in result.sections}
    assert status["csi"] == ("missing", "no survey answers in the workspace")
    assert status["recovery"] == ("missing", "no complaints in the workspace")
    assert status["clv"][0] == "missing" and "patron.analyze.clv.pipeline" in status["clv"][1]
    # Value at risk values the customers with the CLV module: missing too, and says why.
    assert status["value_at_risk"][0] == "missing"
    assert "patron.analyze.clv.pipeline" in status["value_at_risk"][1]
    assert status["churn"][0] == "ok" and status["segments"][0] == "ok"
    assert status["campaigns"] == ("missing", "no campaign in the workspace")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Not available: no complaints in the workspace" in page


def test_chinese_report(hotel_workspace, hotel_campaigns, tmp_path):
    result = build_report(hotel_workspace, out=tmp_path / "zh.html", lang="zh_CN")
    page = result.path.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "顾客满意与忠诚分析报告" in page
    assert "执行摘要" in page
    assert all(s.status == "ok" for s in result.sections)


def test_report_command_writes_the_file(hotel_workspace, hotel_campaigns, tmp_path):
    from typer.testing import CliRunner

    from patron.cli.main import app

    out = tmp_path / "cli.html"
    run = CliRunner().invoke(
        app,
        ["report", "--workspace", str(hotel_workspace.root), "--out", str(out), "--json",
         "--unit", "all", "--horizon", "180d"],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    assert payload["path"] == str(out) and out.exists()
    assert {s["status"] for s in payload["sections"]} == {"ok"}
    assert payload["bytes"] < 10_000_000
