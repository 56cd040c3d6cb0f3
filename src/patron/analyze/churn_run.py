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

import numpy as np
import pandas as pd
from sklearn.base import clone

from patron.analyze.churn import ChurnEvaluation, ChurnModel, evaluate_predictions
from patron.analyze.churn_data import CustomerHistory, churn_table, parse_horizon
from patron.core.i18n import _, format_date, format_number, format_percent
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
    features : DataFrame
        The table scored (features as of ``as_of``), indexed by ``customer_id``.
    train_customers, train_rate : int, float
        Customers the model learnt from at ``train_snapshot`` and the share of them who
        did not buy within the horizon (the churn rate).
    notes : list of str
        What was done (sampling, orders not counted, no backtest and why).
    """

    model: ChurnModel
    scores: pd.DataFrame
    evaluation: ChurnEvaluation | None
    as_of: date
    horizon: timedelta
    train_snapshot: date
    features: pd.DataFrame
    train_customers: int = 0
    train_rate: float = float("nan")
    notes: list[str] = field(default_factory=list)


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
    params = {"label": "churned", "id_col": "customer_id"}
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
                checker = clone(base).set_params(**params).fit(back_train)
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
    fitted = clone(base).set_params(**params).fit(train)
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
        train_customers=len(train),
        train_rate=float(train["churned"].mean()),
        notes=notes,
    )
