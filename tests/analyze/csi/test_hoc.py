"""Higher-order constructs reproduce seminr's two-stage HOC fixtures on mobi (seminr,
tests/fixtures/V_3_6_0/hoc-paths.csv, hoc-weights.csv, hoc-loadings.csv) to 1e-5."""

from __future__ import annotations

import pytest

from patron.analyze.csi.hoc import HigherOrderModel
from patron.exceptions import InputError

SPEC = {
    "constructs": {
        "Image": [f"IMAG{i}" for i in range(1, 6)],
        "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "Quality": [f"PERQ{i}" for i in range(1, 8)],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": {"dimensions": ["Image", "Value"], "mode": "A"},
        "Complaints": ["CUSCO"],
        "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
    },
    "paths": [
        "Expectation -> Satisfaction",
        "Quality -> Satisfaction",
        "Satisfaction -> Complaints",
        "Satisfaction -> Loyalty",
    ],
}
PATHS = {
    ("Expectation", "Satisfaction"): 0.103641382040823,
    ("Quality", "Satisfaction"): 0.720064333276669,
    ("Satisfaction", "Complaints"): 0.486257317953653,
    ("Satisfaction", "Loyalty"): 0.627602841720655,
}
WEIGHTS = {
    ("Satisfaction", "Image"): 0.631840584153024,
    ("Satisfaction", "Value"): 0.51711253914618,
    ("Expectation", "CUEX1"): 0.513693599817747,
    ("Loyalty", "CUSL2"): 0.138986918729658,
    ("Image", "IMAG4"): 0.340428414848061,
    ("Value", "PERV2"): 0.600359415862924,
}
LOADINGS = {
    ("Satisfaction", "Image"): 0.895650876207813,
    ("Satisfaction", "Value"): 0.839452525936479,
    ("Quality", "PERQ2"): 0.630872551924888,
    ("Image", "IMAG3"): 0.573102651991915,
    ("Value", "PERV1"): 0.903468191743018,
}


def test_two_stage_reproduces_seminr(mobi):
    m = HigherOrderModel(spec=SPEC).fit(mobi)
    for (a, b), value in PATHS.items():
        assert m.path_coefficients_.loc[a, b] == pytest.approx(value, abs=1e-5)
    for key, value in WEIGHTS.items():
        assert m.weights_.loc[key] == pytest.approx(value, abs=1e-5), key
    for key, value in LOADINGS.items():
        assert m.loadings_.loc[key] == pytest.approx(value, abs=1e-5), key
    assert len(m.weights_) == 23
    assert list(m.summary.columns) == ["coef", "se", "lower 95%", "upper 95%", "z", "p"]
    assert "higher-order" in m._printer().to_text()


def test_repeated_indicators(mobi):
    reflective = HigherOrderModel(spec=SPEC, method="repeated").fit(mobi)
    model = reflective.model_
    assert ("Satisfaction", "Image") in model.spec_.paths
    assert len(model.weights_.loc["Satisfaction"]) == 7  # IMAG1-5 and PERV1-2, repeated
    assert reflective.path_coefficients_.loc["Satisfaction", "Image"] > 0.8
    formative = {**SPEC, "constructs": {**SPEC["constructs"]}}
    formative["constructs"]["Satisfaction"] = {"dimensions": ["Image", "Value"], "mode": "B"}
    m = HigherOrderModel(spec=formative, method="repeated").fit(mobi)
    assert ("Image", "Satisfaction") in m.model_.spec_.paths
    # The dimensions explain a formative HOC measured by their own items almost fully.
    assert m.model_.r2_["Satisfaction"] > 0.98


def test_bad_specifications(mobi):
    bad = {**SPEC, "constructs": {**SPEC["constructs"], "Satisfaction": {"dimensions": ["Image"]}}}
    with pytest.raises(InputError, match="two dimensions"):
        HigherOrderModel(spec=bad).fit(mobi)
    bad["constructs"]["Satisfaction"] = {"dimensions": ["Image", "Price"]}
    with pytest.raises(InputError, match="Price"):
        HigherOrderModel(spec=bad).fit(mobi)
    with pytest.raises(InputError, match="method"):
        HigherOrderModel(spec=SPEC, method="three_stage").fit(mobi)
    with pytest.raises(InputError, match="dimensions"):
        HigherOrderModel(spec={"constructs": {"a": ["IMAG1"]}, "paths": []}).fit(mobi)
