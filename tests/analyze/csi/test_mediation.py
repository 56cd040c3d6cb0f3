"""Mediation: specific indirect effects add up to the model's indirect effect; types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import preset
from patron.analyze.csi.mediation import MediationAnalysis, chains, mediation_type
from patron.exceptions import InputError


def test_chains_of_the_ecsi_model():
    found = chains(preset("ecsi"), "image", "loyalty")
    assert ("image", "satisfaction", "loyalty") in found
    assert (
        "image",
        "expectation",
        "quality",
        "value",
        "satisfaction",
        "complaints",
        "loyalty",
    ) in found
    assert all(c[0] == "image" and c[-1] == "loyalty" and len(c) > 2 for c in found)
    assert len(found) == 10


def test_specific_effects_sum_to_the_indirect_effect(mobi):
    m = MediationAnalysis(spec="ecsi", source="image", target="loyalty", n_resamples=400, seed=3)
    m.fit(mobi)
    e = m.effects_
    specific = e[e["kind"] == "specific indirect"]
    assert len(specific) == 10
    total = e.loc["image -> … -> loyalty", "coef"]
    assert total == pytest.approx(m.model_.indirect_effects_.loc["image", "loyalty"], abs=1e-12)
    assert specific["coef"].sum() == pytest.approx(total, abs=1e-12)
    # image -> satisfaction -> loyalty = 0.1787 × 0.4855 (seminr's paths on mobi)
    assert e.loc["image -> satisfaction -> loyalty", "coef"] == pytest.approx(
        0.1787 * 0.4855, abs=1e-4
    )
    assert e.loc["image -> loyalty", "kind"] == "direct"
    assert list(m.summary.columns) == ["coef", "se", "lower 95%", "upper 95%", "z", "p"]
    # Satisfaction carries image's effect, and image also acts directly: complementary.
    assert e.loc["image -> satisfaction -> loyalty", "type"] == "complementary"
    assert "complementary" in m._printer().to_text()


@pytest.mark.parametrize(
    ("ind", "direct", "same", "code"),
    [
        (True, True, True, "complementary"),
        (True, True, False, "competitive"),
        (True, False, True, "indirect-only"),
        (False, True, True, "direct-only"),
        (False, False, False, "no-effect"),
    ],
)
def test_zhao_lynch_chen_types(ind, direct, same, code):
    assert mediation_type(ind, direct, same) == code


def test_simulated_full_mediation_is_indirect_only():
    # A -> B -> C with no direct effect in the truth: the type says "indirect-only".
    rng = np.random.default_rng(5)
    n = 400
    a = rng.standard_normal(n)
    b = 0.6 * a + 0.8 * rng.standard_normal(n)
    c = 0.6 * b + 0.8 * rng.standard_normal(n)
    data = pd.DataFrame(
        {
            f"{k}{i}": 0.8 * f + 0.6 * rng.standard_normal(n)
            for k, f in (("a", a), ("b", b), ("c", c))
            for i in (1, 2, 3)
        }
    )
    spec = {
        "constructs": {k.upper(): [f"{k}{i}" for i in (1, 2, 3)] for k in "abc"},
        "paths": ["A -> B", "B -> C", "A -> C"],
    }
    m = MediationAnalysis(spec=spec, source="A", target="C", n_resamples=500, seed=1).fit(data)
    assert m.effects_.loc["A -> B -> C", "type"] == "indirect-only"


def test_unknown_construct(mobi):
    with pytest.raises(InputError, match="not a construct"):
        MediationAnalysis(source="price", n_resamples=10).fit(mobi)
