"""Every remaining input and convergence message, pinned word for word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patron.analyze.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ShiftedBetaGeoModel,
    validate_summary,
)
from patron.analyze.clv.data import _as_day, read_transactions
from patron.analyze.clv.pipeline import run_clv
from patron.analyze.clv.validation import holdout_predictions
from patron.exceptions import ConvergenceWarning, InputError


def test_convergence_warning_when_the_optimum_is_on_the_boundary() -> None:
    nobody_returns = pd.DataFrame({"frequency": 0, "recency": 0.0, "T": np.linspace(1, 30, 50)})
    with pytest.warns(
        ConvergenceWarning, match=r"^BetaGeoModel: the optimum may not have been reached"
    ):
        model = BetaGeoModel().fit(nobody_returns)
    assert not model.converged_


def test_table_and_column_messages() -> None:
    with pytest.raises(
        InputError, match=r"^expected a table of customers \(a DataFrame\), got int$"
    ):
        validate_summary(5)
    with pytest.raises(InputError, match=r"^customer 1: T 6.5 is not a whole number$"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [0, 1], "recency": [0, 2], "T": [6, 6.5]})
        )
    with pytest.raises(
        InputError, match=r"^customer 0: frequency is missing or not a number \(nan\)$"
    ):
        GammaGammaModel().fit(pd.DataFrame({"frequency": [np.nan], "monetary_value": [3.0]}))
    with pytest.raises(
        InputError, match=r"^customer 0: period is missing or not a number \(nan\)$"
    ):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"period": [np.nan], "churned": [True]}))
    with pytest.raises(InputError, match=r"^customer 0: monetary value -1.0 is negative$"):
        validate_summary(
            pd.DataFrame(
                {"frequency": [1], "recency": [1.0], "T": [2.0], "monetary_value": [-1.0]}
            ),
            monetary=True,
        )
    with pytest.raises(InputError, match=r"^not a date: 3$"):
        _as_day(3)


def test_holdout_needs_one_length() -> None:
    data = pd.DataFrame(
        {
            "frequency": [0, 1],
            "recency": [0.0, 1.0],
            "T": [5.0, 5.0],
            "frequency_holdout": [0, 1],
            "duration_holdout": [3.0, 4.0],
        }
    )
    model = BetaGeoModel(initial_params={"r": 1, "alpha": 1, "a": 1, "b": 1})
    model.params_ = pd.Series([0.2, 4.0, 0.8, 2.4], index=["r", "alpha", "a", "b"])
    with pytest.raises(InputError, match="^the holdout must have one length for every customer$"):
        holdout_predictions(model, data)


def test_pipeline_messages() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["a"], "ordered_at": [pd.Timestamp("2024-05-01")], "amount": [3.0]}
    )
    with pytest.raises(InputError, match=r"^unknown model 'x': use one of bgnbd, mbgnbd, pareto$"):
        run_clv(frame, model="x")
    with pytest.raises(
        InputError, match=r"^unknown time unit 'year': use one of day, week, month$"
    ):
        run_clv(frame, time_unit="year")
    with pytest.raises(InputError, match="^the transactions hold no rows$"):
        run_clv(frame.iloc[:0])
    with pytest.raises(
        InputError, match="^no customer bought on or before the calibration end 2024-01-01$"
    ):
        run_clv(frame, calibration_end="2024-01-01")


def test_amount_must_be_a_number(tmp_path: Path) -> None:
    path = tmp_path / "orders.txt"
    path.write_text("1 19970101 12.5\n2 19970102 n/a\n")
    with pytest.raises(InputError, match=r"orders.txt, row 2, column 3: 'n/a' is not a number$"):
        read_transactions(
            path, customer_col="1", date_col="2", amount_col="3", date_format="%Y%m%d"
        )
    with pytest.raises(InputError, match=r"row 1, column 2: '19970101' is not a date$"):
        read_transactions(path, customer_col="1", date_col="2", date_format="%d.%m.%Y")
