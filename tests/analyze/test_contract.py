"""One model contract for every estimator Patron has: CLV, the CSI (PLS) and churn.

fit returns self; fitted state ends in ``_``; ``summary`` is a property with the fixed
columns; ``print_summary()`` and ``_repr_html_`` show it; ``get_params``/``set_params``/
``sklearn.base.clone`` work; one "not fitted" error before ``fit``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from patron.analyze.base import SUMMARY_COLUMNS, PatronEstimator
from patron.exceptions import NotFittedError


def _clv(name: str):
    from patron.analyze import clv
    from patron.analyze.clv import simulate as sim

    model = getattr(clv, name)()
    if name == "BetaGeoBetaBinomModel":
        return model, sim.simulate_bg_bb(1.2, 0.75, 0.66, 2.8, 6, 2000, seed=1)
    if name == "ShiftedBetaGeoModel":
        return model, sim.simulate_sbg(0.7, 1.2, 7, 2000, seed=1)
    frame = sim.simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 39.0, 2000, seed=1, time_step=1 / 7)
    if name == "GammaGammaModel":
        spend = sim.simulate_gamma_gamma(6.0, 4.0, 15.0, frame["frequency"].to_numpy(), seed=2)
        frame["monetary_value"] = spend["monetary_value"]
    return model, frame


def _pls():
    from patron.analyze.csi import PLSPathModel, load_mobi

    return PLSPathModel(spec="ecsi"), load_mobi()


def _churn():
    from patron.analyze.churn import ChurnModel

    rng = np.random.default_rng(0)
    n = 1500
    x = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1])))
    table = pd.DataFrame(x, columns=["silence", "spend", "noise"])
    table["customer_id"] = [f"c{i}" for i in range(n)]
    table["churned"] = (rng.random(n) < p).astype(int)
    return ChurnModel(n_estimators=60), table


ESTIMATORS = {
    "BetaGeoModel": lambda: _clv("BetaGeoModel"),
    "ModifiedBetaGeoModel": lambda: _clv("ModifiedBetaGeoModel"),
    "ParetoNBDModel": lambda: _clv("ParetoNBDModel"),
    "BetaGeoBetaBinomModel": lambda: _clv("BetaGeoBetaBinomModel"),
    "GammaGammaModel": lambda: _clv("GammaGammaModel"),
    "ShiftedBetaGeoModel": lambda: _clv("ShiftedBetaGeoModel"),
    "PLSPathModel": _pls,
    "ChurnModel": _churn,
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_one_contract(name: str) -> None:
    model, data = ESTIMATORS[name]()
    assert isinstance(model, PatronEstimator)
    # Before fit: one error, one message, from every reading method.
    with pytest.raises(NotFittedError, match=f"This {type(model).__name__} is not fitted yet"):
        model.summary  # noqa: B018
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        model.print_summary()
    assert "not fitted" in model._repr_html_()
    # Parameters: scikit-learn's own machinery.
    params = model.get_params()
    assert params and all(not k.endswith("_") for k in params)
    twin = clone(model)
    assert type(twin) is type(model) and twin.get_params().keys() == params.keys()
    key = next(iter(params))
    assert model.set_params(**{key: params[key]}) is model
    # fit returns self; the fitted state ends in "_" and was not there before.
    before = set(vars(model))
    assert model.fit(data) is model
    fitted = set(vars(model)) - before
    assert fitted and all(a.endswith("_") or a.startswith("_") for a in fitted), fitted
    summary = model.summary
    assert isinstance(summary, pd.DataFrame) and tuple(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) > 0 and summary["coef"].notna().all()
    assert "<table" in model._repr_html_()
    assert model.print_summary(style="html").count("<table") >= 1
    # A clone of a fitted model is unfitted, with the same parameters.
    fresh = clone(model)
    with pytest.raises(NotFittedError):
        fresh.summary  # noqa: B018
    assert fresh.get_params() == model.get_params()
