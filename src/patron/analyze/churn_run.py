"""Churn risk for a customer base today: train on a past snapshot, backtest, score everyone.

With a horizon ``h`` and the data ending on ``as_of``: the model learns from the
customers as they were on ``as_of − h`` and who of them bought again by ``as_of``; the
backtest trains the same way one horizon earlier (snapshot ``as_of − 2h``) and checks its
predictions against what happened in ``(as_of − h, as_of]``, so every reported figure
is out of time as well as out of sample; finally every customer is scored as of
``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.churn import ChurnEvaluation, ChurnModel, evaluate_predictions
from patron.analyze.churn_data import CustomerHistory, churn_table, parse_horizon
from patron.core.i18n import _, format_date, format_number, format_percent
from patron.core.printer import Printer
from patron.exceptions import InputError

__all__ = ["ChurnRun", "predict_churn"]


@dataclass
class ChurnRun:
    """The outcome of :func:`predict_churn`.

    Attributes
    ----------
    model : ChurnModel
        Fitted at ``train_snapshot``.
    scores : DataFrame
        Per customer as of ``as_of``: ``churn_probability``, ``risk_decile``, ``reasons``,
        riskiest first, indexed by ``customer_id``.
    evaluation : ChurnEvaluation or None
        The out-of-time backtest (None when the data are shorter than two horizons).
    """

    model: ChurnModel
    scores: pd.DataFrame
    evaluation: ChurnEvaluation | None
    as_of: date
    horizon: timedelta
    train_snapshot: date
    features: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def score_rows(self) -> pd.DataFrame:
        """Rows for :func:`patron.collect.scores.write_scores` (metric ``churn_risk``)."""
        scores = self.scores
        return pd.DataFrame(
            {
                "customer_id": scores.index.astype(str),
                "metric": "churn_risk",
                "value": scores["churn_probability"].to_numpy(),
                "label": [f"decile {d}" for d in scores["risk_decile"]],
                "detail": [
                    {"reasons": list(r), "horizon_days": self.horizon.days}
                    for r in scores["reasons"]
                ],
            }
        )

    def to_dict(self, *, top: int = 20) -> dict[str, Any]:
        head = self.scores.head(top)
        return {
            "as_of": self.as_of.isoformat(),
            "horizon_days": self.horizon.days,
            "train_snapshot": self.train_snapshot.isoformat(),
            "customers": len(self.scores),
            "mean_probability": float(self.scores["churn_probability"].mean()),
            "drivers": self.model.summary().reset_index().head(15).to_dict(orient="records"),
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
            "top": [
                {
                    "customer_id": str(cid),
                    "churn_probability": float(row.churn_probability),
                    "reasons": list(row.reasons),
                }
                for cid, row in head.iterrows()
            ],
            "notes": self.notes,
        }

    def printer(self, *, top: int = 15) -> Printer:
        head = self.scores.head(top)
        table = pd.DataFrame(
            {
                _("churn probability"): head["churn_probability"].to_numpy(),
                _("reasons"): ["; ".join(r) for r in head["reasons"]],
            },
            index=pd.Index(head.index.astype(str), name=_("customer")),
        )
        facts: dict[str, Any] = {
            _("as of"): format_date(self.as_of),
            _("horizon (days)"): self.horizon.days,
            _("customers scored"): len(self.scores),
            _("mean churn probability"): format_percent(
                float(self.scores["churn_probability"].mean())
            ),
        }
        if self.evaluation is not None:
            facts[_("backtest ROC AUC")] = self.evaluation.roc_auc
            facts[_("backtest PR AUC")] = self.evaluation.pr_auc
            facts[_("top-decile lift")] = float(self.evaluation.lift["lift"].iloc[0])
        return Printer(
            title=_("Churn risk over the next {days} days").format(days=self.horizon.days),
            facts=facts,
            tables=[
                (_("What drives churn"), self.model.summary().head(10)),
                (_("Customers most at risk"), table),
            ],
            notes=self.notes + list(self.model.notes_),
        )


def predict_churn(
    history: CustomerHistory,
    *,
    as_of: date | str | None = None,
    horizon: str | int | timedelta = "90d",
    model: ChurnModel | None = None,
    backtest: bool = True,
    top_reasons: int = 3,
    active_within: str | int | timedelta | None = "2y",
    reasons_for: int | None = None,
) -> ChurnRun:
    """Fit on ``as_of − horizon``, backtest one horizon earlier, score everyone at ``as_of``.

    ``as_of`` defaults to the day of the last purchase in the data. Only customers who
    bought within ``active_within`` before each snapshot are modelled and scored (the
    rest have already lapsed: a win-back list, not a churn risk). ``reasons_for`` words
    the reasons of only that many riskiest customers (all when None).
    """
    span = parse_horizon(horizon)
    if as_of is None:
        as_of = history.last_event.date()
    elif isinstance(as_of, str):
        as_of = date.fromisoformat(as_of[:10])
    train_at = as_of - span
    notes: list[str] = list(history.notes)
    base = model or ChurnModel()
    params = {**base.get_params(), "label": "churned", "id_col": "customer_id"}
    evaluation = None
    back_test = None
    # The model learns from at most ``max_train_rows`` customers: on a larger base the
    # past snapshots are built for a random sample of three times that many (training
    # and backtest), and only today's table covers everyone.
    learn_from = history
    limit = base.max_train_rows
    everyone = pd.unique(history.orders["customer_id"])
    if limit and len(everyone) > 3 * limit:
        rng = np.random.default_rng(base.random_state)
        chosen = rng.choice(everyone, size=3 * limit, replace=False)
        learn_from = history.restrict(chosen)
        notes.append(
            _("trained and backtested on a random {n} of {total} customers").format(
                n=format_number(len(chosen)), total=format_number(len(everyone))
            )
        )
    if backtest:
        back_at = as_of - 2 * span
        try:
            back_test = churn_table(learn_from, train_at, horizon=span, active_within=active_within)
            back_train = churn_table(learn_from, back_at, horizon=span, active_within=active_within)
        except InputError as exc:
            notes.append(_("no backtest: {reason}").format(reason=exc))
        else:
            if back_train["churned"].nunique() == 2 and back_test["churned"].nunique() == 2:
                checker = ChurnModel(**params).fit(back_train)
                proba = checker.predict_proba(back_test.drop(columns=["churned"]))
                evaluation = evaluate_predictions(
                    back_test["churned"].to_numpy(),
                    proba.to_numpy(),
                    index=proba.index,
                    method=_("backtest: trained {train}, tested {test}").format(
                        train=format_date(back_at), test=format_date(train_at)
                    ),
                )
                evaluation.fold_roc_auc = [evaluation.roc_auc]
                evaluation.fold_pr_auc = [evaluation.pr_auc]
    # The backtest's test table is the training table: build it once.
    if back_test is None:
        back_test = churn_table(learn_from, train_at, horizon=span, active_within=active_within)
    train = back_test
    fitted = ChurnModel(**params).fit(train)
    today = churn_table(history, as_of, active_within=active_within)
    scores = fitted.score(today, top=top_reasons, reasons_for=reasons_for)
    notes.append(
        _(
            "trained on {n} customers as of {date}; {rate} did not buy in the next {days} days"
        ).format(
            n=format_number(len(train)),
            date=format_date(train_at),
            rate=format_percent(float(train["churned"].mean())),
            days=span.days,
        )
    )
    return ChurnRun(
        model=fitted,
        scores=scores,
        evaluation=evaluation,
        as_of=as_of,
        horizon=span,
        train_snapshot=train_at,
        features=today.set_index("customer_id"),
        notes=notes,
    )
