"""ChurnModel keeps the estimator contract: summary in the shared columns, drivers in words,
scikit-learn's params and clone, one "not fitted" error."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from patron.analyze.base import SUMMARY_COLUMNS
from patron.analyze.churn import ChurnModel
from patron.analyze.churn_data import churn_table
from patron.exceptions import NotFittedError

sys.path.insert(0, str(Path(__file__).parent))
from churn_factories import simulated_history  # noqa: E402


@pytest.fixture(scope="module")
def table():
    history, _truth = simulated_history(n=600)
    return churn_table(history, "2025-06-30", horizon="180d")


def test_summary_is_mean_absolute_contribution_with_its_standard_error(table):
    model = ChurnModel(n_estimators=60)
    assert model.fit(table) is model
    summary = model.summary
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert summary.index.name == "feature"
    assert list(summary.index) == list(model.feature_importance_.index)
    # coef and se by hand: |contribution| of every training row (fewer than 5,000 rows).
    size = model.contributions(table.drop(columns="churned")).abs()
    assert len(size) == len(table) < 5_000
    np.testing.assert_allclose(summary["coef"], size.mean()[summary.index], rtol=1e-12)
    np.testing.assert_allclose(
        summary["se"], size.std(ddof=1)[summary.index] / np.sqrt(len(size)), rtol=1e-12
    )
    top = summary.iloc[0]
    assert top["lower 95%"] == pytest.approx(top["coef"] - 1.959964 * top["se"], rel=1e-6)
    assert top["z"] == pytest.approx(top["coef"] / top["se"])
    assert top["p"] < 0.001
    # The words: the same importance, named, with its share.
    drivers = model.drivers()
    assert list(drivers.columns) == ["feature", "importance", "share"]
    np.testing.assert_allclose(drivers["importance"], summary["coef"])
    assert drivers["share"].sum() == pytest.approx(1.0)
    assert drivers.loc["days_since_last_purchase", "feature"] == "days since last purchase"
    assert "What drives churn" in model.print_summary(style="html")
    assert "What drives churn" in model._repr_html_()


def test_params_clone_and_one_not_fitted_error(table):
    model = ChurnModel(n_estimators=60, exclude=["purchases"])
    assert model.get_params()["exclude"] == ["purchases"]
    copy = clone(model.set_params(num_leaves=4))
    assert copy.get_params() == model.get_params() and not copy.is_fitted
    for call in (
        lambda: copy.summary,
        copy.drivers,
        copy.print_summary,
        lambda: copy.predict_proba(table),
        lambda: copy.score(table),
    ):
        with pytest.raises(NotFittedError, match="This ChurnModel is not fitted yet"):
            call()
    assert "not fitted" in copy._repr_html_()
    fitted = copy.fit(table)
    assert "purchases" not in fitted.features_
    again = clone(fitted)
    assert not again.is_fitted and again.num_leaves == 4
