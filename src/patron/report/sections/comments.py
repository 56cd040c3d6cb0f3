"""The report's "What customers say" section: which aspects customers praise or criticise in their own words, where and since when, and how much each moves satisfaction and return."""

from __future__ import annotations

import html
from typing import Any

import altair as alt
import pandas as pd

from patron.core.i18n import _, format_date, format_number
from patron.exceptions import PatronError
from patron.report import charts
from patron.report.labels import label
from patron.report.section import (
    Chart,
    Missing,
    ReportContext,
    Section,
    count,
    html_table,
    pct,
)

#: The report reads the comments customers wrote (survey comments, complaint descriptions)
#: quarter by quarter (a month holds too few comments per aspect); the commands say the same.
SOURCE, PERIOD, TREND_PERIODS, EXAMPLES = "survey,complaint", "Q", 8, 3
SENTIMENT_ORDER = ("positive", "neutral", "negative")
SENTIMENT_COLOURS = ("#4c9a5f", "#b0b0b0", "#c44e52")


def commands(ctx: ReportContext) -> dict[str, str]:
    """job → the command whose ``--json`` figures the section shows."""
    tail = f"--source {SOURCE} --as-of {ctx.as_of} {ctx.ws_arg}"
    return {
        "text_aspects": f"patron text aspects {tail}",
        "text_trend": f"patron text trend --period {PERIOD} {tail}",
        "text_topics": f"patron text topics {tail}",
        "text_indicators": f"patron text indicators {tail}",
    }


def highlighted(text: str, words: list[str]) -> str:
    """The comment as escaped HTML, the deciding words in ``<mark>``."""
    from patron.jobs.text_views import segments

    return "".join(
        f"<mark>{html.escape(part)}</mark>" if marked else html.escape(part)
        for part, marked in segments(text, words)
    )


def matrix_frame(matrix: pd.DataFrame) -> pd.DataFrame:
    """Long aspect × sentiment counts with the words for both (for the chart)."""
    rows = [
        {"aspect": r["name"], "sentiment": label("sentiment", s), "order": i, "mentions": int(r[s])}
        for _, r in matrix.iterrows()
        for i, s in enumerate(SENTIMENT_ORDER)
    ]
    return pd.DataFrame(rows, columns=["aspect", "sentiment", "order", "mentions"])


def matrix_chart(matrix: pd.DataFrame) -> dict[str, Any]:
    """Stacked bars: each aspect's mentions, praised / neutral / criticised."""
    data = matrix_frame(matrix)
    chart = (
        alt.Chart(charts._records(data))
        .mark_bar()
        .encode(
            # sorted by a field, not by a list: a list compiles to an expression, which
            # the pages' content policy (no eval) would stop from drawing
            y=alt.Y("aspect:N", title=_("aspect"), sort="-x"),
            x=alt.X("mentions:Q", title=_("mentions"), stack="zero"),
            color=alt.Color(
                "sentiment:N",
                title=_("sentiment"),
                legend=alt.Legend(orient="bottom"),  # readable on a phone, where wide charts scroll
                scale=alt.Scale(
                    domain=[label("sentiment", s) for s in SENTIMENT_ORDER],
                    range=list(SENTIMENT_COLOURS),
                ),
            ),
            order=alt.Order("order:Q"),
            tooltip=["aspect:N", "sentiment:N", "mentions:Q"],
        )
        .properties(width=charts.WIDTH, height=charts.HEIGHT)
    )
    return charts.spec(chart)


def trend_chart(by_unit: pd.DataFrame, last: list[str]) -> dict[str, Any]:
    """Share of negative mentions per complete period, one line per unit."""
    data = by_unit[by_unit["period"].isin(last)].rename(
        columns={"period": "period", "unit": "unit", "share_negative": "share"}
    )
    chart = (
        alt.Chart(charts._records(data[["period", "unit", "share", "mentions"]]))
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=_("quarter"), axis=alt.Axis(labelAngle=-30)),
            y=alt.Y(
                "share:Q", title=_("share of mentions that are negative"), axis=alt.Axis(format="%")
            ),  # fmt: skip
            color=alt.Color("unit:N", title=_("unit"), legend=alt.Legend(orient="bottom")),
            tooltip=["unit:N", "period:O", alt.Tooltip("share:Q", format=".0%"), "mentions:Q"],
        )
        .properties(width=charts.WIDTH, height=charts.HEIGHT)
    )
    return charts.spec(chart)


