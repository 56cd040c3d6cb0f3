"""The ACSI index, per-customer scores, group comparison and the roll-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import CSIModel, group_indices, rollup
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def csi(mobi):
    return CSIModel(spec="ecsi", n_bootstrap=400, random_state=1).fit(mobi)


def test_index_by_the_acsi_recipe(mobi, csi):
    # Unstandardised weights: standardised weight / item SD, normalised to sum 1.
    w = csi.weights_["satisfaction"]
    raw = w / mobi[w.index].std(ddof=1)
    raw = raw / raw.sum()
    expected = 100 * (raw * (mobi[w.index].mean() - 1) / 9).sum()
    assert csi.satisfaction_index_ == pytest.approx(expected, abs=1e-10)
    assert csi.satisfaction_index_ == pytest.approx(72.45, abs=0.01)
    assert csi.index_["satisfaction"] == csi.satisfaction_index_
    # The mean of the respondents' own scores is the index (the index is linear).
    assert csi.customer_scores_.mean() == pytest.approx(expected, abs=1e-10)
    low, high = csi.index_interval_
    assert low < expected < high and high - low < 6


def test_customer_scores_for_the_store(mobi):
    data = mobi.assign(customer_id=[f"C{i % 100:03d}" for i in range(250)])
    model = CSIModel(spec="ecsi").fit(data)
    scores = model.customer_scores()
    assert list(scores.columns) == ["customer_id", "metric", "value"]
    assert len(scores) == 100 and (scores["metric"] == "csi_satisfaction").all()
    first = model.customer_scores_[data["customer_id"] == "C000"].mean()
    assert scores.set_index("customer_id").loc["C000", "value"] == pytest.approx(first)
    assert scores["value"].between(0, 100).all()


def test_group_difference_test(mobi):
    rng = np.random.default_rng(4)
    random_split = mobi.assign(store=rng.choice(["north", "south"], size=len(mobi)))
    result = group_indices(random_split, "store", spec="ecsi", n_permutations=200, seed=2)
    assert set(result.groups.index) == {"north", "south"}
    assert result.groups["respondents"].sum() == 250
    index_row = result.differences.query("statistic == 'index'").iloc[0]
    assert index_row["p"] > 0.05  # no planted difference
    # Plant a difference: one group's satisfaction answers are two points lower.
    planted = random_split.copy()
    south = planted["store"] == "south"
    for item in ("CUSA1", "CUSA2", "CUSA3"):
        planted.loc[south, item] = (planted.loc[south, item] - 2).clip(lower=1)
    result = group_indices(planted, "store", spec="ecsi", n_permutations=200, seed=2)
    row = result.differences.query("statistic == 'index'").iloc[0]
    first, second = row["first"], row["second"]
    observed = result.groups.loc[first, "index"] - result.groups.loc[second, "index"]
    assert row["difference"] == pytest.approx(observed, abs=1e-8)
    assert abs(row["difference"]) > 15 and row["p"] < 0.01
    assert len(result.differences) == 13
    # One pair only: Holm leaves the p-values unchanged.
    assert (result.differences["p_holm"] == result.differences["p"]).all()
    with pytest.raises(InputError, match="group column 'branch' is not in the answers"):
        group_indices(mobi, "branch", spec="ecsi")


def test_rollup_firm_industry_sector_nation():
    firms = pd.DataFrame(
        {
            "firm": ["a", "b", "c", "d"],
            "industry": ["hotels", "hotels", "airlines", "banks"],
            "sector": ["travel", "travel", "travel", "finance"],
            "index": [80.0, 70.0, 60.0, 75.0],
            "revenue": [300.0, 100.0, 200.0, 500.0],
        }
    )
    result = rollup(firms, gdp_share={"travel": 0.1, "finance": 0.3})
    hotels = result.industries.loc[("travel", "hotels"), "index"]
    assert hotels == pytest.approx((80 * 300 + 70 * 100) / 400)
    travel = result.sectors.loc["travel", "index"]
    assert travel == pytest.approx((hotels * 400 + 60 * 200) / 600)
    assert result.national == pytest.approx((travel * 0.1 + 75 * 0.3) / 0.4)
    assert "national index" in result._printer().to_text()
    by_revenue = rollup(firms)
    assert by_revenue.national == pytest.approx((80 * 300 + 70 * 100 + 60 * 200 + 75 * 500) / 1100)
    with pytest.raises(InputError, match="sector finance has no GDP share"):
        rollup(firms, gdp_share={"travel": 1.0})
    with pytest.raises(InputError, match="Required column revenue missing"):
        rollup(firms.drop(columns="revenue"))


def test_holm_adjustment():
    from patron.analyze.csi.index import _holm

    p = pd.Series([0.01, 0.04, 0.03, 0.5])
    # sorted .01 .03 .04 .5 → ×4 ×3 ×2 ×1 = .04 .09 .08→.09 (monotone) .5
    assert _holm(p).tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
