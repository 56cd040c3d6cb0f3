"""PLSpredict and CVPAT: the vectorised cross-validation equals fold-by-fold estimation.

No PLSpredict fixture with numbers exists in seminr or cSEM, so the reference is the
procedure as seminr's ``predict_pls`` defines it, run fold by fold with independent
code: each training set fitted by ``PLSPathModel`` (itself checked against seminr,
plspm and cSEM in test_pls.py), items predicted from the training weights, paths and
loadings, and the LM benchmark fitted by scikit-learn's ``LinearRegression``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from patron.analyze.csi import PLSPathModel, preset
from patron.analyze.csi.predict import PLSPredict, fold_assignment
from patron.exceptions import InputError


def _reference(mobi: pd.DataFrame, assignment: np.ndarray, approach: str, benchmark: str):
    spec = preset("ecsi")
    endo = sorted({b for _, b in spec.paths}, key=spec.construct_names.index)
    exo = [c for c in spec.construct_names if c not in endo]
    items_of = {c.name: list(c.items) for c in spec.constructs}
    targets = [i for c in endo for i in items_of[c]]
    exo_items = [i for c in exo for i in items_of[c]]
    reps, n = assignment.shape
    pls = np.zeros((reps, n, len(targets)))
    lm = np.zeros_like(pls)
    for r in range(reps):
        for fold in np.unique(assignment[r]):
            test = assignment[r] == fold
            train = mobi.loc[~test]
            model = PLSPathModel(spec="ecsi").fit(train)
            mean, sd = train[spec.items].mean(), train[spec.items].std()
            z = (mobi.loc[test, spec.items] - mean) / sd
            w = model.weights_.droplevel("construct")
            scores = pd.DataFrame(
                {c: z[items_of[c]] @ w[items_of[c]] for c in spec.construct_names}
            )
            paths = model.path_coefficients_
            if approach == "direct":
                predicted = scores @ paths
            else:
                predicted = scores[exo] @ model.total_effects_.loc[exo]
            lam = model.loadings_.droplevel("construct")
            for k, item in enumerate(targets):
                construct = next(c for c in endo if item in items_of[c])
                pls[r, test, k] = predicted[construct] * lam[item] * sd[item] + mean[item]
            for construct in endo:
                own = items_of[construct]
                xs = (
                    exo_items
                    if benchmark == "exogenous"
                    else [i for i in spec.items if i not in own]
                )
                fit = LinearRegression().fit(train[xs], train[own])
                columns = [targets.index(i) for i in own]
                lm[r][np.ix_(test, columns)] = fit.predict(mobi.loc[test, xs])
    return targets, pls.mean(axis=0), lm.mean(axis=0)


@pytest.mark.parametrize(
    ("approach", "benchmark"), [("direct", "exogenous"), ("earliest", "others")]
)
def test_predictions_equal_fold_by_fold_estimation(mobi, approach, benchmark):
    result = PLSPredict(
        spec="ecsi", folds=5, repetitions=2, seed=7, approach=approach, benchmark=benchmark
    ).fit(mobi)
    assignment = fold_assignment(len(mobi), 5, 2, 7)
    targets, pls, lm = _reference(mobi, assignment, approach, benchmark)
    assert list(result.predictions_.columns) == targets
    np.testing.assert_allclose(result.predictions_.to_numpy(), pls, atol=1e-6)
    np.testing.assert_allclose(result.lm_predictions_.to_numpy(), lm, atol=1e-6)
    actual = mobi[targets].to_numpy()
    rmse = np.sqrt(((actual - pls) ** 2).mean(axis=0))
    np.testing.assert_allclose(result.summary["PLS RMSE"].to_numpy(), rmse, atol=1e-6)
    mae = np.abs(actual - lm).mean(axis=0)
    np.testing.assert_allclose(result.summary["LM MAE"].to_numpy(), mae, atol=1e-6)


def test_folds_are_seeded_and_balanced():
    a = fold_assignment(250, 10, 3, 1)
    assert (a == fold_assignment(250, 10, 3, 1)).all()
    assert not (a[0] == a[1]).all()
    assert (np.bincount(a[0]) == 25).all()
    assert sorted(np.bincount(fold_assignment(23, 10, 1, 0)[0])) == [2] * 7 + [3] * 3


def test_summary_columns_q2_and_cvpat(mobi):
    result = PLSPredict(spec="ecsi", folds=10, repetitions=3, seed=1).fit(mobi)
    summary = result.summary
    assert list(summary.columns) == [
        "construct",
        "PLS RMSE",
        "PLS MAE",
        "LM RMSE",
        "LM MAE",
        "Q2 predict",
    ]
    assert len(summary) == 19  # endogenous items of the ECSI model on mobi
    ia = result.items_["IA RMSE"]
    q2 = 1 - summary["PLS RMSE"] ** 2 / ia**2
    np.testing.assert_allclose(summary["Q2 predict"], q2, atol=1e-12)
    assert (summary["Q2 predict"] > 0).all()
    cvpat = result.cvpat()
    table = cvpat.summary
    assert list(table.columns)[2:] == ["PLS loss", "benchmark loss", "difference", "t", "p"]
    assert len(table) == 14
    overall = table.set_index(["benchmark", "construct"]).loc[("IA", "all endogenous")]
    # satisfaction is well predicted: PLS beats the indicator average
    assert overall["p"] < 0.001
    err_pls = (mobi[summary.index].to_numpy() - result.predictions_.to_numpy()) ** 2
    assert overall["PLS loss"] == pytest.approx(err_pls.mean(), rel=1e-12)
    assert "CVPAT" in str(cvpat)
    assert "PLSpredict" in result._printer().to_text()
    assert result.chart().to_dict()["mark"]["type"] == "bar"


def test_bad_parameters(mobi):
    with pytest.raises(InputError, match="approach"):
        PLSPredict(approach="sideways").fit(mobi)
    with pytest.raises(InputError, match="folds"):
        PLSPredict(folds=1).fit(mobi)
    with pytest.raises(InputError, match="benchmark"):
        PLSPredict(benchmark="x").fit(mobi)
