"""Permutation MGA: group estimates equal separate fits, and the vectorised permutations
equal brute-force re-estimation of every shuffled pair of groups (Chin & Dibbern 2010)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi import PLSPathModel
from patron.analyze.csi.mga import PermutationMGA
from patron.exceptions import InputError


@pytest.fixture(scope="module")
def halves(mobi: pd.DataFrame) -> pd.DataFrame:
    return mobi.assign(half=np.where(np.arange(len(mobi)) % 3 == 0, "third", "rest"))


def test_matches_brute_force(halves):
    mga = PermutationMGA(group="half", groups=("third", "rest"), n_permutations=25, seed=4)
    mga.fit(halves)
    in_first = (halves["half"] == "third").to_numpy()
    first = PLSPathModel(spec="ecsi").fit(halves[in_first])
    second = PLSPathModel(spec="ecsi").fit(halves[~in_first])
    path = ("satisfaction", "complaints")
    name = "satisfaction -> complaints"
    observed = first.path_coefficients_.loc[path] - second.path_coefficients_.loc[path]
    assert mga.tests_.loc[name, "first"] == pytest.approx(
        first.path_coefficients_.loc[path], abs=1e-10
    )
    assert mga.tests_.loc[name, "difference"] == pytest.approx(observed, abs=1e-10)
    assert mga.tests_.loc["R² loyalty", "second"] == pytest.approx(second.r2_["loyalty"], abs=1e-10)
    rng = np.random.default_rng(4)
    shuffled = []
    for _ in range(25):
        mask = rng.permutation(in_first)
        a = PLSPathModel(spec="ecsi").fit(halves[mask]).path_coefficients_.loc[path]
        b = PLSPathModel(spec="ecsi").fit(halves[~mask]).path_coefficients_.loc[path]
        shuffled.append(a - b)
    shuffled = np.array(shuffled)
    p = (1 + (np.abs(shuffled) >= abs(observed) - 1e-12).sum()) / 26
    assert mga.tests_.loc[name, "p"] == pytest.approx(p)
    assert mga.tests_.loc[name, "upper 97.5%"] == pytest.approx(np.quantile(shuffled, 0.975))
    assert list(mga.summary.columns) == [
        "first",
        "second",
        "difference",
        "lower 2.5%",
        "upper 97.5%",
        "p",
    ]
    assert len(mga.summary) == 12 + 6
    assert "Permutation multigroup" in mga._printer().to_text()


def test_planted_difference_is_found(mobi):
    # The second group's loyalty answers are shuffled: satisfaction -> loyalty breaks there.
    rng = np.random.default_rng(0)
    data = pd.concat(
        [
            mobi,
            mobi.assign(
                **{c: rng.permutation(mobi[c].to_numpy()) for c in ["CUSL1", "CUSL2", "CUSL3"]}
            ),
        ]
    )
    data["wave"] = ["one"] * len(mobi) + ["two"] * len(mobi)
    data.index = range(len(data))
    mga = PermutationMGA(group="wave", n_permutations=200, seed=1).fit(data)
    assert mga.tests_.loc["satisfaction -> loyalty", "p"] < 0.01
    assert mga.tests_.loc["image -> expectation", "p"] > 0.05


def test_bad_groups(halves, mobi):
    with pytest.raises(InputError, match="not in the answers"):
        PermutationMGA(group="store").fit(mobi)
    with pytest.raises(InputError, match="'nobody'"):
        PermutationMGA(group="half", groups=("third", "nobody")).fit(halves)
    three = halves.assign(half=np.arange(len(halves)) % 3)
    with pytest.raises(InputError, match="3 groups"):
        PermutationMGA(group="half").fit(three)
    with pytest.raises(InputError, match="only 5"):
        PermutationMGA(group="half").fit(halves.assign(half=["a"] * 5 + ["b"] * (len(halves) - 5)))
