"""Who is likely to leave, how sure we are, and why: a calibrated gradient-boosting churn model.

The model works on any table with one row per customer, an id column, a 0/1 (or yes/no)
label column and feature columns (numbers, or text read as categories). For a Patron
workspace the table comes from :mod:`patron.analyze.churn_data`, which builds the
features at a snapshot date and the label from the horizon after it, so nothing from the
future leaks into the features.

.. math::

    \\Pr(\\text{churn}_i = 1 \\mid x_i) = g\\Big(\\sigma\\big(\\textstyle\\sum_{m=1}^{M} f_m(x_i)\\big)\\Big)

where :math:`f_m` are LightGBM regression trees on the log-odds scale and :math:`g` the
calibration map (isotonic or Platt's sigmoid) learnt on held-out folds
(``CalibratedClassifierCV``). The reasons given for a customer are the features whose
TreeSHAP contributions (``pred_contrib=True``) push that customer's log-odds up the most.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone

from patron.analyze.base import PatronEstimator, summary_frame
from patron.analyze.churn_evaluation import (
    ChurnEvaluation,
    calibration_table,
    evaluate_predictions,
    lift_table,
)
from patron.analyze.churn_input import label_values, read_table, read_telco
from patron.analyze.churn_words import (
    FEATURE_NAMES,
    FEATURE_WORDING,
    describe_feature,
    feature_name,
    reason_lists,
)
from patron.core.i18n import _, format_number
from patron.core.printer import Printer
from patron.exceptions import InputError

__all__ = [
    "ChurnModel",
    "ChurnEvaluation",
    "evaluate_predictions",
    "lift_table",
    "calibration_table",
    "label_values",
    "read_table",
    "read_telco",
    "describe_feature",
    "feature_name",
    "FEATURE_NAMES",
    "FEATURE_WORDING",
]


class ChurnModel(PatronEstimator):
    """Calibrated LightGBM churn model with reasons in words.

    Parameters
    ----------
    label : str, default="churned"
        Column holding the outcome (1/0, yes/no, true/false).
    id_col : str or None, default="customer_id"
        Column naming the customer; when absent from the table the index is used.
    exclude : sequence of str, default=()
        Columns that are neither features nor label (e.g. a leaky "churn reason").
    n_estimators : int, default=400
    learning_rate : float, default=0.03
    num_leaves : int, default=8
    min_child_samples : int, default=40
    subsample, colsample : float, default=0.8
        Row bagging (every tree) and feature share per tree.
    reg_lambda : float, default=1.0
    calibration : {"auto", "isotonic", "sigmoid", "none"}, default="auto"
        ``auto`` uses isotonic regression from 5,000 customers on, else Platt's sigmoid.
    calibration_folds : int, default=3
        Folds of the calibration ensemble below 50,000 customers; from 50,000 on, one
        model is calibrated on a stratified 20 % holdout.
    max_train_rows : int or None, default=300_000
        Fit on a stratified sample of at most this many customers (the scores still cover
        everyone); keeps a million-customer base inside a minute.
    random_state : int, default=0
    n_jobs : int, default=2
        LightGBM threads for 200,000 training rows and more (one thread below that, where
        a second one only adds waiting: measured 7× slower at 50,000 rows on a busy
        2-core machine).

    Attributes
    ----------
    features_ : list of str
    categories_ : dict of str to list
        The categories each text feature had when fitted.
    booster_ : lightgbm.LGBMClassifier
        Fitted on all training rows; gives the reasons and feature importance.
    calibrated_ : sklearn.calibration.CalibratedClassifierCV or None
    calibration_method_ : str
        The calibration used (``isotonic``, ``sigmoid`` or ``none``).
    feature_importance_ : Series
        Mean absolute contribution to the log-odds (over at most 5,000 training rows),
        largest first.
    feature_importance_se_ : Series
        Its standard error over those rows (standard deviation / √rows), same order.
    base_rate_ : float
    n_customers_ : int
    notes_ : list of str
        What was done to the input (columns dropped, blanks, sampling).
    """

    def __init__(
        self,
        *,
        label: str = "churned",
        id_col: str | None = "customer_id",
        exclude: tuple[str, ...] | list[str] = (),
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 8,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample: float = 0.8,
        reg_lambda: float = 1.0,
        calibration: str = "auto",
        calibration_folds: int = 3,
        max_train_rows: int | None = 300_000,
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.label = label
        self.id_col = id_col
        self.exclude = exclude
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.reg_lambda = reg_lambda
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.max_train_rows = max_train_rows
        self.random_state = random_state
        self.n_jobs = n_jobs

    _fitted_attr: ClassVar[str] = "booster_"

    # -- input --------------------------------------------------------------------------
    def _split(self, table: pd.DataFrame, *, need_label: bool) -> tuple[pd.DataFrame, Any]:
        if not isinstance(table, pd.DataFrame):
            raise InputError(_("the churn model needs a pandas DataFrame"))
        frame = table
        if self.id_col and self.id_col in frame.columns:
            if frame[self.id_col].duplicated().any():
                dup = frame.loc[frame[self.id_col].duplicated(), self.id_col].iloc[0]
                raise InputError(
                    _("column {column} has duplicate entries (first: {value})").format(
                        column=self.id_col, value=dup
                    )
                )
            frame = frame.set_index(self.id_col)
        y = None
        if need_label:
            if self.label not in frame.columns:
                raise InputError(_("required column {column} missing").format(column=self.label))
            y = label_values(frame[self.label], column=self.label)
        drop = [c for c in (self.label, *self.exclude) if c in frame.columns]
        return frame.drop(columns=drop), y

    def _design(self, features: pd.DataFrame, *, fitting: bool) -> pd.DataFrame:
        """Numbers stay numbers, text becomes categories with the categories seen in fit."""
        if fitting:
            notes: list[str] = []
            kept, categories = [], {}
            for column in features.columns:
                series = features[column]
                if pd.api.types.is_bool_dtype(series):
                    kept.append(column)
                    continue
                if pd.api.types.is_numeric_dtype(series):
                    if series.notna().any():
                        kept.append(column)
                    continue
                if pd.api.types.is_datetime64_any_dtype(series):
                    notes.append(_("column {column} (a date) ignored").format(column=column))
                    continue
                numbers = pd.to_numeric(series.astype("string").str.strip(), errors="coerce")
                present = series.astype("string").str.strip().replace("", pd.NA).notna()
                if present.any() and numbers[present].notna().mean() > 0.99:
                    blanks = int(numbers.isna().sum())
                    if blanks:
                        notes.append(
                            _(
                                "{n} blank or non-numeric values in {column} treated as missing"
                            ).format(n=blanks, column=column)
                        )
                    categories[column] = None  # numeric text
                    kept.append(column)
                    continue
                levels = series.astype("string").dropna().unique()
                if len(levels) > max(50, len(series) // 20):
                    notes.append(
                        _("column {column} ignored: {n} distinct texts look like an id").format(
                            column=column, n=len(levels)
                        )
                    )
                    continue
                categories[column] = sorted(str(v) for v in levels)
                kept.append(column)
            if not kept:
                raise InputError(_("no usable feature columns in the table"))
            self.features_ = kept
            self.categories_ = categories
            self.notes_ = notes
        missing = [c for c in self.features_ if c not in features.columns]
        if missing:
            raise InputError(
                _("required column {column} missing").format(column=", ".join(missing))
            )
        out = {}
        for column in self.features_:
            series = features[column]
            levels = self.categories_.get(column, "numeric")
            if levels is None:
                out[column] = pd.to_numeric(series.astype("string").str.strip(), errors="coerce")
            elif levels == "numeric":
                out[column] = pd.to_numeric(series, errors="coerce").astype(float)
            else:
                out[column] = pd.Categorical(
                    series.astype("string").astype(object), categories=levels
                )
        return pd.DataFrame(out, index=features.index)

    def _classifier(self, rows: int | None = None):
        from lightgbm import LGBMClassifier

        # Below ~200k rows a second OpenMP thread costs more than it saves, and on a busy
        # machine it is 7–40× slower (threads spin waiting for each other every tree).
        threads = 1 if rows is not None and rows < 200_000 else self.n_jobs

        return LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample,
            reg_lambda=self.reg_lambda,
            # Text features with many levels (city) overfit small bases: smooth them hard.
            cat_smooth=50.0,
            cat_l2=20.0,
            min_data_per_group=200,
            random_state=self.random_state,
            n_jobs=threads,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )

    def _calibration_method(self, n: int) -> str:
        if self.calibration == "auto":
            return "isotonic" if n >= 5000 else "sigmoid"
        if self.calibration not in {"isotonic", "sigmoid", "none"}:
            raise InputError(
                _("calibration must be auto, isotonic, sigmoid or none, got: {value}").format(
                    value=self.calibration
                )
            )
        return self.calibration

    def _fit_design(self, X: pd.DataFrame, y: np.ndarray) -> None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold

        if len(np.unique(y)) < 2:
            raise InputError(
                _("the label {column} has a single value: nothing to learn").format(
                    column=self.label
                )
            )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*feature names.*")
            self.calibration_method_ = self._calibration_method(len(y))
            if len(y) < 50_000:
                self.booster_ = self._classifier(len(y)).fit(X, y)
            folds = min(self.calibration_folds, int(min(np.bincount(y))))
            if self.calibration_method_ == "none" or folds < 2:
                if not hasattr(self, "booster_") or len(y) >= 50_000:
                    self.booster_ = self._classifier(len(y)).fit(X, y)
                self.calibrated_ = None
            elif len(y) >= 50_000:
                # Large bases: one model and a calibrator on a 20 % holdout, instead of
                # a cross-validated ensemble (four fits) — same calibration, a quarter of
                # the time.
                from sklearn.frozen import FrozenEstimator
                from sklearn.model_selection import train_test_split

                fit_rows, held = train_test_split(
                    np.arange(len(y)), test_size=0.2, stratify=y, random_state=self.random_state
                )
                self.booster_ = self._classifier(len(fit_rows)).fit(X.iloc[fit_rows], y[fit_rows])
                self.calibrated_ = CalibratedClassifierCV(
                    FrozenEstimator(self.booster_), method=self.calibration_method_
                ).fit(X.iloc[held], y[held])
            else:
                cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
                self.calibrated_ = CalibratedClassifierCV(
                    self._classifier(len(y)), method=self.calibration_method_, cv=cv
                ).fit(X, y)

    def fit(self, table: pd.DataFrame) -> ChurnModel:
        """Learn churn from ``table`` (one row per customer, with the label column).

        Returns
        -------
        self
        """
        features, y = self._split(table, need_label=True)
        X = self._design(features, fitting=True)
        if self.max_train_rows and len(X) > self.max_train_rows:
            from sklearn.model_selection import train_test_split

            keep, _rest = train_test_split(
                np.arange(len(X)),
                train_size=self.max_train_rows,
                stratify=y,
                random_state=self.random_state,
            )
            keep = np.sort(keep)
            self.notes_.append(
                _("fitted on a stratified sample of {n} of {total} customers").format(
                    n=format_number(len(keep)), total=format_number(len(X))
                )
            )
            X, y = X.iloc[keep], y[keep]
        self._fit_design(X, y)
        self.n_customers_ = len(y)
        self.base_rate_ = float(y.mean())
        # Contributions cost far more than predictions: 5,000 rows rank the features as
        # well as all of them.
        if len(X) > 5_000:
            rows = np.random.default_rng(self.random_state).choice(len(X), 5_000, replace=False)
            X = X.iloc[np.sort(rows)]
        size = self._contributions(X).abs()
        importance = size.mean().sort_values(ascending=False, kind="stable")
        self.feature_importance_ = importance.rename("importance")
        self.feature_importance_se_ = (
            size.std(ddof=1).reindex(importance.index) / np.sqrt(len(size))
        ).rename("se")
        return self

    # -- answers ------------------------------------------------------------------------
    def _proba_design(self, X: pd.DataFrame) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*feature names.*")
            if self.calibrated_ is not None:
                return self.calibrated_.predict_proba(X)[:, 1]
            return self.booster_.predict_proba(X)[:, 1]

    def predict_proba(self, table: pd.DataFrame) -> pd.Series:
        """Calibrated probability of churn per customer (indexed by the id column)."""
        self.check_is_fitted()
        features, _y = self._split(table, need_label=False)
        X = self._design(features, fitting=False)
        return pd.Series(self._proba_design(X), index=X.index, name="churn_probability")

    def _contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*feature names.*")
            raw = self.booster_.predict(X, pred_contrib=True)
        return pd.DataFrame(np.asarray(raw)[:, :-1], index=X.index, columns=self.features_)

    def contributions(self, table: pd.DataFrame) -> pd.DataFrame:
        """Each feature's TreeSHAP contribution to each customer's log-odds of churn."""
        self.check_is_fitted()
        features, _y = self._split(table, need_label=False)
        return self._contributions(self._design(features, fitting=False))

    def reasons(self, table: pd.DataFrame, *, top: int = 3) -> pd.Series:
        """Per customer, up to ``top`` reasons in words, strongest first.

        A reason is a feature whose contribution raises that customer's risk (positive
        log-odds contribution), worded from the customer's own value.
        """
        self.check_is_fitted()
        features, _y = self._split(table, need_label=False)
        X = self._design(features, fitting=False)
        contrib = self._contributions(X).to_numpy()
        return pd.Series(
            reason_lists(contrib, features, self.features_, top=top),
            index=X.index,
            name="reasons",
        )

    def score(
        self, table: pd.DataFrame, *, top: int = 3, reasons_for: int | None = None
    ) -> pd.DataFrame:
        """Probability, risk decile (1 = riskiest) and reasons per customer, riskiest first.

        ``reasons_for`` limits the reasons to that many riskiest customers (the others get
        an empty list): contributions cost more than probabilities on a large base.
        """
        self.check_is_fitted()
        features, _y = self._split(table, need_label=False)
        X = self._design(features, fitting=False)
        proba = self._proba_design(X)
        order = np.argsort(-proba, kind="stable")
        decile = np.empty(len(proba), dtype=int)
        decile[order] = np.arange(len(proba)) * 10 // max(len(proba), 1) + 1
        chosen = order if reasons_for is None else order[:reasons_for]
        reasons: list[list[str]] = [[] for _i in range(len(proba))]
        if len(chosen):
            contrib = self._contributions(X.iloc[chosen]).to_numpy()
            worded = reason_lists(contrib, features.iloc[chosen], self.features_, top=top)
            for position, words in zip(chosen, worded, strict=True):
                reasons[position] = words
        frame = pd.DataFrame(
            {"churn_probability": proba, "risk_decile": decile, "reasons": reasons},
            index=X.index,
        )
        frame.index.name = self.id_col or frame.index.name
        return frame.iloc[order]

    def cross_validate(
        self, table: pd.DataFrame, *, folds: int = 5, seed: int = 0
    ) -> ChurnEvaluation:
        """Stratified k-fold out-of-sample evaluation of this configuration (whole pipeline)."""
        from sklearn.model_selection import StratifiedKFold

        features, y = self._split(table, need_label=True)
        X = self._design(features, fitting=True)
        proba = np.zeros(len(y))
        masks = []
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(X, y):
            part = clone(self)
            part.features_, part.categories_ = self.features_, self.categories_
            part._fit_design(X.iloc[train], y[train])
            proba[test] = part._proba_design(X.iloc[test])
            mask = np.zeros(len(y), dtype=bool)
            mask[test] = True
            masks.append(mask)
        return evaluate_predictions(
            y, proba, index=X.index, folds=masks, method=_("{k}-fold stratified CV").format(k=folds)
        )

    def _summary(self) -> pd.DataFrame:
        """Each feature's mean |contribution| to the log-odds (``coef``) over the rows used
        for importance, with its standard error (std / √rows), interval, z and p."""
        return summary_frame(
            self.feature_importance_.to_numpy(),
            self.feature_importance_se_.to_numpy(),
            index=self.feature_importance_.index,
            name="feature",
        )

    def drivers(self) -> pd.DataFrame:
        """What drives churn, in words: per feature its name in the current language
        (``feature``), mean |contribution| to the log-odds (``importance``) and its share
        of the total (``share``), largest first; indexed by the column name."""
        self.check_is_fitted()
        imp = self.feature_importance_
        total = imp.sum()
        return pd.DataFrame(
            {
                "feature": [feature_name(f) for f in imp.index],
                "importance": imp.to_numpy(),
                "share": (imp / total).to_numpy() if total else np.nan,
            },
            index=pd.Index(imp.index, name="column"),
        )

    def _printer(self, decimals: int = 3) -> Printer:
        return Printer(
            title=_("Churn model fitted on {n} customers").format(
                n=format_number(self.n_customers_)
            ),
            facts={
                _("churn rate"): self.base_rate_,
                _("features"): len(self.features_),
                _("calibration"): self.calibration_method_,
            },
            tables=[(_("What drives churn"), self.drivers().head(15))],
            notes=list(self.notes_),
            decimals=decimals,
        )