def ipma_chart(ipma: pd.DataFrame) -> dict[str, Any]:
    """Aspects placed by importance (effect on the survey score) and performance (% praised)."""
    data = ipma.dropna(subset=["importance", "performance"])
    base = alt.Chart(charts._records(data[["name", "importance", "performance", "mentions"]]))
    points = base.mark_circle(size=90, color="#4c78a8").encode(
        x=alt.X("importance:Q", title=_("importance: effect on the survey score (0–10)")),
        y=alt.Y(
            "performance:Q",
            title=_("performance: share of mentions praising it (%)"),
            scale=alt.Scale(domain=[0, 100]),
        ),  # fmt: skip
        tooltip=[
            "name:N",
            alt.Tooltip("importance:Q", format=".2f"),
            alt.Tooltip("performance:Q", format=".0f"),
            "mentions:Q",
        ],  # fmt: skip
    )
    names = base.mark_text(align="left", dx=7, fontSize=11).encode(
        x="importance:Q", y="performance:Q", text="name:N"
    )
    return charts.spec((points + names).properties(width=charts.WIDTH, height=charts.HEIGHT))


def examples_table(examples: pd.DataFrame) -> str:
    """Escaped examples: aspect, sentiment, unit, quarter and the comment, deciding words marked."""
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            _("aspect"),
            _("sentiment"),
            _("where it came from"),
            _("unit"),
            _("quarter"),
            _("comment (the words that decided are marked)"),
        )  # fmt: skip
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                r.name,
                label("sentiment", r.label),
                label("comment_source", r.source),
                r.unit,
                r.period,
            )  # fmt: skip
        )
        + f"<td>{highlighted(r.text, list(r.words))}</td></tr>"
        for r in examples.itertuples(index=False)
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def comments_section(ctx: ReportContext) -> Section:
    from patron.jobs import text as text_jobs
    from patron.jobs import text_views
    from patron.jobs.context import AnalysisContext

    lines = commands(ctx)
    section = Section(
        "comments",
        _("What customers say"),
        "\n".join(lines.values()),
        intro=_(
            "Survey comments and complaint descriptions, in Chinese and English, read for the "
            "aspects of the stay they talk about and how they feel about each (praised, neutral, "
            "criticised). The trend counts whole quarters only. Importance is how many points of "
            "the survey score (0–10) a praised rather than an unmentioned aspect goes with; "
            "improve first what matters much and is seldom praised."
        ),
    )
    if not ctx.analysis.reader.has("survey_responses") and not ctx.analysis.reader.has(
        "complaints"
    ):
        raise Missing(_("no survey comments or complaints in the workspace"))
    analysis = AnalysisContext(ctx.analysis.reader, ctx.as_of)
    data = text_views.customer_comments(analysis)
    if data.empty:
        raise Missing(_("no survey comments or complaint descriptions in the workspace"))
    mentions, aspects = text_views.mentions_frame(analysis, frame=data)
    trend = text_views.trend(analysis, period=PERIOD, frame=data)
    indicators = text_jobs.indicators(analysis, frame=data)
    figures: dict[str, Any] = {
        "text_aspects": aspects.figures,
        "text_trend": trend.figures,
        "text_indicators": indicators.figures,
    }
    try:
        topics = text_jobs.topics(analysis, frame=data)
        figures["text_topics"] = topics.figures
    except PatronError as exc:  # too few unlisted comments to cluster: say so, keep the rest
        topics = None
        section.notes.append(_("No topics outside the aspects: {why}").format(why=exc))
        del lines["text_topics"]
        section.command = "\n".join(lines.values())
    section.figures = figures
    t = trend.figures
    section.facts = [
        (_("comments read"), count(aspects.figures["comments"])),
        (_("aspect mentions"), count(aspects.figures["mentions"])),
        (_("comments that name an aspect"), pct(aspects.figures["tagged_share"])),
    ]
    if t.get("last_period"):
        section.facts.append(
            (_("negative mentions, {period}").format(period=t["last_period"]),
             pct(t["share_negative_last"]))
        )  # fmt: skip
    if "share_negative_previous" in t:
        section.facts.append(
            (_("negative mentions, {period}").format(period=t["previous_period"]),
             pct(t["share_negative_previous"]))
        )  # fmt: skip
    matrix = aspects.tables["matrix"]
    section.charts.append(
        Chart(
            _("What each aspect gets: praised, neutral, criticised"),
            matrix_chart(matrix),
            command=lines["text_aspects"],
        )  # fmt: skip
    )
    section.tables.append((_("Aspect × sentiment"), html_table(pd.DataFrame({
        _("aspect"): matrix["name"],
        _("positive"): matrix["positive"].astype(int),
        _("neutral"): matrix["neutral"].astype(int),
        _("negative"): matrix["negative"].astype(int),
        _("mentions"): matrix["mentions"].astype(int),
        _("share negative"): (matrix["negative"] / matrix["mentions"].where(matrix["mentions"] > 0))
        .map(lambda v: "–" if pd.isna(v) else pct(v)),
    }))))  # fmt: skip
    by_unit = trend.tables["by_unit"]
    last = sorted(trend.tables["by_period"]["period"])[-TREND_PERIODS:]
    if last:
        section.charts.append(
            Chart(
                _("Share of mentions that are negative, by unit, last {n} whole quarters").format(
                    n=len(last)
                ),
                trend_chart(by_unit, last),
                command=lines["text_trend"],
            )  # fmt: skip
        )
        recent = by_unit[by_unit["period"].isin(last[-2:])].sort_values(["unit", "period"])
        section.tables.append((_("Negative share by unit, last two whole quarters"), html_table(
            pd.DataFrame({
                _("unit"): recent["unit"], _("quarter"): recent["period"],
                _("mentions"): recent["mentions"].astype(int),
                _("negative"): recent["negative"].astype(int),
                _("share negative"): recent["share_negative"].map(pct),
            }))))  # fmt: skip
    if "rising_aspect" in t:
        names = dict(zip(matrix["aspect"], matrix["name"], strict=True))
        section.notes.append(
            _("Criticism rose most for {aspect}: {change} points of negative share from {before} "
              "to {after}.").format(aspect=names.get(t["rising_aspect"], t["rising_aspect"]),
                                    change=f"{100 * t['rising_change']:+.1f}",
                                    before=t["previous_period"], after=t["last_period"])
        )  # fmt: skip
    if topics is not None:
        section.tables.append((_("Topics outside the aspects (emerging ones first)"),
                               topics_table(topics.tables["topics"], topics.tables["alerts"])))  # fmt: skip
    shown = pd.concat(
        [text_views.examples(mentions, label=s, names=text_views.unit_names(analysis),
                             period_kind=PERIOD, limit=EXAMPLES) for s in ("negative", "positive")],
        ignore_index=True,
    )  # fmt: skip
    section.tables.append((_("Example comments"), examples_table(shown)))
    ranked = indicators.tables["indicators"]
    section.tables.append((_("Proposed indicators: aspects ranked by how often and how much"),
                           indicators_table(ranked)))  # fmt: skip
    ipma = text_views.aspect_ipma(ranked)
    if ipma["importance"].notna().any():
        section.charts.append(
            Chart(
                _("Importance–performance map of the aspects (next to the CSI drivers)"),
                ipma_chart(ipma),
                command=lines["text_indicators"],
            )  # fmt: skip
        )
    section.notes.append(
        _("Read on {date}; a quarter counts once it has ended.").format(date=format_date(ctx.as_of))
    )
    return section


