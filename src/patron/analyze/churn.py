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

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import N_, _, format_number, format_percent, ngettext
from patron.core.printer import Printer
from patron.exceptions import InputError, NotFittedError, StatisticalWarning

__all__ = [
    "ChurnModel",
    "ChurnEvaluation",
    "label_values",
    "read_table",
    "read_telco",
    "describe_feature",
    "FEATURE_WORDING",
]

_TRUE = {"1", "yes", "y", "true", "t", "churn", "churned", "left"}
_FALSE = {"0", "no", "n", "false", "f", "stayed", "retained", "active"}


def label_values(series: pd.Series, *, column: str = "label") -> np.ndarray:
    """A label column as 0/1 integers; yes/no, true/false and 1/0 are understood.

    Raises
    ------
    InputError
        When a value is missing or not one of the understood forms (the first such row
        is named).
    """
    if pd.api.types.is_bool_dtype(series):
        return series.astype(int).to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        bad = ~series.isin([0, 1])
        if bad.any():
            where = series.index[bad.to_numpy()][0]
            raise InputError(
                _("label column {column}: value {value!r} in row {row} is not 0 or 1").format(
                    column=column, value=series[where], row=where
                )
            )
        return series.astype(int).to_numpy()
    text = series.astype("string").str.strip().str.lower()
    out = np.full(len(text), -1, dtype=int)
    out[text.isin(_TRUE).fillna(False).to_numpy()] = 1
    out[text.isin(_FALSE).fillna(False).to_numpy()] = 0
    if (out < 0).any():
        position = int(np.flatnonzero(out < 0)[0])
        raise InputError(
            _(
                "label column {column}: value {value!r} in row {row} is not yes/no, true/false or 1/0"
            ).format(column=column, value=series.iloc[position], row=series.index[position])
        )
    return out


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet table of customers (the ``patron churn TABLE`` input)."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: file not found").format(path=path))
    suffix = "".join(path.suffixes).lower()
    try:
        if suffix.endswith(".parquet"):
            return pd.read_parquet(path)
        return pd.read_csv(path, low_memory=False)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(
            _("{path} cannot be read as a table: {reason}").format(path=path, reason=exc)
        ) from exc


