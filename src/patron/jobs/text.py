"""The open-comment job: what a scope's customers say, scored, tagged by aspect, clustered and ranked.

Comments are read through the warehouse reader, scoped by unit: survey free text
(``survey_responses.text_value``, with the response's mean score rescaled to 0–10 as
its label for the learned model), complaint descriptions and interaction notes. Each
function returns a :class:`JobResult` the CLI (``patron text …``), the API, the report
and the web page share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.text.aspects import INDUSTRIES, AspectTagger, load_taxonomy
from patron.analyze.text.indicators import rank_indicators
from patron.analyze.text.learned import TextSentimentModel, labels_from_scores
from patron.analyze.text.lexicon import default_lexicon
from patron.analyze.text.topics import find_topics, topic_alerts
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

SOURCES = ("survey", "complaint", "interaction")
COMMENT_COLUMNS = ["source", "id", "customer_id", "unit_pk", "at", "text", "score"]
MODEL_FILE = "models/text_sentiment.joblib"


def _select(ctx: AnalysisContext, table: Any, *columns: str) -> pd.DataFrame:
    """``columns`` of a warehouse table; a warehouse written before units has no
    ``unit_pk``: its records belong to the whole organisation (missing unit)."""
    present = [c for c in columns if c in table.columns]
    frame = ctx.run(table.select(*present))
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame


def comments(ctx: AnalysisContext, sources: tuple[str, ...] = SOURCES) -> pd.DataFrame:
    """Every comment in scope, one row each (columns :data:`COMMENT_COLUMNS`); ``score``
    is the survey response's mean answer on 0–10 (missing for complaints and notes)."""
    parts = []
    reader = ctx.reader
    if "survey" in sources and (t := reader.table("survey_responses", required=False)) is not None:
        frame = _select(ctx, t, "response_id", "customer_id", "unit_pk", "responded_at",
                        "item_code", "value", "text_value", "survey_code")  # fmt: skip
        scale = _scales(ctx)
        values = frame[frame["value"].notna()].merge(
            scale, how="left", on=["survey_code", "item_code"]
        )
        low, high = values["scale_min"].fillna(0.0), values["scale_max"].fillna(10.0)
        values["score10"] = 10 * (values["value"] - low) / (high - low).replace(0, np.nan)
        mean = values.groupby("response_id")["score10"].mean()
        texts = frame[
            frame["text_value"].notna() & (frame["text_value"].astype(str).str.strip() != "")
        ]
        parts.append(pd.DataFrame({
            "source": "survey", "id": texts["response_id"].astype(str) + ":" + texts["item_code"],
            "customer_id": texts["customer_id"], "unit_pk": texts["unit_pk"],
            "at": texts["responded_at"], "text": texts["text_value"],
            "score": texts["response_id"].map(mean),
        }))  # fmt: skip
    if "complaint" in sources and (t := reader.table("complaints", required=False)) is not None:
        # The store's row id where the warehouse keeps it (one per complaint, even when
        # no complaint number was imported), else the complaint number.
        key = "id" if "id" in t.columns else "complaint_id"
        f = _select(ctx, t, key, "customer_id", "unit_pk", "opened_at", "description")
        f = f[f["description"].notna()]
        parts.append(pd.DataFrame({
            "source": "complaint", "id": "C" + f[key].astype(str), "customer_id": f["customer_id"],
            "unit_pk": f["unit_pk"], "at": f["opened_at"], "text": f["description"], "score": np.nan,
        }))  # fmt: skip
    if "interaction" in sources and (t := reader.table("interactions", required=False)) is not None:
        f = _select(ctx, t, "id", "customer_id", "unit_pk", "occurred_at", "summary")
        f = f[f["summary"].notna()]
        parts.append(pd.DataFrame({
            "source": "interaction", "id": "I" + f["id"].astype(str), "customer_id": f["customer_id"],
            "unit_pk": f["unit_pk"], "at": f["occurred_at"], "text": f["summary"], "score": np.nan,
        }))  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=COMMENT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[COMMENT_COLUMNS]
    if ctx.as_of_given is not None:
        out = out[pd.to_datetime(out["at"], utc=True).dt.date <= ctx.as_of_given]
    return out.reset_index(drop=True)


def _scales(ctx: AnalysisContext) -> pd.DataFrame:
    items = ctx.reader.table("survey_items", required=False)
    if items is None:
        return pd.DataFrame(columns=["survey_code", "item_code", "scale_min", "scale_max"])
    f = ctx.run(items.select("survey_code", "code", "scale_min", "scale_max"))
    return f.rename(columns={"code": "item_code"})