def topics_table(table: pd.DataFrame, alerts: pd.DataFrame) -> str:
    kinds = dict(zip(alerts["topic"], alerts["kind"], strict=True))
    frame = table.assign(alert=[kinds.get(t, "") for t in table["topic"]])
    frame = frame.sort_values("alert", ascending=False, kind="stable")
    return html_table(pd.DataFrame({
        _("key phrases"): frame["key_phrases"],
        _("comments"): frame["comments"].astype(int),
        _("share"): frame["share"].map(pct),
        _("alert"): [label("topic_alert", k) if k else "" for k in frame["alert"]],
        _("example"): frame["example"],
    }))  # fmt: skip


def indicators_table(ranked: pd.DataFrame) -> str:
    return html_table(pd.DataFrame({
        _("aspect"): ranked["name"],
        _("mentions"): ranked["mentions"].astype(int),
        _("share of comments"): ranked["share"].map(pct),
        _("share praised"): ranked["positive_share"].map(lambda v: "–" if pd.isna(v) else pct(v)),
        _("effect on the survey score (0–10)"): ranked["effect_satisfaction"].map(
            lambda v: "–" if pd.isna(v) else f"{v:+.2f}"),
        _("effect on return (share)"): ranked["effect_return"].map(
            lambda v: "–" if pd.isna(v) else f"{v:+.2f}"),
        _("priority"): ranked["priority"].map(
            lambda v: "–" if pd.isna(v) else format_number(v, decimals=3)
        ),
    }))  # fmt: skip
