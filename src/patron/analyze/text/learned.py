"""What sentiment does a model learned from the firm's own rated comments give?

A survey comment arrives with its score, and the score is the label (``labels_from_scores``:
9–10 positive, 0–6 negative on a 0–10 scale, or any cut the firm chooses).

The model (``method="stack"``, the default) reads each comment in four views and lets a
small logistic regression weigh them (stacking, Wolpert 1992):

- **characters** — character 1–3-grams, TF-IDF (sublinear tf) learned in ``fit``; Chinese
  needs no segmentation for them;
- **words** — word 1–2-grams (jieba for Chinese, with the words a negator such as 不/没有
  governs marked, so "不 干净" is not "干净"), TF-IDF;
- **ending** — character 1–3-grams of the comment's last 25 characters (a guest's
  verdict is often the last sentence: "…总之不会再来");
- **lexicon** — the zero-shot lexicon's valences (its negation and degree words help a
  model learned from few comments).

Each text view has its own linear SVM; their decision values on held-out folds of the
training comments (inner stratified k-fold) are the inputs of the logistic regression,
which also gives calibrated probabilities. ``method="single"`` is one logistic
regression on all views side by side (the first version; also the fallback when a class
has too few comments for the inner folds). The n-grams are hashed (no vocabulary to
store). It is saved with joblib in the workspace and loaded from there; nothing is
downloaded.

``cross_validate`` gives the stratified k-fold accuracy and macro-F1 that ``patron text
evaluate`` prints and docs/text.md quotes; every fold refits everything (TF-IDF, inner
folds, weights) on its training part only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from patron.analyze.base import PatronEstimator, summary_frame
from patron.analyze.text.lexicon import LexiconSentiment, default_lexicon
from patron.analyze.text.reading import _EN_WORD, Comment, _jieba, read_comment
from patron.core.i18n import _
from patron.exceptions import InputError

N_FEATURES = 2**20
#: Characters of a comment's end read by the ``ending`` view.
ENDING = 25
METHODS = ("stack", "single")


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


#: Chinese words that turn the meaning of the next :data:`NEGATION_SCOPE` words.
_ZH_NEGATORS = frozenset("不 没 没有 不是 别 无 未 不太 不够 不会 不能 不要 非".split())
NEGATION_SCOPE = 2
_CLAUSE_END = re.compile(r"[，。！？,.!?；;、~～\s]+")


def _negation_scope(tokens: list[str]) -> list[str]:
    """Mark the words a negator governs ("不 干净" → "不 NOT_干净"), up to
    :data:`NEGATION_SCOPE` words and never past a clause's end (Das & Chen 2001; Pang,
    Lee & Vaithyanathan 2002): "不干净" and "干净" then are different features, also as
    single words, not only as the bigram."""
    out, scope = [], 0
    for token in tokens:
        if token in _ZH_NEGATORS:
            out.append(token)
            scope = NEGATION_SCOPE
        elif _CLAUSE_END.fullmatch(token):
            out.append("|")
            scope = 0
        else:
            out.append("NOT_" + token if scope else token)
            scope = max(0, scope - 1)
    return out


def _word_text(comment: Comment) -> str:
    text = comment.text.lower()
    if comment.language in ("zh", "mixed"):
        return " ".join(_negation_scope([t for t in _jieba().lcut(text) if t.strip()]))
    return " ".join(_EN_WORD.findall(text))


@dataclass
class _Views:
    """The stateless views of some comments (hashed counts, lexicon valences), built once
    and sliced by row: cross-validation reuses them across folds."""

    text: dict[str, sparse.csr_matrix]  # name -> raw counts
    lexicon: np.ndarray | None

    def rows(self, index: Any) -> _Views:
        lex = None if self.lexicon is None else self.lexicon[index]
        return _Views({k: v[index] for k, v in self.text.items()}, lex)

    def __len__(self) -> int:
        return next(iter(self.text.values())).shape[0]


def _hashing(analyzer: str, ngrams: tuple[int, int]) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=analyzer, ngram_range=ngrams, n_features=N_FEATURES, alternate_sign=False,
        norm=None, token_pattern=r"\S+" if analyzer == "word" else None, lowercase=False,
    )  # fmt: skip


class TextSentimentModel(PatronEstimator):
    """Sentiment learned from labelled comments (see the module's text).

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation of each view's linear SVM (``stack``) or of the logistic
        regression (``single``; the first version used 8).
    words : bool, default=True
        Use the word view (jieba for Chinese; slower to score than characters alone).
    lexicon : bool, default=True
        Use the zero-shot lexicon's valences as features.
    class_weight : "balanced" or None, default=None
        Weigh classes by their rarity: raises the macro-F1 of unequal classes at some
        cost in accuracy (reviews_zh 5-fold, before the negation marks: 0.9062
        unweighted, 0.8988 balanced).
    method : "stack" or "single", default="stack"
        Views weighed by a logistic regression on held-out decision values, or one
        logistic regression on all views.
    ending : bool, default=True
        Use the view of the comment's last :data:`ENDING` characters (``stack`` only).
    inner_folds : int, default=4
        Folds of the training comments that give the stacking its held-out inputs.
    char_ngrams : (int, int), default=(1, 3)
        The lengths of the character n-grams of the characters view.
    word_ngrams : (int, int), default=(1, 2)
        The lengths of the word n-grams of the words view (reviews_zh 5-fold: 0.9093
        with 1–2, 0.9083 with 1–3; reviews_en: 1–3 cost 0.0008 accuracy
        in an unseeded run).
    """

    def __init__(
        self,
        C: float = 1.0,
        words: bool = True,
        lexicon: bool = True,
        class_weight: str | None = None,
        method: str = "stack",
        ending: bool = True,
        inner_folds: int = 4,
        char_ngrams: tuple[int, int] = (1, 3),
        word_ngrams: tuple[int, int] = (1, 2),
    ):
        self.C = C
        self.words = words
        self.lexicon = lexicon
        self.class_weight = class_weight
        self.method = method
        self.ending = ending
        self.inner_folds = inner_folds
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams

    # -- views -------------------------------------------------------------------------
    def _views(self, comments: list[Comment]) -> _Views:
        texts = [c.text.lower() for c in comments]
        chars = _hashing("char", tuple(self.char_ngrams))
        text = {"characters": chars.transform(texts).tocsr()}
        if self.words:
            words = [_word_text(c) for c in comments]
            # a model saved before word_ngrams existed read word 1–2-grams
            ngrams = tuple(getattr(self, "word_ngrams", (1, 2)))
            text["words"] = _hashing("word", ngrams).transform(words).tocsr()
        if self.ending and self.method == "stack":
            text["ending"] = _hashing("char", (1, 3)).transform([t[-ENDING:] for t in texts])
        return _Views(text, self._lexicon_features(comments) if self.lexicon else None)

    @staticmethod
    def _lexicon_features(comments: list[Comment]) -> np.ndarray:
        scorer: LexiconSentiment = default_lexicon()
        rows = []
        for c in comments:
            s = scorer.score(c)
            pos = sum(w for _, w in s.words if w > 0)
            neg = sum(w for _, w in s.words if w < 0)
            rows.append([s.score, pos / 3.0, neg / 3.0, float(s.label == "negative")])
        return np.asarray(rows, dtype=float).reshape(len(comments), 4)

    # -- fitting on views (cross_validate calls these per fold) -------------------------
    def _fit_views(self, views: _Views, y: np.ndarray) -> TextSentimentModel:
        from sklearn.feature_extraction.text import TfidfTransformer

        if self.method not in METHODS:
            raise InputError(
                _("method must be one of {methods}, not {method!r}").format(
                    methods=", ".join(METHODS), method=self.method
                )
            )
        self.tfidf_ = {k: TfidfTransformer(sublinear_tf=True).fit(v) for k, v in views.text.items()}
        weighted = self._weighted(views)
        counts = np.unique(y, return_counts=True)[1]
        inner = min(self.inner_folds, int(counts.min()))
        self.method_ = self.method if inner >= 2 else "single"
        if self.method_ == "single":
            self.view_names_ = list(weighted)
            self.members_ = {}
            self.model_ = self._single().fit(self._side_by_side(weighted), y)
        else:
            self._fit_stack(weighted, y, inner)
        self.classes_ = self.model_.classes_
        self.n_comments_ = len(y)
        return self

    def _weighted(self, views: _Views) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.tfidf_[k].transform(v) for k, v in views.text.items()}
        if views.lexicon is not None:
            out["lexicon"] = views.lexicon
        return out

    def _single(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)

    @staticmethod
    def _side_by_side(weighted: dict[str, Any]) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(v) for v in weighted.values()]).tocsr()

    def _member(self, name: str) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if name == "lexicon":
            return LogisticRegression(C=1.0, max_iter=2000, class_weight=self.class_weight)
        c = self.C / 2 if name == "ending" else self.C
        # liblinear shuffles with numpy's global state unless told: a fixed seed makes the
        # figures independent of what ran before in the process
        return LinearSVC(C=c, class_weight=self.class_weight, random_state=0)

    @staticmethod
    def _decision(model: Any, X: Any) -> np.ndarray:
        d = model.decision_function(X)
        return d[:, None] if d.ndim == 1 else d

    def _fit_stack(self, weighted: dict[str, Any], y: np.ndarray, inner: int) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        splits = list(
            StratifiedKFold(inner, shuffle=True, random_state=0).split(np.zeros(len(y)), y)
        )
        held_out, self.members_ = [], {}
        for name, X in weighted.items():
            width = 1 if len(np.unique(y)) == 2 else len(np.unique(y))
            column = np.zeros((len(y), width))
            for train, test in splits:
                column[test] = self._decision(self._member(name).fit(X[train], y[train]), X[test])
            held_out.append(column)
            self.members_[name] = self._member(name).fit(X, y)
        self.view_names_ = list(weighted)
        self.model_ = LogisticRegression(C=1.0, max_iter=2000, class_weight=self.class_weight).fit(
            np.hstack(held_out), y
        )

    def _proba_views(self, views: _Views) -> np.ndarray:
        weighted = self._weighted(views)
        if self.method_ == "single":
            return self.model_.predict_proba(self._side_by_side(weighted))
        inputs = [self._decision(self.members_[k], weighted[k]) for k in self.view_names_]
        return self.model_.predict_proba(np.hstack(inputs))

    # -- the estimator -----------------------------------------------------------------
    def fit(self, texts: Any, labels: Any) -> TextSentimentModel:
        """Learn from comments and their labels (rows without a label or text are left out)."""
        comments, y = self._rows(texts, labels)
        if len(set(y)) < 2:
            raise InputError(
                _("the learned sentiment needs comments of at least two labels; got {n}").format(
                    n=len(set(y))
                )
            )
        return self._fit_views(self._views(comments), y)

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
        unreadable comment gets the uninformed 1/k."""
        self._check_fitted()
        comments = [read_comment(t) for t in texts]
        ok = [i for i, c in enumerate(comments) if c.readable]
        out = np.full((len(comments), len(self.classes_)), 1.0 / len(self.classes_))
        if ok:
            out[ok] = self._proba_views(self._views([comments[i] for i in ok]))
        return out

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
        """How much each view weighs in the final logistic regression (``stack``: one row
        per view and class column; ``single``: one row per class with its intercept).
        Columns: :data:`~patron.analyze.base.SUMMARY_COLUMNS` (no standard errors)."""
        self._check_fitted()
        coef = np.atleast_2d(self.model_.coef_)
        if self.method_ == "single":
            names = [f"intercept {c}" for c in self.classes_[-coef.shape[0] :]]
            return summary_frame(np.atleast_1d(self.model_.intercept_), index=names, name="term")
        width = coef.shape[1] // len(self.view_names_)
        names, values = [], []
        for row, cls in zip(coef, self.classes_[-coef.shape[0] :], strict=True):
            for j, view in enumerate(self.view_names_):
                for k in range(width):
                    suffix = f" {self.classes_[k]}" if width > 1 else ""
                    names.append(f"{cls}: {view}{suffix}")
                    values.append(row[j * width + k])
        return summary_frame(values, index=names, name="term")

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
    (every fold fits its own TF-IDF weights, inner folds and view weights: nothing from
    the held-out comments is used)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from patron.core.progress import as_callback

    report = as_callback(progress)
    model = TextSentimentModel(**params)
    comments, y = model._rows(texts, labels)
    # the views are stateless (hashing, lexicon), so they are built once for all folds
    views = model._views(comments)
    acc, f1 = [], []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    for k, (train, test) in enumerate(splits):
        part = TextSentimentModel(**params)._fit_views(views.rows(train), y[train])
        pred = part.classes_[part._proba_views(views.rows(test)).argmax(axis=1)]
        acc.append(float((pred == y[test]).mean()))
        f1.append(float(f1_score(y[test], pred, average="macro")))
        report("cross-validation", k + 1, folds)
    return CrossValidation(acc, f1, len(y), folds, seed)