def _taxonomy_source(ctx: AnalysisContext | None, taxonomy: str | None) -> str:
    if taxonomy:
        return taxonomy
    value = str(ctx.setting("text", "taxonomy", "hotel") or "hotel") if ctx is not None else "hotel"
    if value not in INDUSTRIES and ctx is not None and ctx.workspace is not None:
        path = Path(value)
        return str(path if path.is_absolute() else Path(ctx.workspace.root) / path)
    return value


def model_path(ctx: AnalysisContext) -> Path:
    """Where the learned sentiment model of the workspace lives."""
    return Path(ctx.workspace.root) / MODEL_FILE


def score(
    ctx: AnalysisContext,
    *,
    mode: str = "lexicon",
    frame: pd.DataFrame | None = None,
    learn: bool = False,
) -> JobResult:
    """Sentiment per comment: the zero-shot lexicon (``mode="lexicon"``) or the model
    learned from the workspace's rated survey comments (``mode="learned"``; ``learn``
    refits and saves it first)."""
    data = comments(ctx) if frame is None else frame.reset_index(drop=True)
    if mode not in ("lexicon", "learned"):
        raise InputError(_("--mode must be lexicon or learned, not {mode!r}").format(mode=mode))
    lex = default_lexicon()
    sentiments = [lex.score(t) for t in data["text"]]
    out = data.assign(
        sentiment=[s.score for s in sentiments],
        label=[s.label or "unread" for s in sentiments],
        words=[", ".join(w for w, _ in s.words[:6]) for s in sentiments],
        reason=[s.reason for s in sentiments],
    )
    figures: dict[str, Any] = {"comments": len(out)}
    if mode == "learned":
        path = model_path(ctx)
        if learn:
            labels = labels_from_scores(data["score"])
            model = TextSentimentModel().fit(data["text"], labels)
            model.save(path)
            figures["trained_on"] = model.n_comments_
        model = TextSentimentModel.load(path)
        readable = out["label"] != "unread"
        if readable.any():
            proba = model.predict_proba(out.loc[readable, "text"])
            out.loc[readable, "label"] = model.classes_[proba.argmax(axis=1)]
            pos = list(model.classes_).index("positive") if "positive" in model.classes_ else -1
            if pos >= 0:
                out.loc[readable, "sentiment"] = 2 * proba[:, pos] - 1
    for label in ("positive", "neutral", "negative", "unread"):
        figures[f"share_{label}"] = float((out["label"] == label).mean()) if len(out) else 0.0
    counts = out["label"].value_counts().rename_axis("label").reset_index(name="comments")
    printer = Printer(
        title=_("Sentiment of {n} comments ({scope})").format(n=len(out), scope=ctx.scope.label()),
        facts={
            _("comments"): len(out),
            _("positive"): figures["share_positive"],
            _("negative"): figures["share_negative"],
        },  # fmt: skip
        tables=[("", counts)],
    )
    return JobResult("text_score", ctx.scope, ctx.as_of_given, figures, {"labels": counts}, out, printer,
                     extra={"mode": mode})  # fmt: skip


def aspects(
    ctx: AnalysisContext, *, taxonomy: str | None = None, frame: pd.DataFrame | None = None
) -> JobResult:
    """Aspect × sentiment matrix, each aspect's trend by period and unit, and examples
    with the words that decided."""
    data = comments(ctx) if frame is None else frame.reset_index(drop=True)
    tagger = AspectTagger(load_taxonomy(_taxonomy_source(ctx, taxonomy)))
    mentions = tagger.tag_many(data["text"], ids=data.index)
    names = {a.code: a.name() for a in tagger.taxonomy.aspects}
    matrix = (
        mentions.groupby(["aspect", "label"]).size().unstack(fill_value=0)
        .reindex(index=tagger.taxonomy.codes, columns=["positive", "neutral", "negative"], fill_value=0)
    )  # fmt: skip
    matrix["mentions"] = matrix.sum(axis=1)
    matrix["net"] = (matrix["positive"] - matrix["negative"]) / matrix["mentions"].replace(
        0, np.nan
    )
    matrix = matrix.reset_index().rename(columns={"index": "aspect"})
    matrix.insert(1, "name", matrix["aspect"].map(names))
    joined = mentions.merge(data[["at", "unit_pk", "text"]], left_on="id", right_index=True)
    period = pd.to_datetime(joined["at"], utc=True).dt.strftime("%Y-%m")
    trend = (
        joined.assign(period=period, negative=(joined["label"] == "negative").astype(int))
        .groupby(["period", "unit_pk", "aspect"], dropna=False)
        .agg(mentions=("id", "size"), negative=("negative", "sum")).reset_index()
    )  # fmt: skip
    examples = (
        mentions.assign(strength=mentions["score"].abs()).sort_values("strength", ascending=False)
        .groupby(["aspect", "label"]).head(2)[["aspect", "label", "clause", "word", "score"]]
        .reset_index(drop=True)
    )  # fmt: skip
    figures = {"comments": len(data), "mentions": len(mentions),
               "tagged_share": float(mentions["id"].nunique() / len(data)) if len(data) else 0.0}  # fmt: skip
    printer = Printer(
        title=_("Aspects of {n} comments ({scope})").format(n=len(data), scope=ctx.scope.label()),
        facts={_("comments"): len(data), _("aspect mentions"): len(mentions)},
        tables=[(_("Aspect × sentiment"), matrix), (_("Examples"), examples)],
    )
    return JobResult("text_aspects", ctx.scope, ctx.as_of_given, figures,
                     {"matrix": matrix, "trend": trend, "examples": examples}, mentions, printer)  # fmt: skip


