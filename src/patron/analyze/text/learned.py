"""What sentiment does a model learned from the firm's own rated comments give?

A survey comment arrives with its score, and the score is the label (``labels_from_scores``:
9–10 positive, 0–6 negative on a 0–10 scale, or any cut the firm chooses). The model is a
logistic regression on three views of each comment, each weighted by TF-IDF learned in
``fit``: character 1–3-grams (hashed: no vocabulary to store, Chinese needs no
segmentation), words (jieba for Chinese) 1–2-grams, and the zero-shot lexicon's valences
(so negation and degree words help a model learned from few comments). It is saved with
joblib in the workspace and loaded from there; nothing is downloaded.

``cross_validate`` gives the stratified k-fold accuracy and macro-F1 that ``patron text
score --evaluate`` prints and docs/text.md quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from patron.analyze.base import PatronEstimator
from patron.analyze.text.lexicon import LexiconSentiment, default_lexicon
from patron.analyze.text.reading import _EN_WORD, Comment, _jieba, read_comment
from patron.core.i18n import _
from patron.exceptions import InputError

N_FEATURES = 2**20


def labels_from_scores(
    scores: Any, *, low: float = 6.0, high: float = 9.0, three: bool = False
) -> pd.Series:
    """Labels from survey scores: ``positive`` at or above ``high``, ``negative`` at or
    below ``low``, ``neutral`` between (left out — ``None`` — unless ``three``)."""
    s = pd.to_numeric(pd.Series(scores), errors="coerce")
    out = pd.Series(
        np.where(s >= high, "positive", np.where(s <= low, "negative", "neutral")), dtype=object
    )
    drop = s.isna() | ((out == "neutral") & (not three))
    return out.where(~drop, None)


def _word_text(comment: Comment) -> str:
    text = comment.text.lower()
    if comment.language in ("zh", "mixed"):
        return " ".join(t for t in _jieba().lcut(text) if t.strip())
    return " ".join(_EN_WORD.findall(text))


class TextSentimentModel(PatronEstimator):
    """Sentiment learned from labelled comments (see the module's text).

    Parameters
    ----------
    C : float, default=8.0
        Inverse regularisation of the logistic regression.
    words : bool, default=True
        Use the word view (jieba for Chinese; slower to score than characters alone).
    lexicon : bool, default=True
        Use the zero-shot lexicon's valences as features.
    class_weight : "balanced" or None, default="balanced"
        Weigh classes by their rarity (helps the macro-F1 of three classes).
    """

    def __init__(
        self,
        C: float = 8.0,
        words: bool = True,
        lexicon: bool = True,
        class_weight: str | None = "balanced",
    ):
        self.C = C
        self.words = words
        self.lexicon = lexicon
        self.class_weight = class_weight

    # -- features ----------------------------------------------------------------------
    def _views(self, comments: list[Comment]) -> list[sparse.csr_matrix]:
        from sklearn.feature_extraction.text import HashingVectorizer

        texts = [c.text.lower() for c in comments]
        chars = HashingVectorizer(
            analyzer="char", ngram_range=(1, 3), n_features=N_FEATURES,
            alternate_sign=False, norm=None,
        )  # fmt: skip
        views = [chars.transform(texts).tocsr()]
        if self.words:
            words = HashingVectorizer(
                analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2),
                n_features=N_FEATURES, alternate_sign=False, norm=None,
            )  # fmt: skip
            views.append(words.transform([_word_text(c) for c in comments]).tocsr())
        return views

    def _lexicon_features(self, comments: list[Comment]) -> sparse.csr_matrix:
        scorer: LexiconSentiment = default_lexicon()
        rows = []
        for c in comments:
            s = scorer.score(c)
            pos = sum(w for _, w in s.words if w > 0)
            neg = sum(w for _, w in s.words if w < 0)
            rows.append([s.score, pos / 3.0, neg / 3.0, float(s.label == "negative")])
        return sparse.csr_matrix(np.asarray(rows, dtype=float))

    def _design(self, comments: list[Comment], fit: bool) -> sparse.csr_matrix:
        from sklearn.feature_extraction.text import TfidfTransformer

        views = self._views(comments)
        if fit:
            self.tfidf_ = [TfidfTransformer(sublinear_tf=True).fit(v) for v in views]
        parts = [t.transform(v) for t, v in zip(self.tfidf_, views, strict=True)]
        if self.lexicon:
            parts.append(self._lexicon_features(comments))
        return sparse.hstack(parts).tocsr()

    # -- the estimator -----------------------------------------------------------------
    def fit(self, texts: Any, labels: Any) -> TextSentimentModel:
        """Learn from comments and their labels (rows without a label or text are left out)."""
        from sklearn.linear_model import LogisticRegression

        comments, y = self._rows(texts, labels)
        if len(set(y)) < 2:
            raise InputError(
                _("the learned sentiment needs comments of at least two labels; got {n}").format(
                    n=len(set(y))
                )
            )
        X = self._design(comments, fit=True)
        self.model_ = LogisticRegression(
            C=self.C, max_iter=3000, class_weight=self.class_weight, solver="liblinear"
            if len(set(y)) == 2 else "lbfgs",
        ).fit(X, y)  # fmt: skip
        self.classes_ = self.model_.classes_
        self.n_comments_ = len(y)
        return self

    @staticmethod
    def _rows(texts: Any, labels: Any) -> tuple[list[Comment], np.ndarray]:
        texts = list(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise InputError(_("{n} comments but {m} labels").format(n=len(texts), m=len(labels)))
        comments, y = [], []
        for text, label in zip(texts, labels, strict=True):
            if label is None or (isinstance(label, float) and label != label):
                continue
            c = read_comment(text)
            if c.readable:
                comments.append(c)
                y.append(label)
        return comments, np.asarray(y)

    def predict_proba(self, texts: Any) -> np.ndarray:
        """Each class's probability per comment (columns in ``classes_`` order); an
        unreadable comment gets the prior of the training labels."""
        self._check_fitted()
        comments = [read_comment(t) for t in texts]
        ok = [i for i, c in enumerate(comments) if c.readable]
        out = np.tile(
            self.model_.class_weight_prior_ if False else self._prior(), (len(comments), 1)
        )
        if ok:
            out[ok] = self.model_.predict_proba(self._design([comments[i] for i in ok], False))
        return out

    def _prior(self) -> np.ndarray:
        return np.full(len(self.classes_), 1.0 / len(self.classes_))

    def predict(self, texts: Any) -> np.ndarray:
        """The most probable label per comment."""
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError(
                _("the sentiment model is not fitted: run `patron text score --learn`")
            )

    @property
    def summary(self) -> pd.DataFrame:
        """The words that weigh most for each class (columns: class, feature, coef)."""
        self._check_fitted()
        coef = np.atleast_2d(self.model_.coef_)
        return pd.DataFrame(
            {"class": list(self.classes_[-coef.shape[0]:]), "n_features": [coef.shape[1]] * coef.shape[0],
             "n_comments": [self.n_comments_] * coef.shape[0]}
        )  # fmt: skip

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Store the fitted model with joblib (a private file)."""
        import os

        import joblib

        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        os.chmod(path, 0o600)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TextSentimentModel:
        """A model saved by :meth:`save` (an error naming the file when it is not one)."""
        import joblib

        path = Path(path)
        if not path.is_file():
            raise InputError(
                _("no sentiment model at {path}: run `patron text score --learn`").format(path=path)
            )
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise InputError(_("{path} is not a Patron sentiment model").format(path=path))
        return model


@dataclass
class CrossValidation:
    """Stratified k-fold figures of a learned model: accuracy and macro-F1 per fold."""

    accuracy: list[float]
    macro_f1: list[float]
    n: int
    folds: int
    seed: int

    @property
    def mean_accuracy(self) -> float:
        return float(np.mean(self.accuracy))

    @property
    def mean_macro_f1(self) -> float:
        return float(np.mean(self.macro_f1))

    def __str__(self) -> str:
        return _("{folds}-fold CV on {n} comments: accuracy {acc:.4f}, macro-F1 {f1:.4f}").format(
            folds=self.folds, n=self.n, acc=self.mean_accuracy, f1=self.mean_macro_f1
        )


def cross_validate(
    texts: Any, labels: Any, *, folds: int = 5, seed: int = 0, progress: Any = None, **params: Any
) -> CrossValidation:
    """Stratified ``folds``-fold accuracy and macro-F1 of :class:`TextSentimentModel`
    (every fold fits its own TF-IDF weights: no information from the held-out comments)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from patron.core.progress import as_callback

    report = as_callback(progress)
    model = TextSentimentModel(**params)
    comments, y = model._rows(texts, labels)
    # the views are stateless (hashing), so build them once; TF-IDF is fitted per fold
    views = model._views(comments)
    lex = model._lexicon_features(comments) if model.lexicon else None
    acc, f1 = [], []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    for k, (train, test) in enumerate(splits):
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        parts_tr, parts_te = [], []
        for v in views:
            t = TfidfTransformer(sublinear_tf=True).fit(v[train])
            parts_tr.append(t.transform(v[train]))
            parts_te.append(t.transform(v[test]))
        if lex is not None:
            parts_tr.append(lex[train])
            parts_te.append(lex[test])
        Xtr, Xte = sparse.hstack(parts_tr).tocsr(), sparse.hstack(parts_te).tocsr()
        clf = LogisticRegression(
            C=model.C, max_iter=3000, class_weight=model.class_weight,
            solver="liblinear" if len(set(y)) == 2 else "lbfgs",
        ).fit(Xtr, y[train])  # fmt: skip
        pred = clf.predict(Xte)
        acc.append(float((pred == y[test]).mean()))
        f1.append(float(f1_score(y[test], pred, average="macro")))
        report("cross-validation", k + 1, folds)
    return CrossValidation(acc, f1, len(y), folds, seed)
