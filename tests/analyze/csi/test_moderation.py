"""Moderation reproduces seminr's interaction fixtures on mobi (seminr 2.3, tests/fixtures/
V_3_6_0/coefficients.csv and coefficients2.csv, factorial inner weighting: seminr's
``path_factorial``), to 1e-5."""

from __future__ import annotations

import pytest

from patron.analyze.csi.moderation import ModerationModel
from patron.exceptions import InputError

SPEC = {
    "constructs": {
        "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
        "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    },
    "paths": ["Image -> Satisfaction", "Expectation -> Satisfaction", "Value -> Satisfaction"],
}
TERMS = [("Image", "Expectation", "Satisfaction"), ("Image", "Value", "Satisfaction")]
SEMINR = {
    "orthogonal": {
        "Image": 0.454398504,
        "Expectation": 0.166016744,
        "Value": 0.307410052,
        "Image*Expectation": -0.142491512,
        "Image*Value": -0.057907687,
    },
    "product": {
        "Image": 0.469968138194233,
        "Expectation": 0.133094364135397,
        "Value": 0.319057078134433,
        "Image*Expectation": -0.140431984724806,
        "Image*Value": 0.0228263835399963,
    },
}


@pytest.mark.parametrize("method", ["orthogonal", "product"])
def test_reproduces_seminr(mobi, method):
    m = ModerationModel(spec=SPEC, interactions=TERMS, method=method, scheme="factorial")
    m.fit(mobi)
    for construct, value in SEMINR[method].items():
        assert m.path_coefficients_.loc[construct, "Satisfaction"] == pytest.approx(
            value, abs=1e-5
        ), construct
    weights = m.model_.weights_.droplevel("construct")
    if method == "product":  # seminr weights2.csv
        assert weights["IMAG1"] == pytest.approx(0.331462042105059, abs=1e-5)
        assert weights["IMAG1*CUEX1"] == pytest.approx(0.215594626030943, abs=1e-5)
        assert weights["IMAG5*CUEX2"] == pytest.approx(-0.247539066235932, abs=1e-5)
        assert len(m.model_.loadings_.loc["Image*Expectation"]) == 15


def test_simple_slopes_summary_and_chart(mobi):
    m = ModerationModel(
        spec=SPEC, interactions=TERMS[:1], method="two_stage", n_resamples=200, seed=1
    ).fit(mobi)
    paths = m.path_coefficients_
    b1, b3 = paths.loc["Image", "Satisfaction"], paths.loc["Image*Expectation", "Satisfaction"]
    slopes = m.slopes_.set_index("moderator level")["slope"]
    assert slopes[1.0] == pytest.approx(b1 + b3)
    assert slopes[-1.0] == pytest.approx(b1 - b3)
    summary = m.summary
    assert list(summary.columns) == ["coef", "se", "lower 95%", "upper 95%", "z", "p"]
    assert summary.loc["Image*Expectation -> Satisfaction", "coef"] == pytest.approx(b3)
    assert summary["se"].notna().all()
    spec = m.chart().to_dict()
    assert spec["mark"]["type"] == "line"
    assert len(m.simple_slopes_lines()) == 6
    assert "Simple slopes" in m._printer().to_text()


def test_bad_interactions(mobi):
    with pytest.raises(InputError, match="main effect"):
        ModerationModel(spec=SPEC, interactions=[("Image", "Satisfaction", "Value")]).fit(mobi)
    with pytest.raises(InputError, match="not a construct"):
        ModerationModel(spec=SPEC, interactions=[("Image", "Price", "Satisfaction")]).fit(mobi)
    with pytest.raises(InputError, match="method"):
        ModerationModel(spec=SPEC, interactions=TERMS, method="latent").fit(mobi)