def topics(
    ctx: AnalysisContext, *, taxonomy: str | None = None, n_topics: int = 8,
    frame: pd.DataFrame | None = None, seed: int = 0,
) -> JobResult:  # fmt: skip
    """Topics of the comments no aspect catches, and alerts for new or growing ones
    (this month against the month before)."""
    data = comments(ctx) if frame is None else frame.reset_index(drop=True)
    tagger = AspectTagger(load_taxonomy(_taxonomy_source(ctx, taxonomy)))
    unlisted = data[[not tagger.aspects(t) for t in data["text"]]]
    result = find_topics(unlisted["text"], n_topics=n_topics, seed=seed)
    periods = pd.to_datetime(unlisted["at"], utc=True).dt.strftime("%Y-%m")
    alerts = topic_alerts(result.assignments, periods)
    alerts = alerts.merge(result.topics[["topic", "key_phrases"]], on="topic", how="left")
    figures = {"comments": len(data), "unlisted": len(unlisted), "topics": len(result.topics),
               "alerts": len(alerts)}  # fmt: skip
    printer = Printer(
        title=_("Topics of {n} comments that fit no aspect").format(n=len(unlisted)),
        facts={_("comments"): len(data), _("unlisted"): len(unlisted), _("alerts"): len(alerts)},
        tables=[(_("Topics"), result.topics), (_("Alerts"), alerts)],
    )
    return JobResult("text_topics", ctx.scope, ctx.as_of_given, figures,
                     {"topics": result.topics, "alerts": alerts}, printer=printer)  # fmt: skip


def indicators(
    ctx: AnalysisContext, *, taxonomy: str | None = None, frame: pd.DataFrame | None = None,
    returned: pd.Series | None = None,
) -> JobResult:  # fmt: skip
    """The proposed indicator system: aspects ranked by how often customers raise them
    and how much they move satisfaction (the survey score) and return (a sale after the
    comment)."""
    data = comments(ctx) if frame is None else frame.reset_index(drop=True)
    tax = load_taxonomy(_taxonomy_source(ctx, taxonomy))
    mentions = AspectTagger(tax).tag_many(data["text"], ids=data.index)
    table = data.assign(satisfaction=data["score"])
    table["returned"] = _returned(ctx, data) if returned is None else returned.to_numpy()
    ranked = rank_indicators(mentions, table, tax.codes)
    ranked.insert(1, "name", ranked["aspect"].map({a.code: a.name() for a in tax.aspects}))
    printer = Printer(
        title=_("Proposed satisfaction indicators ({scope})").format(scope=ctx.scope.label()),
        facts={_("comments"): len(data), _("aspect mentions"): len(mentions)},
        tables=[("", ranked)],
    )
    return JobResult("text_indicators", ctx.scope, ctx.as_of_given, {"comments": len(data)},
                     {"indicators": ranked}, printer=printer)  # fmt: skip


def _returned(ctx: AnalysisContext, data: pd.DataFrame) -> pd.Series:
    """1 when the customer bought again after the comment, 0 when not, missing without
    a customer or without sales in scope."""
    try:
        sales = ctx.run(ctx.reader.sales().select("customer_id", "ordered_at"))
    except InputError:
        return pd.Series(np.nan, index=data.index)
    last = sales.groupby("customer_id")["ordered_at"].max()
    at = pd.to_datetime(data["at"], utc=True)
    after = pd.to_datetime(data["customer_id"].map(last), utc=True)
    out = (after > at).astype(float)
    out[data["customer_id"].isna()] = np.nan
    return out
