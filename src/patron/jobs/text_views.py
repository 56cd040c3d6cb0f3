"""Is criticism of each aspect rising, where, and which comments show it? The views of the open comments a manager reads.

Built on :mod:`patron.jobs.text` (the comments, their aspect mentions, the indicators):

- :func:`trend` — the share of aspect mentions that are negative per *complete* period
  (a running month is not compared with whole ones), overall, per unit and per aspect;
  the job behind ``patron text trend``, the report section and the web page;
- :func:`examples` — comments with their aspect, sentiment, unit, period and the words
  that decided, filtered by aspect / sentiment / unit / period;
- :func:`segments` — a comment cut into plain and deciding parts, for a surface to
  highlight (each surface escapes the parts for where they go);
- :func:`aspect_ipma` — the aspects' importance–performance table beside the CSI drivers.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze import periods
from patron.analyze.text.indicators import ipma_frame
from patron.analyze.text.lexicon import default_lexicon
from patron.core.i18n import _, current_language
from patron.core.printer import Printer
from patron.jobs import text as text_jobs
from patron.jobs.context import AnalysisContext
from patron.jobs.result import JobResult

PERIODS = ("M", "Q", "Y")
#: What customers wrote themselves (interaction notes are the staff's words).
CUSTOMER_SOURCES = ("survey", "complaint")
#: An aspect's rise counts only with this many mentions in each of the two periods.
MIN_MENTIONS = 5
EXAMPLE_COLUMNS = ["comment", "source", "customer_id", "unit", "period", "at", "aspect",
                   "name", "label", "score", "text", "words"]  # fmt: skip


def _period_labels(at: pd.Series, period: str) -> tuple[pd.Series, pd.Series]:
    """Each timestamp's period label (2026-09, 2026Q3, 2026) and the period's start."""
    stamps = pd.to_datetime(at, utc=True).dt.tz_localize(None)
    codes = stamps.dt.to_period({"M": "M", "Q": "Q", "Y": "Y"}[period])
    return codes.astype(str), codes.dt.start_time.dt.date


def customer_comments(ctx: AnalysisContext) -> pd.DataFrame:
    """The comments customers wrote themselves (:data:`CUSTOMER_SOURCES`), in scope."""
    return text_jobs.comments(ctx, CUSTOMER_SOURCES)


def unit_names(ctx: AnalysisContext) -> dict[Any, str]:
    """unit_pk → the unit's name in the reader's language (empty without units)."""
    from patron.analyze.csi.programme_data import unit_tree
    from patron.exceptions import InputError

    try:
        tree = unit_tree(ctx.reader)
    except InputError:
        return {}
    zh = current_language().startswith("zh")
    return {
        int(pk): str(z) if zh and isinstance(z, str) and z else str(n)
        for pk, n, z in zip(tree["pk"], tree["name"], tree["name_zh"], strict=True)
    }


def _unit_name(names: dict[Any, str], unit: Any) -> str:
    """A unit's name; a file's own unit value as it is; "" for none."""
    if unit is None or (isinstance(unit, float) and np.isnan(unit)):
        return ""
    try:
        return names.get(int(unit), str(int(unit)))
    except (TypeError, ValueError):
        return str(unit)


def mentions_frame(ctx: AnalysisContext, *, taxonomy: str | None = None,
                   frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, JobResult]:  # fmt: skip
    """Every aspect mention joined to its comment (source, customer, unit, at, text), and
    the aspects job it came from."""
    data = text_jobs.comments(ctx) if frame is None else frame.reset_index(drop=True)
    result = text_jobs.aspects(ctx, taxonomy=taxonomy, frame=data)
    mentions = result.frame.merge(
        data[["source", "id", "customer_id", "unit_pk", "at", "text"]].rename(
            columns={"id": "comment"}
        ),
        left_on="id", right_index=True,
    )  # fmt: skip
    names = dict(
        zip(result.tables["matrix"]["aspect"], result.tables["matrix"]["name"], strict=True)
    )
    mentions["name"] = mentions["aspect"].map(names)
    return mentions.reset_index(drop=True), result


def _shares(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = (
        frame.groupby(keys, dropna=False)
        .agg(mentions=("negative", "size"), negative=("negative", "sum"))
        .reset_index()
    )
    out["share_negative"] = out["negative"] / out["mentions"]
    return out


def trend(
    ctx: AnalysisContext, *, period: str = "M", taxonomy: str | None = None,
    frame: pd.DataFrame | None = None,
) -> JobResult:  # fmt: skip
    """Share of negative aspect mentions per complete period: overall, by unit, by aspect;
    the last complete period against the one before, and the aspect whose negative
    share rose most (with at least :data:`MIN_MENTIONS` mentions in both)."""
    period = periods._unit(period)
    if period not in PERIODS:
        from patron.exceptions import InputError

        raise InputError(_("--period must be M, Q or Y, not {period!r}").format(period=period))
    mentions, aspects = mentions_frame(ctx, taxonomy=taxonomy, frame=frame)
    as_of = ctx.as_of
    label, start = _period_labels(mentions["at"], period)
    complete = np.array([periods.is_complete(s, period, as_of) for s in start], dtype=bool)
    names = unit_names(ctx)
    data = mentions.assign(
        period=label, negative=(mentions["label"] == "negative").astype(int),
        unit=[_unit_name(names, u) or _("no unit") for u in mentions["unit_pk"]],
    )[complete]  # fmt: skip
    by_period = _shares(data, ["period"])
    by_unit = _shares(data, ["period", "unit"])
    by_aspect = _shares(data, ["period", "aspect", "name"])
    order = sorted(by_period["period"])
    figures: dict[str, Any] = {
        "comments": aspects.figures["comments"], "mentions": int(len(data)),
        "periods": len(order), "last_period": order[-1] if order else None,
    }  # fmt: skip
    if order:
        share = by_period.set_index("period")["share_negative"]
        figures["share_negative_last"] = float(share[order[-1]])
        if len(order) > 1:
            figures["previous_period"] = order[-2]
            figures["share_negative_previous"] = float(share[order[-2]])
            both = by_aspect[by_aspect["period"].isin(order[-2:])].pivot_table(
                index="aspect", columns="period", values=["share_negative", "mentions"]
            )
            enough = (both["mentions"].fillna(0) >= MIN_MENTIONS).all(axis=1)
            rise = (both["share_negative"][order[-1]] - both["share_negative"][order[-2]])[enough]
            if len(rise.dropna()) and rise.max() > 0:
                figures["rising_aspect"] = str(rise.idxmax())
                figures["rising_change"] = float(rise.max())
    printer = Printer(
        title=_("Negative share of aspect mentions by period ({scope})").format(
            scope=ctx.scope.label()
        ),
        facts={_("aspect mentions"): figures["mentions"], _("complete periods"): len(order)},
        tables=[(_("By period"), by_period), (_("By unit"), by_unit)],
    )
    return JobResult("text_trend", ctx.scope, ctx.as_of_given, figures,
                     {"by_period": by_period, "by_unit": by_unit, "by_aspect": by_aspect},
                     printer=printer, extra={"period": period})  # fmt: skip


def _words(clause: str) -> list[str]:
    """The words that decided: the sentiment words of the clause, then the aspect word."""
    return [w for w, _weight in default_lexicon().score(clause).words]


def examples(
    mentions: pd.DataFrame,
    *,
    aspect: str | None = None,
    label: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    period_kind: str = "M",
    names: dict[Any, str] | None = None,
    limit: int = 20,
    latest: bool = False,
) -> pd.DataFrame:
    """Comments matching the filters (columns :data:`EXAMPLE_COLUMNS`), each text once:
    the strongest opinions first, or the latest first (``latest``); ``words`` lists the
    sentiment words and the aspect word that decided."""
    data = mentions
    if aspect:
        data = data[data["aspect"] == aspect]
    if label:
        data = data[data["label"] == label]
    names = names or {}
    units = pd.Series(
        [_unit_name(names, u) for u in data["unit_pk"]],
        index=data.index, dtype=object,
    )  # fmt: skip
    if unit:
        data, units = data[units == unit], units[units == unit]
    labels, _start = _period_labels(data["at"], period_kind)
    if period:
        keep = labels == period
        data, units, labels = data[keep], units[keep], labels[keep]
    ranked = data.assign(_strength=data["score"].abs(), _at=pd.to_datetime(data["at"], utc=True))
    ranked = ranked.sort_values(["_at", "_strength"] if latest else ["_strength", "_at"],
                                ascending=False, kind="stable")  # fmt: skip
    # a comment about three aspects is shown once (by its strongest mention)
    order = ranked.drop_duplicates("text").index[:limit]
    data = data.loc[order]
    words = [[*_words(c), w] for c, w in zip(data["clause"], data["word"], strict=True)]
    return pd.DataFrame({
        "comment": data["comment"].astype(str), "source": data["source"],
        "customer_id": data["customer_id"], "unit": units.loc[order], "period": labels.loc[order],
        "at": data["at"], "aspect": data["aspect"], "name": data["name"], "label": data["label"],
        "score": data["score"], "text": data["text"].astype(str), "words": words,
    }, columns=EXAMPLE_COLUMNS).reset_index(drop=True)  # fmt: skip


def segments(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (part, decided) pieces: the deciding words (case-insensitive,
    English ones as whole words) marked True. The parts are raw text: escape them."""
    found = [w for w in dict.fromkeys(words) if w]
    if not found:
        return [(text, False)]
    pattern = "|".join(
        re.escape(w) if not w.isascii() else rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])"
        for w in sorted(found, key=len, reverse=True)
    )
    out, at = [], 0
    for m in re.finditer(pattern, text, flags=re.IGNORECASE):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        out.append((m.group(), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def aspect_ipma(indicators: pd.DataFrame) -> pd.DataFrame:
    """Per aspect: its name, mentions, importance (effect of its sentiment on the survey
    score and on return) and performance (share praised, 0–100), most important first."""
    frame = ipma_frame(indicators)
    frame.insert(1, "name", indicators["name"].to_numpy())
    frame.insert(2, "mentions", indicators["mentions"].to_numpy())
    frame["effect_return"] = indicators["effect_return"].to_numpy()
    return frame.rename(columns={"construct": "aspect"}).sort_values(
        "importance", ascending=False, na_position="last", ignore_index=True
    )


@dataclass
class CommentsView:
    """What the comments page shows for one scope: the comments' aspect mentions, the
    aspects job (matrix), the trend job, and the choices of its filters."""

    mentions: pd.DataFrame
    aspects: JobResult
    trend: JobResult
    names: dict[Any, str]
    period: str = "Q"

    @property
    def aspect_choices(self) -> list[tuple[str, str]]:
        """(code, name) of every aspect of the taxonomy, in its order."""
        m = self.aspects.tables["matrix"]
        return list(zip(m["aspect"], m["name"], strict=True))

    @property
    def period_choices(self) -> list[str]:
        """The complete periods, latest first."""
        return sorted(self.trend.tables["by_period"]["period"], reverse=True)

    @property
    def unit_choices(self) -> list[str]:
        """The units that have aspect mentions, by name."""
        return sorted(self.trend.tables["by_unit"]["unit"].astype(str).unique())

    def examples(
        self,
        *,
        aspect: str | None = None,
        label: str | None = None,
        unit: str | None = None,
        period: str | None = None,
        limit: int = 20,
    ) -> pd.DataFrame:
        """The examples matching the filters; a filter value the view does not offer is
        refused with the filter's name."""
        from patron.analyze.text.lexicon import LABELS
        from patron.exceptions import InputError

        checks = (
            ("aspect", aspect, [c for c, _n in self.aspect_choices]),
            ("sentiment", label, list(LABELS)),
            ("unit", unit, self.unit_choices),
            ("period", period, self.period_choices),
        )
        for name, value, allowed in checks:
            if value and value not in allowed:
                raise InputError(
                    _("{name}: {value} is not one of {allowed}").format(
                        name=name, value=str(value)[:60], allowed=", ".join(map(str, allowed[:20]))
                    )
                )
        return examples(self.mentions, aspect=aspect, label=label, unit=unit, period=period,
                        period_kind=self.period, names=self.names, limit=limit, latest=True)  # fmt: skip


_VIEWS: dict[tuple[Any, ...], tuple[float, CommentsView]] = {}
_VIEWS_LOCK = threading.Lock()
CACHE_SECONDS = 600.0


def comments_view(
    workspace: Any, unit: str | None, *, period: str = "Q", lang: str | None = None
) -> CommentsView:
    """The comments page's view of ``unit`` (customers' own comments up to the latest
    data), kept for a while per process: tagging thousands of comments takes seconds."""
    from patron.core.i18n import language

    key = (str(workspace.root), unit, period, lang)
    with _VIEWS_LOCK:
        hit = _VIEWS.get(key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    from patron.exceptions import InputError

    with language(lang):
        ctx = AnalysisContext.open(workspace, unit=unit)
        try:
            ctx.as_of  # noqa: B018 - the last sale; comments without sales are read up to today
        except InputError:
            ctx = AnalysisContext.open(workspace, unit=unit, as_of=date.today())
        data = customer_comments(ctx)
        mentions, aspects = mentions_frame(ctx, frame=data)
        view = CommentsView(mentions, aspects, trend(ctx, period=period, frame=data),
                            unit_names(ctx), period)  # fmt: skip
    with _VIEWS_LOCK:
        _VIEWS[key] = (time.monotonic(), view)
    return view
