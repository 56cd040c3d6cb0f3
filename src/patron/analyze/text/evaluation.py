"""How well do the zero-shot and the learned sentiment agree with a labelled set of comments?

``evaluate_file`` is what ``patron text evaluate`` prints: the stratified k-fold
accuracy and macro-F1 of the learned model, and the zero-shot lexicon's accuracy on
the same comments. Labels are mapped to words: 1/0 → positive/negative; strings are
kept (positive, neutral, negative). A binary set counts the lexicon's ``neutral`` as
positive (it found no negative words) — said beside the figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.text.learned import cross_validate
from patron.analyze.text.lexicon import default_lexicon


def _words(labels: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(labels):
        return labels.map({1: "positive", 0: "negative", -1: "negative"})
    return labels.astype(str).str.lower()


def zero_shot(texts: Any, labels: Any) -> dict[str, float]:
    """The lexicon's accuracy (and macro-F1) on labelled comments."""
    from sklearn.metrics import f1_score

    y = _words(pd.Series(labels)).to_numpy()
    lex = default_lexicon()
    pred = np.asarray([lex.score(t).label or "neutral" for t in texts])
    if set(y) <= {"positive", "negative"}:
        pred = np.where(pred == "negative", "negative", "positive")
    return {
        "zero_shot_accuracy": round(float((pred == y).mean()), 4),
        "zero_shot_macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
    }


def evaluate_file(texts: Any, labels: Any, *, folds: int = 5, seed: int = 0, **params: Any) -> dict:
    """Zero-shot and learned figures on one labelled set."""
    texts = pd.Series(texts).fillna("")
    labels = _words(pd.Series(labels))
    cv = cross_validate(texts, labels, folds=folds, seed=seed, **params)
    return {
        "comments": cv.n,
        "learned_accuracy": round(cv.mean_accuracy, 4),
        "learned_macro_f1": round(cv.mean_macro_f1, 4),
        **zero_shot(texts, labels),
        "folds": folds,
        "seed": seed,
    }
