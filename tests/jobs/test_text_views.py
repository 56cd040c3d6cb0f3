"""The comments' views: negative share by whole period, examples with the deciding words,
highlighting that escapes, CSV cells that cannot run as formulas."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.jobs.context import AnalysisContext
from patron.jobs.text import COMMENT_COLUMNS
from patron.jobs.text_views import aspect_ipma, examples, mentions_frame, segments, trend
from patron.report.sections.comments import highlighted

ROWS = [
    # January: room and cleanliness criticised, breakfast praised -> 2 of 3 negative
    ("2026-01-10", "The room was dirty.", 1),
    ("2026-01-20", "Great breakfast.", 2),
    # February: staff criticised, room praised -> 1 of 2 negative
    ("2026-02-05", "The staff were rude.", 1),
    ("2026-02-25", "Lovely room with a great view.", 2),
    # March is still running on the 15th: not counted
    ("2026-03-02", "Terrible wifi.", 1),
]


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "source": "survey",
            "id": [f"R{i}:comment" for i in range(len(ROWS))],
            "customer_id": [f"H{i:06d}" for i in range(len(ROWS))],
            "unit_pk": [u for _d, _t, u in ROWS],
            "at": pd.to_datetime([d for d, _t, _u in ROWS], utc=True),
            "text": [t for _d, t, _u in ROWS],
            "score": [2.0, 9.0, 3.0, 9.0, 1.0],
        }
    )
    return frame[COMMENT_COLUMNS]


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.from_tables({}, as_of="2026-03-15")


def test_trend_counts_whole_months_only(ctx) -> None:
    result = trend(ctx, frame=_frame())
    f = result.figures
    assert f["comments"] == 5
    assert f["periods"] == 2 and f["last_period"] == "2026-02"
    assert f["mentions"] == 5  # March's Wi-Fi mention is left out
    assert f["share_negative_last"] == pytest.approx(1 / 2, abs=1e-12)
    assert f["previous_period"] == "2026-01"
    assert f["share_negative_previous"] == pytest.approx(2 / 3, abs=1e-12)
    assert "rising_aspect" not in f  # fewer than 5 mentions an aspect: no "rise" claimed
    by_unit = result.tables["by_unit"].set_index(["period", "unit"])
    # units without names in a bare context keep their own value
    assert by_unit.loc[("2026-01", "1"), "negative"] == 2
    assert by_unit.loc[("2026-01", "2"), "share_negative"] == 0.0
    with pytest.raises(Exception, match="M, Q or Y"):
        trend(ctx, period="D", frame=_frame())


def test_examples_filter_and_name_the_deciding_words(ctx) -> None:
    mentions, _aspects = mentions_frame(ctx, frame=_frame())
    shown = examples(mentions, label="negative", period="2026-01")
    # one comment criticising two aspects is shown once
    assert list(shown["text"]) == ["The room was dirty."]
    assert "dirty" in shown["words"][0] and shown["customer_id"][0] == "H000000"
    by_aspect = examples(mentions, aspect="room", label="negative")
    assert list(by_aspect["aspect"]) == ["room"] and by_aspect["words"][0][-1] == "room"
    latest = examples(mentions, label="positive", latest=True)
    assert list(latest["text"]) == ["Lovely room with a great view.", "Great breakfast."]
    assert examples(mentions, aspect="food", label="negative").empty


def test_highlighting_escapes_the_comment() -> None:
    text = '<script>alert("x")</script> The room was dirty & =1+2'
    out = highlighted(text, ["dirty", "room"])
    assert "<script>" not in out
    assert out.startswith("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ")
    assert "The <mark>room</mark> was <mark>dirty</mark> &amp; =1+2" in out
    # English words match whole words only: "room" is not marked inside "bathroom"
    assert segments("bathroom room", ["room"]) == [("bathroom ", False), ("room", True)]
    assert segments("房间很干净", ["干净"]) == [("房间很", False), ("干净", True)]


def test_csv_cells_cannot_run_as_formulas(tmp_path) -> None:
    from patron.cli.main import app

    path = tmp_path / "comments.csv"
    pd.DataFrame(
        {
            "text": ["The room was dirty.", "Great breakfast."],
            "at": ["2026-01-10", "2026-01-20"],
            "unit_pk": ['=HYPERLINK("http://x.example","y")', "@SUM(1)"],
        }
    ).to_csv(path, index=False)
    result = CliRunner().invoke(
        app, ["text", "trend", "--file", str(path), "--as-of", "2026-03-01", "--csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "period,unit,mentions,negative,share_negative"
    assert lines[1].startswith("2026-01,\"'=HYPERLINK(")
    assert lines[2].startswith("2026-01,'@SUM(1),1,0,")


def test_source_option_refuses_an_unknown_source(tmp_path) -> None:
    from patron.cli.main import app

    path = tmp_path / "comments.csv"
    pd.DataFrame({"text": ["Great breakfast."]}).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["text", "trend", "--source", "tweets", "--file", str(path)])
    assert result.exit_code != 0
    assert "--source: tweets is not one of survey, complaint, interaction" in str(result.exception)


def test_aspect_ipma_orders_by_importance() -> None:
    ranked = pd.DataFrame(
        {
            "aspect": ["room", "food"], "name": ["Room", "Food"], "mentions": [10, 4],
            "positive_share": [0.25, 0.5], "effect_satisfaction": [0.5, 1.5],
            "effect_return": [0.1, 0.2],
        }
    )  # fmt: skip
    out = aspect_ipma(ranked)
    assert list(out["aspect"]) == ["food", "room"]
    assert list(out["performance"]) == [50.0, 25.0]
    assert list(out["importance"]) == [1.5, 0.5]
