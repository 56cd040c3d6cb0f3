"""The churn model on IBM Telco: blank charges handled, CV ROC AUC ≥ 0.84, reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.churn import ChurnModel, label_values, lift_table, read_telco
from patron.exceptions import InputError, NotFittedError


@pytest.fixture(scope="module")
def telco(shared_data):
    return read_telco(shared_data / "telco" / "Telco-Customer-Churn.csv")


def test_blank_total_charges_are_new_customers_set_to_zero(telco):
    frame, notes = telco
    assert len(frame) == 7043
    assert frame["TotalCharges"].isna().sum() == 0
    assert (frame.loc[frame["tenure"] == 0, "TotalCharges"] == 0).all()
    assert (frame["tenure"] == 0).sum() == 11
    assert len(notes) == 1 and notes[0].startswith("11 blank TotalCharges set to 0")
    assert int(label_values(frame["Churn"]).sum()) == 1869


def test_five_fold_stratified_cv_roc_auc(telco):
    frame, _notes = telco
    evaluation = ChurnModel(label="Churn", id_col="customerID").cross_validate(
        frame, folds=5, seed=0
    )
    assert evaluation.roc_auc >= 0.84
    assert np.mean(evaluation.fold_roc_auc) >= 0.84
    assert len(evaluation.fold_roc_auc) == 5
    assert evaluation.pr_auc > 0.6
    # Risk deciles: the riskiest tenth churns at least 2.5× the base rate.
    lift = evaluation.lift
    assert lift["customers"].sum() == 7043
    assert lift.loc[0, "lift"] > 2.5
    assert lift["captured"].iloc[-1] == pytest.approx(1.0)
    # Calibrated: observed and predicted churn agree within 6 points in every bin.
    cal = evaluation.calibration
    assert (cal["observed"] - cal["predicted"]).abs().max() < 0.06


def test_fit_score_and_reasons(telco):
    frame, _notes = telco
    model = ChurnModel(label="Churn", id_col="customerID", n_estimators=150).fit(frame)
    assert model.features_[0] == "gender" and "customerID" not in model.features_
    top = list(model.feature_importance_.index[:3])
    assert "Contract" in top or "tenure" in top
    scored = model.score(frame.drop(columns=["Churn"]).head(200))
    assert scored.index.name == "customerID"
    assert scored["churn_probability"].between(0, 1).all()
    assert scored["churn_probability"].is_monotonic_decreasing
    first = scored.iloc[0]["reasons"]
    assert 1 <= len(first) <= 3
    assert any("Contract is Month-to-month" == r or r.startswith("tenure is") for r in first)
    # Same seed, same model: deterministic.
    again = ChurnModel(label="Churn", id_col="customerID", n_estimators=150).fit(frame)
    np.testing.assert_allclose(
        again.predict_proba(frame.head(50)), model.predict_proba(frame.head(50))
    )


def test_errors_name_the_problem():
    with pytest.raises(NotFittedError, match="not fitted"):
        ChurnModel().predict_proba(pd.DataFrame({"customer_id": ["a"], "x": [1]}))
    with pytest.raises(InputError, match="required column churned missing"):
        ChurnModel().fit(pd.DataFrame({"customer_id": ["a"], "x": [1]}))
    with pytest.raises(InputError, match="value 'maybe' in row 1"):
        label_values(pd.Series(["yes", "maybe"]), column="Churn")
    with pytest.raises(InputError, match="duplicate entries"):
        ChurnModel().fit(pd.DataFrame({"customer_id": ["a", "a"], "x": [1, 2], "churned": [0, 1]}))


def test_lift_table_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    p = np.linspace(1, 0, 10)
    table = lift_table(y, p, groups=5)
    assert table["churners"].tolist() == [2, 0, 1, 0, 0]
    assert table["lift"].iloc[0] == pytest.approx(1.0 / 0.3)
