"""How well churn is predicted on customers the model did not see: AUCs, lift, calibration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.core.printer import Printer

__all__ = ["ChurnEvaluation", "calibration_table", "evaluate_predictions", "lift_table"]


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
