"""The estimator contract, checked over every model (in the spirit of check_estimator)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from patron.analyze.clv import (
    SUMMARY_COLUMNS,
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from patron.analyze.clv.simulate import (
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_sbg,
)
from patron.exceptions import InputError, NotFittedError


def _data(model_class: type) -> pd.DataFrame:
    if model_class is BetaGeoBetaBinomModel:
        return simulate_bg_bb(1.2, 0.75, 0.66, 2.8, 6, 2000, seed=1)
    if model_class is ShiftedBetaGeoModel:
        return simulate_sbg(0.7, 1.2, 7, 2000, seed=1)
    frame = simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 39.0, 2000, seed=1, time_step=1 / 7)
    if model_class is GammaGammaModel:
        spend = simulate_gamma_gamma(6.0, 4.0, 15.0, frame["frequency"].to_numpy(), seed=2)
        frame["monetary_value"] = spend["monetary_value"]
    return frame


MODELS = [
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    BetaGeoBetaBinomModel,
    GammaGammaModel,
    ShiftedBetaGeoModel,
]


@pytest.mark.parametrize("model_class", MODELS, ids=lambda c: c.__name__)
def test_estimator_contract(model_class: type) -> None:
    model = model_class()
    assert repr(model) == f"<patron.{model_class.__name__}: not fitted>"
    with pytest.raises(NotFittedError, match="is not fitted yet: call fit"):
        model.summary  # noqa: B018
    with pytest.raises(NotFittedError):
        model.check_is_fitted()
    params = model.get_params()
    assert params == {
        "covariates": None,
        "initial_params": None,
        "max_iter": 1000,
        "penalizer": 0.0,
        "tol": 1e-8,
    }
    twin = clone(model.set_params(penalizer=0.0, max_iter=500))
    assert twin.get_params() == model.get_params()

    data = _data(model_class)
    if hasattr(model, "probability_alive"):
        with pytest.raises(NotFittedError):
            model.probability_alive(data)
    assert model.fit(data) is model
    summary = model.summary
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert list(summary.index) == list(model_class._param_names)
    assert np.all(np.isfinite(summary[["coef", "se"]].to_numpy()))
    assert model.converged_
    assert model.n_customers_ == len(data) or model_class in (GammaGammaModel,)
    assert repr(model).startswith(f"<patron.{model_class.__name__}: fitted on ")
    assert "Parameters" in model._repr_html_()
    text = model._printer().to_text()
    assert "log-likelihood" in text and "lower 95%" in text
    # A clone is a fresh, unfitted copy with the same hyperparameters.
    fresh = clone(model)
    assert getattr(fresh, "params_", None) is None
    with pytest.raises(NotFittedError):
        fresh.summary  # noqa: B018


def test_print_summary(capsys: pytest.CaptureFixture[str]) -> None:
    model = BetaGeoModel().fit(_data(BetaGeoModel))
    model.print_summary()
    assert "BG/NBD model fitted on 2,000 customers" in " ".join(capsys.readouterr().out.split())
    page = model.print_summary(style="html")
    assert "<h3>" in page and capsys.readouterr().out == ""


def test_initial_params_and_penalizer() -> None:
    data = _data(BetaGeoModel)
    plain = BetaGeoModel().fit(data)
    started = BetaGeoModel(initial_params={"r": 0.3, "alpha": 5, "a": 1, "b": 3}).fit(data)
    np.testing.assert_allclose(started.params_, plain.params_, rtol=1e-6)
    shrunk = BetaGeoModel(penalizer=0.1).fit(data)
    assert shrunk.log_likelihood_ < plain.log_likelihood_


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"penalizer": -1.0}, r"^BetaGeoModel: penalizer must be a number >= 0, got -1.0$"),
        ({"tol": 0}, r"^BetaGeoModel: tol must be a number > 0, got 0$"),
        ({"max_iter": 0.5}, r"^BetaGeoModel: max_iter must be a whole number >= 1, got 0.5$"),
        (
            {"initial_params": {"r": 1.0}},
            r"^BetaGeoModel: initial_params needs positive values for r, alpha, a, b, got",
        ),
    ],
)
def test_hyperparameters_are_checked_in_fit(params: dict, message: str) -> None:
    model = BetaGeoModel(**params)  # no checks at construction (scikit-learn contract)
    with pytest.raises(InputError, match=message):
        model.fit(_data(BetaGeoModel))