def read_telco(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The IBM Telco churn CSV, with its blank ``TotalCharges`` cells handled and reported.

    The 11 blank cells all belong to customers with ``tenure`` 0: they signed up in the
    month of the extract and have not been billed yet, so their total charge is 0, not
    unknown. Returns the table and the notes saying what was done.
    """
    frame = read_table(path)
    for column in ("customerID", "tenure", "TotalCharges", "Churn"):
        if column not in frame.columns:
            raise InputError(
                _("{path}: required column {column} missing").format(path=path, column=column)
            )
    total = pd.to_numeric(frame["TotalCharges"].astype("string").str.strip(), errors="coerce")
    blank = total.isna()
    notes = []
    new = blank & (frame["tenure"] == 0)
    if new.any():
        total[new] = 0.0
        notes.append(
            _("{n} blank TotalCharges set to 0: tenure 0, not billed yet (customers {ids})").format(
                n=int(new.sum()), ids=", ".join(frame.loc[new, "customerID"].astype(str))
            )
        )
    other = blank & ~new
    if other.any():
        notes.append(
            _("{n} blank TotalCharges with tenure > 0 left missing").format(n=int(other.sum()))
        )
    frame["TotalCharges"] = total.astype(float)
    return frame, notes


# ---------------------------------------------------------------------------------------
# Reasons in words
# ---------------------------------------------------------------------------------------


def _count(singular: str, plural: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        n = int(round(value))
        return ngettext(singular, plural, n).format(n=format_number(n))

    return say


def _days(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(n=format_number(int(round(value))))

    return say


def _score(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(score=format_number(value, decimals=0))

    return say


def _change(fell: str, rose: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        text = fell if value < 0 else rose
        return _(text).format(points=format_number(abs(value), decimals=0))

    return say


def _money(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(amount=format_number(value, decimals=0))

    return say


def _share(message: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        return _(message).format(share=format_percent(value, decimals=0))

    return say


def _nps(value: float) -> str:
    # The NPS class is coded 0 detractor, 1 passive, 2 promoter (see churn_data).
    names = {0: N_("detractor"), 1: N_("passive"), 2: N_("promoter")}
    return _("NPS class: {label}").format(label=_(names.get(int(round(value)), N_("unknown"))))


# How each feature of patron.analyze.churn_data reads in a sentence. Features not listed
# read "<name> is <value>" (e.g. Telco's "Contract is Month-to-month").
FEATURE_WORDING: dict[str, Callable[[float], str]] = {
    "complaints": _count(N_("{n} complaint"), N_("{n} complaints")),
    "complaints_open": _count(N_("{n} open complaint"), N_("{n} open complaints")),
    "complaints_unresolved": _count(
        N_("{n} unresolved complaint"), N_("{n} unresolved complaints")
    ),
    "complaints_resolved": _count(N_("{n} resolved complaint"), N_("{n} resolved complaints")),
    "complaints_365d": _count(
        N_("{n} complaint in the last year"), N_("{n} complaints in the last year")
    ),
    "days_to_resolve": _days(N_("complaints took {n} days to resolve")),
    "days_since_last_complaint": _days(N_("last complaint {n} days ago")),
    "days_since_last_purchase": _days(N_("{n} days since last purchase")),
    "days_since_first_purchase": _days(N_("customer for {n} days")),
    "purchases": _count(N_("{n} purchase"), N_("{n} purchases")),
    "purchases_365d": _count(
        N_("{n} purchase in the last year"), N_("{n} purchases in the last year")
    ),
    "purchase_trend": _change(
        N_("buying fell by {points} purchases a year"),
        N_("buying rose by {points} purchases a year"),
    ),
    "mean_days_between": _days(N_("buys every {n} days on average")),
    "silence_ratio": lambda v: _("silent for {ratio}× the usual gap between purchases").format(
        ratio=format_number(v, decimals=1)
    ),
    "revenue": _money(N_("total spend {amount}")),
    "revenue_365d": _money(N_("spend in the last year {amount}")),
    "mean_spend": _money(N_("average spend {amount}")),
    "discount_share": _share(N_("{share} of spend discounted")),
    "interactions": _count(N_("{n} contact"), N_("{n} contacts")),
    "service_contacts": _count(N_("{n} service contact"), N_("{n} service contacts")),
    "interactions_90d": _count(
        N_("{n} contact in the last 90 days"), N_("{n} contacts in the last 90 days")
    ),
    "days_since_last_interaction": _days(N_("last contact {n} days ago")),
    "days_since_last_survey": _days(N_("last survey answer {n} days ago")),
    "nps": _score(N_("would-recommend score {score} of 10")),
    "nps_class": _nps,
    "satisfaction": _score(N_("satisfaction score {score} of 100")),
    "expectations": _score(N_("expectations score {score} of 100")),
    "quality": _score(N_("quality score {score} of 100")),
    "value": _score(N_("value score {score} of 100")),
    "loyalty_intent": _score(N_("stated loyalty {score} of 100")),
    "complaint_score": _score(N_("complaint-handling score {score} of 100")),
    "image": _score(N_("image score {score} of 100")),
    "satisfaction_change": _change(
        N_("satisfaction score fell by {points} points"),
        N_("satisfaction score rose by {points} points"),
    ),
    "value_change": _change(
        N_("value score fell by {points} points"), N_("value score rose by {points} points")
    ),
    "quality_change": _change(
        N_("quality score fell by {points} points"), N_("quality score rose by {points} points")
    ),
}

# Plain names of the workspace features (for importance tables and the report).
FEATURE_NAMES: dict[str, str] = {
    "complaints": N_("complaints"),
    "complaints_open": N_("open complaints"),
    "complaints_unresolved": N_("unresolved complaints"),
    "complaints_resolved": N_("resolved complaints"),
    "complaints_365d": N_("complaints in the last year"),
    "days_to_resolve": N_("days to resolve complaints"),
    "days_since_last_complaint": N_("days since last complaint"),
    "days_since_last_purchase": N_("days since last purchase"),
    "days_since_first_purchase": N_("customer age (days)"),
    "purchases": N_("purchases"),
    "purchases_365d": N_("purchases in the last year"),
    "purchase_trend": N_("change in yearly purchases"),
    "mean_days_between": N_("mean days between purchases"),
    "silence_ratio": N_("silence against own rhythm"),
    "revenue": N_("total spend"),
    "revenue_365d": N_("spend in the last year"),
    "mean_spend": N_("average spend"),
    "discount_share": N_("discount share"),
    "interactions": N_("contacts"),
    "service_contacts": N_("service contacts"),
    "interactions_90d": N_("contacts in the last 90 days"),
    "days_since_last_interaction": N_("days since last contact"),
    "days_since_last_survey": N_("days since last survey answer"),
    "nps": N_("would-recommend score"),
    "nps_class": N_("NPS class"),
    "satisfaction": N_("satisfaction score"),
    "expectations": N_("expectations score"),
    "quality": N_("quality score"),
    "value": N_("value score"),
    "loyalty_intent": N_("stated loyalty"),
    "complaint_score": N_("complaint-handling score"),
    "image": N_("image score"),
    "satisfaction_change": N_("change in satisfaction score"),
    "value_change": N_("change in value score"),
    "quality_change": N_("change in quality score"),
}


# What a missing value means, where it means something.
_SURVEY = N_("no survey answer on record")
MISSING_WORDING: dict[str, str] = {
    "silence_ratio": N_("only one purchase so far"),
    "mean_days_between": N_("only one purchase so far"),
    "days_to_resolve": N_("no complaint resolved yet"),
    "days_since_last_complaint": N_("no complaint on record"),
    "days_since_last_interaction": N_("no contact on record"),
    "days_since_last_survey": _SURVEY,
    **dict.fromkeys(
        (
            "nps",
            "nps_class",
            "satisfaction",
            "expectations",
            "quality",
            "value",
            "loyalty_intent",
            "complaint_score",
            "image",
        ),
        _SURVEY,
    ),
}


def feature_name(feature: str) -> str:
    """A feature's name in the current language (unknown features keep their column name)."""
    return _(FEATURE_NAMES[feature]) if feature in FEATURE_NAMES else feature


def describe_feature(feature: str, value: Any) -> str:
    """One customer's value of one feature, in words ("3 unresolved complaints")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if feature in MISSING_WORDING:
            return _(MISSING_WORDING[feature])
        return _("no {feature} on record").format(feature=feature_name(feature))
    wording = FEATURE_WORDING.get(feature)
    if wording is not None and isinstance(value, int | float | np.integer | np.floating):
        return wording(float(value))
    if isinstance(value, float | np.floating):
        shown = format_number(float(value), decimals=0 if float(value).is_integer() else 2)
    else:
        shown = str(value)
    return _("{feature} is {value}").format(feature=feature_name(feature), value=shown)


# ---------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------


@dataclass
class ChurnEvaluation:
    """How well churn is predicted on data the model did not see.

    Attributes
    ----------
    roc_auc, pr_auc : float
        Over all out-of-sample predictions pooled.
    fold_roc_auc, fold_pr_auc : list of float
        Per fold (cross-validation) or per snapshot (backtest).
    base_rate : float
        Share of customers who churned.
    lift : DataFrame
        By decile of predicted risk (1 = riskiest): customers, churners, churn rate,
        lift over the base rate, cumulative share of churners captured.
    calibration : DataFrame
        Mean predicted probability against observed churn rate per quantile bin.
    predictions : Series
        The out-of-sample probability per customer.
    """

    roc_auc: float
    pr_auc: float
    fold_roc_auc: list[float]
    fold_pr_auc: list[float]
    base_rate: float
    lift: pd.DataFrame
    calibration: pd.DataFrame
    predictions: pd.Series
    method: str = "cv"
    brier: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "fold_roc_auc": self.fold_roc_auc,
            "fold_pr_auc": self.fold_pr_auc,
            "base_rate": self.base_rate,
            "lift": self.lift.to_dict(orient="records"),
            "calibration": self.calibration.to_dict(orient="records"),
        }

    def printer(self) -> Printer:
        facts = {
            _("ROC AUC"): self.roc_auc,
            _("PR AUC"): self.pr_auc,
            _("Brier score"): self.brier,
            _("churn rate"): self.base_rate,
            _("ROC AUC by fold"): ", ".join(f"{v:.3f}" for v in self.fold_roc_auc),
        }
        return Printer(
            title=_("Churn prediction on unseen customers ({method})").format(method=self.method),
            facts=facts,
            tables=[(_("Lift by decile of risk"), self.lift)],
        )


def evaluate_predictions(
    y: np.ndarray, proba: np.ndarray, *, index: pd.Index | None = None, folds=None, method="cv"
) -> ChurnEvaluation:
    """ROC/PR AUC, lift by decile and the calibration table for out-of-sample predictions."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    fold_roc, fold_pr = [], []
    for mask in folds or []:
        if 0 < y[mask].sum() < mask.sum():
            fold_roc.append(float(roc_auc_score(y[mask], proba[mask])))
            fold_pr.append(float(average_precision_score(y[mask], proba[mask])))
    both = 0 < y.sum() < len(y)
    return ChurnEvaluation(
        roc_auc=float(roc_auc_score(y, proba)) if both else float("nan"),
        pr_auc=float(average_precision_score(y, proba)) if both else float("nan"),
        fold_roc_auc=fold_roc,
        fold_pr_auc=fold_pr,
        base_rate=float(y.mean()) if len(y) else float("nan"),
        lift=lift_table(y, proba),
        calibration=calibration_table(y, proba),
        predictions=pd.Series(proba, index=index, name="churn_probability"),
        method=method,
        brier=float(brier_score_loss(y, proba)) if len(y) else float("nan"),
    )


def lift_table(y: np.ndarray, proba: np.ndarray, *, groups: int = 10) -> pd.DataFrame:
    """Churn rate and lift by decile of predicted risk (decile 1 = highest risk)."""
    y = np.asarray(y, dtype=int)
    order = np.argsort(-np.asarray(proba), kind="stable")
    decile = np.empty(len(y), dtype=int)
    decile[order] = np.arange(len(y)) * groups // max(len(y), 1) + 1
    frame = pd.DataFrame({"decile": decile, "churned": y, "probability": proba})
    table = frame.groupby("decile").agg(
        customers=("churned", "size"),
        churners=("churned", "sum"),
        mean_probability=("probability", "mean"),
    )
    base = y.mean() if len(y) else float("nan")
    table["churn_rate"] = table["churners"] / table["customers"]
    table["lift"] = table["churn_rate"] / base if base else float("nan")
    total = table["churners"].sum()
    table["captured"] = table["churners"].cumsum() / total if total else float("nan")
    return table.reset_index()


def calibration_table(y: np.ndarray, proba: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability against observed churn rate, in quantile bins."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=int), "p": np.asarray(proba, dtype=float)})
    if frame.empty:
        return pd.DataFrame(columns=["bin", "customers", "predicted", "observed"])
    ranks = frame["p"].rank(method="first")
    frame["bin"] = np.ceil(ranks * bins / len(frame)).astype(int).clip(1, bins)
    table = frame.groupby("bin").agg(
        customers=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    return table.reset_index()


class ChurnModel:
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
    feature_importance_ : Series
        Mean absolute contribution to the log-odds (over at most 5,000 training rows),
        largest first.
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

    # -- scikit-learn habits -----------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> ChurnModel:
        for key, value in params.items():
            if key not in self.get_params():
                raise InputError(_("unknown parameter {name}").format(name=key))
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        if hasattr(self, "n_customers_"):
            return (
                f"<patron.ChurnModel: fitted on {self.n_customers_:,} customers, "
                f"{len(self.features_)} features>"
            )
        return "<patron.ChurnModel>"

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise NotFittedError(_("this ChurnModel is not fitted yet: call fit(table) first"))

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
            self._method = self._calibration_method(len(y))
            if len(y) < 50_000:
                self.booster_ = self._classifier(len(y)).fit(X, y)
            folds = min(self.calibration_folds, int(min(np.bincount(y))))
            if self._method == "none" or folds < 2:
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
                    FrozenEstimator(self.booster_), method=self._method
                ).fit(X.iloc[held], y[held])
            else:
                cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
                self.calibrated_ = CalibratedClassifierCV(
                    self._classifier(len(y)), method=self._method, cv=cv
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
        contributions = self._contributions(X)
        self.feature_importance_ = (
            contributions.abs().mean().sort_values(ascending=False).rename("importance")
        )
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
        self._check_fitted()
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
        self._check_fitted()
        features, _y = self._split(table, need_label=False)
        return self._contributions(self._design(features, fitting=False))

    def reasons(self, table: pd.DataFrame, *, top: int = 3) -> pd.Series:
        """Per customer, up to ``top`` reasons in words, strongest first.

        A reason is a feature whose contribution raises that customer's risk (positive
        log-odds contribution), worded from the customer's own value.
        """
        self._check_fitted()
        features, _y = self._split(table, need_label=False)
        X = self._design(features, fitting=False)
        contrib = self._contributions(X).to_numpy()
        return pd.Series(
            _reason_lists(contrib, features, self.features_, top=top),
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
        self._check_fitted()
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
            worded = _reason_lists(contrib, features.iloc[chosen], self.features_, top=top)
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
            part = _clone(self)
            part.features_, part.categories_ = self.features_, self.categories_
            part._fit_design(X.iloc[train], y[train])
            proba[test] = part._proba_design(X.iloc[test])
            mask = np.zeros(len(y), dtype=bool)
            mask[test] = True
            masks.append(mask)
        return evaluate_predictions(
            y, proba, index=X.index, folds=masks, method=_("{k}-fold stratified CV").format(k=folds)
        )

    def summary(self) -> pd.DataFrame:
        """Feature importance: mean |contribution| to the log-odds, with its share."""
        self._check_fitted()
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

    def printer(self) -> Printer:
        self._check_fitted()
        return Printer(
            title=_("Churn model fitted on {n} customers").format(
                n=format_number(self.n_customers_)
            ),
            facts={
                _("churn rate"): self.base_rate_,
                _("features"): len(self.features_),
                _("calibration"): self._method,
            },
            tables=[(_("What drives churn"), self.summary().head(15))],
            notes=list(self.notes_),
        )

    def print_summary(self, decimals: int = 3) -> None:
        printer = self.printer()
        printer.decimals = decimals
        printer.print()

    def _repr_html_(self) -> str:
        return self.printer().to_html() if hasattr(self, "booster_") else repr(self)


def _clone(model: ChurnModel) -> ChurnModel:
    return type(model)(**model.get_params())


def _reason_lists(
    contrib: np.ndarray, features: pd.DataFrame, names: list[str], *, top: int
) -> list[list[str]]:
    """Word the ``top`` positive contributions of each row (vectorised selection)."""
    n = contrib.shape[0]
    if n == 0:
        return []
    k = min(top, contrib.shape[1])
    idx = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    values = features[names].to_numpy(dtype=object)
    out: list[list[str]] = []
    for row in range(n):
        words: list[str] = []
        for j in idx[row]:
            if contrib[row, j] <= 0:
                break
            text = describe_feature(names[j], values[row, j])
            if text not in words:  # two rhythm features can say the same thing
                words.append(text)
        out.append(words)
    return out


def check_rate(rate: float) -> None:
    """Warn when a label is so rare or common that AUCs mean little."""
    if rate < 0.01 or rate > 0.99:
        warnings.warn(
            _("churn rate {rate} is extreme: the AUCs are unreliable").format(
                rate=format_percent(rate)
            ),
            StatisticalWarning,
            stacklevel=2,
        )
