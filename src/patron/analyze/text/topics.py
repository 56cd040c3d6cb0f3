"""What do the comments that fit no aspect talk about, and which of those topics are new or growing?

Comments no aspect of the taxonomy catches are read into words (jieba for Chinese),
weighted by TF-IDF and clustered with MiniBatchKMeans; each cluster is named by the
words nearest its centre (its key phrases), so the taxonomy can grow.

A topic raises an alert when it is **new** (fewer than ``min_previous`` comments in the
previous period, at least ``min_count`` now) or **fast-growing** (its share of the
period's unlisted comments is at least ``growth`` times its share in the previous
period, with at least ``min_count`` comments now).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from patron.analyze.text.reading import read_comment, words
from patron.core.i18n import _
from patron.exceptions import InputError


@dataclass
class TopicResult:
    """Clusters of unlisted comments: one row per topic and each comment's topic."""

    topics: pd.DataFrame  # topic, key_phrases, comments, share, example
    assignments: pd.Series  # topic per comment (index of the input)


def find_topics(
    texts: pd.Series, *, n_topics: int = 8, seed: int = 0, top_words: int = 5
) -> TopicResult:
    """Cluster comments into at most ``n_topics`` topics named by their key phrases."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = pd.Series(texts)
    docs = texts.map(lambda t: " ".join(words(read_comment(t))))
    keep = docs.str.len() > 0
    if keep.sum() < 2:
        raise InputError(
            _("topics need at least two comments with words; got {n}").format(n=int(keep.sum()))
        )
    vectorizer = TfidfVectorizer(
        token_pattern=r"\S+", ngram_range=(1, 2), min_df=2, sublinear_tf=True
    )
    try:
        X = vectorizer.fit_transform(docs[keep])
    except ValueError:  # no word occurs twice
        vectorizer = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True)
        X = vectorizer.fit_transform(docs[keep])
    k = max(1, min(n_topics, X.shape[0] // 2))
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=1024).fit(X)
    vocab = np.asarray(vectorizer.get_feature_names_out())
    labels = pd.Series(-1, index=texts.index)
    labels[keep] = km.labels_
    rows = []
    for topic in range(k):
        members = np.flatnonzero(km.labels_ == topic)
        if not len(members):
            continue
        centre = km.cluster_centers_[topic]
        phrases = [str(w) for w in vocab[np.argsort(centre)[::-1][:top_words]]]
        # the member nearest the centre speaks for the topic
        nearest = members[np.argmax(X[members] @ centre)]
        rows.append(
            (topic, ", ".join(phrases), len(members), len(members) / X.shape[0],
             str(texts[keep].iloc[nearest])[:200])
        )  # fmt: skip
    table = pd.DataFrame(rows, columns=["topic", "key_phrases", "comments", "share", "example"])
    return TopicResult(table.sort_values("comments", ascending=False, ignore_index=True), labels)


def topic_alerts(
    topics: pd.Series,
    periods: pd.Series,
    *,
    growth: float = 2.0,
    min_count: int = 5,
    min_previous: int = 1,
) -> pd.DataFrame:
    """Topics new or fast-growing in the last period against the one before (see the
    module's text): topic, now, previous, share_now, share_previous, kind."""
    frame = pd.DataFrame({"topic": topics.values, "period": periods.astype(str).values})
    frame = frame[frame.topic >= 0]
    order = sorted(frame.period.unique())
    if len(order) < 2:
        return pd.DataFrame(
            columns=["topic", "now", "previous", "share_now", "share_previous", "kind"]
        )
    now, before = order[-1], order[-2]
    counts = frame.groupby(["topic", "period"]).size().unstack(fill_value=0)
    n_now, n_before = counts[now].sum(), counts[before].sum()
    rows = []
    for topic, row in counts.iterrows():
        a, b = int(row[now]), int(row[before])
        share_a = a / n_now if n_now else 0.0
        share_b = b / n_before if n_before else 0.0
        if a < min_count:
            continue
        if b < min_previous:
            kind = "new"
        elif share_b > 0 and share_a / share_b >= growth:
            kind = "growing"
        else:
            continue
        rows.append((topic, a, b, share_a, share_b, kind))
    return pd.DataFrame(
        rows, columns=["topic", "now", "previous", "share_now", "share_previous", "kind"]
    )
