"""The CSI programme: index by unit × period, roll-up, change, MICOM, weighting."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patron.analyze.csi.change import parent_gaps, period_changes
from patron.analyze.csi.micom import micom
from patron.analyze.csi.programme import (
    MetricItems,
    index_by_unit_period,
    programme_index,
    respondent_scores,
)
from patron.analyze.csi.unit_rollup import rollup_index
from patron.analyze.csi.weighting import post_stratify, quotas, rake, response_rates
from patron.exceptions import InputError

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "csi_programme_coverage.py"


def _coverage_module():
    spec = importlib.util.spec_from_file_location("csi_programme_coverage", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["csi_programme_coverage"] = module
    spec.loader.exec_module(module)
    return module


def _scores(rng, units, periods, n):
    rows = []
    for u, mu in units.items():
        for p in periods:
            rows.append(pd.DataFrame({"unit": u, "period": p, "csi": rng.normal(mu, 15, n)}))
    return pd.concat(rows, ignore_index=True)


def test_cell_figure_is_the_mean_and_interval_is_about_two_se():
    rng = np.random.default_rng(0)
    data = _scores(rng, {"a": 70, "b": 60}, ["2026Q1"], 400)
    index = index_by_unit_period(
        data[["csi"]], data["unit"], data["period"], n_bootstrap=2000, seed=1
    )
    row = index.table.set_index("unit").loc["a"]
    expect = data.loc[data.unit == "a", "csi"]
    assert row["csi"] == pytest.approx(expect.mean(), abs=1e-9)
    assert row["csi_se"] == pytest.approx(expect.std() / np.sqrt(400), rel=0.08)
    assert row["answers"] == 400


def test_too_few_answers_give_words_not_a_number():
    rng = np.random.default_rng(0)
    data = _scores(rng, {"a": 70}, ["2026Q1"], 12)
    index = index_by_unit_period(data[["csi"]], data["unit"], data["period"], min_answers=30)
    row = index.table.iloc[0]
    assert np.isnan(row["csi"]) and "not enough answers (12 of 30)" in row["status"]
    assert "not enough answers" in index._printer().to_text()


def test_clusters_are_resampled_whole():
    # Each customer answered 4 times with the same score: as clusters the SE is the
    # SE of 100 customers, not of 400 answers (twice as large).
    rng = np.random.default_rng(2)
    per_customer = rng.normal(70, 15, 100)
    scores = pd.DataFrame({"csi": np.repeat(per_customer, 4)})
    units = pd.Series(["a"] * 400)
    periods = pd.Series(["2026Q1"] * 400)
    clusters = pd.Series(np.repeat(np.arange(100), 4))
    flat = index_by_unit_period(scores, units, periods, n_bootstrap=2000, seed=1)
    whole = index_by_unit_period(
        scores, units, periods, clusters=clusters, n_bootstrap=2000, seed=1
    )
    ratio = whole.table["csi_se"].iloc[0] / flat.table["csi_se"].iloc[0]
    assert ratio == pytest.approx(2.0, rel=0.1)
    assert whole.table["customers"].iloc[0] == 100


def test_rollup_equals_weighted_mean_by_hand_at_every_level():
    rng = np.random.default_rng(3)
    units = {"s1": 70, "s2": 60, "s3": 80, "s4": 65}
    data = _scores(rng, units, ["2026Q1", "2026Q2"], 50)
    index = index_by_unit_period(
        data[["csi"]], data["unit"], data["period"], n_bootstrap=200, seed=1
    )
    tree = pd.DataFrame(
        {
            "code": ["nation", "east", "west", "s1", "s2", "s3", "s4"],
            "parent": [None, "nation", "nation", "east", "east", "west", "west"],
        }
    )
    revenue = pd.DataFrame(
        {"unit": ["s1", "s2", "s3", "s4"], "weight": [100.0, 300.0, 50.0, 150.0]}
    )
    rolled = rollup_index(index, tree, weight_by=revenue)
    t = rolled.table.set_index(["period", "unit"])
    for period in ("2026Q1", "2026Q2"):
        m = {u: data[(data.unit == u) & (data.period == period)].csi.mean() for u in units}
        east = (100 * m["s1"] + 300 * m["s2"]) / 400
        west = (50 * m["s3"] + 150 * m["s4"]) / 200
        nation = (100 * m["s1"] + 300 * m["s2"] + 50 * m["s3"] + 150 * m["s4"]) / 600
        assert t.loc[(period, "east"), "csi"] == pytest.approx(east, abs=1e-9)
        assert t.loc[(period, "west"), "csi"] == pytest.approx(west, abs=1e-9)
        assert t.loc[(period, "nation"), "csi"] == pytest.approx(nation, abs=1e-9)
        assert t.loc[(period, "east"), "weight"] == 400
        assert t.loc[(period, "s2"), "share"] == pytest.approx(0.75)
        assert (
            t.loc[(period, "nation"), "csi_lower"] < nation < t.loc[(period, "nation"), "csi_upper"]
        )
    # Replicates roll up the same way.
    draws = rolled.draws("nation", "2026Q1")
    by_hand = (
        100 * index.draws("s1", "2026Q1")
        + 300 * index.draws("s2", "2026Q1")
        + 50 * index.draws("s3", "2026Q1")
        + 150 * index.draws("s4", "2026Q1")
    ) / 600
    np.testing.assert_allclose(draws, by_hand, atol=1e-9)
    # Parents come before their children.
    assert list(rolled.table["unit"][:7]) == ["nation", "east", "s1", "s2", "west", "s3", "s4"]


def test_changes_flag_a_real_move_and_not_noise():
    rng = np.random.default_rng(4)
    q1 = _scores(rng, {"a": 70, "b": 70}, ["2026Q1"], 300)
    q2 = _scores(rng, {"a": 78, "b": 70}, ["2026Q2"], 300)
    data = pd.concat([q1, q2], ignore_index=True)
    index = index_by_unit_period(
        data[["csi"]], data["unit"], data["period"], n_bootstrap=1000, seed=1
    )
    changes = period_changes(index).table.set_index("unit")
    assert changes.loc["a", "verdict"] == "up"
    assert changes.loc["b", "verdict"] == "none"
    tree = pd.DataFrame({"code": ["g", "a", "b"], "parent": [None, "g", "g"]})
    gaps = parent_gaps(rollup_index(index, tree)).table
    q2a = gaps[(gaps.unit == "a") & (gaps.period == "2026Q2")].iloc[0]
    assert q2a["compared_with"] == "g" and q2a["verdict"] == "up"


def test_coverage_and_false_positives_small_simulation():
    """A small real run of benchmarks/csi_programme_coverage.py (500 replications there)."""
    sim = _coverage_module()
    result = sim.run(replications=12, n_bootstrap=400, seed=5).set_index("level")
    # 12 × 80 unit intervals: 95 % coverage ± 2.5 points holds with probability > 0.99.
    assert 0.925 <= result.loc["unit", "coverage"] <= 0.975
    assert result.loc["unit", "false positive rate"] <= 0.09


SPEC = {
    "name": "sim",
    "scale": [1, 10],
    "target": "satisfaction",
    "constructs": {"quality": ["PQ1", "PQ2", "PQ3"], "satisfaction": ["SAT1", "SAT2", "SAT3"]},
    "paths": {"quality": ["satisfaction"]},
}


def _groups(rng, loadings_a, loadings_b, n=300):
    frames = []
    for label, loadings in (("a", loadings_a), ("b", loadings_b)):
        q = rng.normal(0, 1, n)
        s = 0.6 * q + rng.normal(0, 0.8, n)
        frame = {f"PQ{k}": 6 + 1.2 * q + rng.normal(0, 0.8, n) for k in (1, 2, 3)}
        for k, load in enumerate(loadings, start=1):
            frame[f"SAT{k}"] = 6 + load * s + rng.normal(0, 0.5, n)
        frames.append(pd.DataFrame(frame).assign(group=label))
    return pd.concat(frames, ignore_index=True)


def test_micom_passes_equal_groups_and_flags_planted_composition():
    rng = np.random.default_rng(3)
    same = micom(_groups(rng, [1, 1, 1], [1, 1, 1]), "group", spec=SPEC, n_permutations=500, seed=1)
    assert same.configural and same.table["compositional"].all()
    assert same.verdict in ("full", "partial")
    planted = micom(
        _groups(rng, [1.2, 0.1, 0.1], [0.1, 0.1, 1.2]),
        "group",
        spec=SPEC,
        n_permutations=500,
        seed=1,
    )
    assert not planted.table.loc["satisfaction", "compositional"]
    assert planted.table.loc["quality", "compositional"]
    assert planted.verdict == "none"
    assert "do not compare" in planted.verdict_text


def _sample(rng, n=2000):
    return pd.DataFrame(
        {
            "unit": rng.choice(["h1", "h2", "h3"], n, p=[0.5, 0.3, 0.2]),
            "segment": rng.choice(["business", "leisure"], n, p=[0.3, 0.7]),
            "channel": rng.choice(["direct", "agent", "online"], n, p=[0.2, 0.3, 0.5]),
        }
    )


MARGINS = {
    "unit": {"h1": 300, "h2": 450, "h3": 250},
    "segment": {"business": 550, "leisure": 450},
    "channel": {"direct": 400, "agent": 100, "online": 500},
}


def test_raking_reproduces_margins():
    sample = _sample(np.random.default_rng(5))
    weights = rake(sample, MARGINS)
    assert weights.mean() == pytest.approx(1.0)
    for column, target in MARGINS.items():
        got = weights.groupby(sample[column]).sum() / weights.sum()
        want = pd.Series(target, dtype=float) / sum(target.values())
        np.testing.assert_allclose(got.reindex(want.index), want, atol=1e-6)


def test_raking_matches_weightipy():
    weightipy = pytest.importorskip(
        "weightipy", reason="weightipy (test extra) is not installed: pip install weightipy"
    )
    sample = _sample(np.random.default_rng(6))
    ours = rake(sample, MARGINS)
    shares = {c: {k: 100 * v / sum(t.values()) for k, v in t.items()} for c, t in MARGINS.items()}
    scheme = weightipy.scheme_from_dict(
        shares, rim_params={"convcrit": 1e-12, "max_iterations": 5000}
    )
    theirs = weightipy.weight_dataframe(sample.copy(), scheme, weight_column="w")["w"]
    np.testing.assert_allclose(ours.to_numpy(), (theirs / theirs.mean()).to_numpy(), atol=1e-6)


def test_raking_names_bad_margins():
    sample = _sample(np.random.default_rng(7))
    with pytest.raises(InputError, match="level 'h3' of the answers has no target"):
        rake(sample, {"unit": {"h1": 1, "h2": 1}})
    with pytest.raises(InputError, match="column 'region' is missing"):
        rake(sample, {"region": {"n": 1}})


def test_post_stratification_hits_cell_shares():
    sample = _sample(np.random.default_rng(8))
    mix = sample.groupby(["unit", "segment"]).size().rename("count").reset_index()
    mix["count"] = [10, 20, 30, 40, 50, 60]
    weights = post_stratify(sample, mix, ["unit", "segment"])
    got = weights.groupby([sample.unit, sample.segment]).sum() / weights.sum()
    np.testing.assert_allclose(got.to_numpy(), mix["count"].to_numpy() / 210, atol=1e-12)


def test_quotas_and_response_rates():
    sample = _sample(np.random.default_rng(9), n=100)
    targets = pd.DataFrame({"unit": ["h1", "h2", "h3"], "target": [40, 40, 40]})
    table = quotas(sample, targets, ["unit"]).set_index("unit")
    assert table.loc["h1", "achieved"] == (sample.unit == "h1").sum()
    assert table.loc["h3", "short"] == 40 - (sample.unit == "h3").sum()
    invites = pd.DataFrame(
        {"unit": ["a", "a", "a", "b"], "wave": [1, 1, 2, 1], "answered": [1, 0, 1, 0]}
    )
    rates = response_rates(invites).set_index(["unit", "wave"])
    assert rates.loc[("a", 1), "response_rate"] == 0.5
    assert rates.loc[("b", 1), "invitations"] == 1


def test_programme_index_from_answers():
    rng = np.random.default_rng(10)
    sim = _coverage_module()
    units, _parent, mu, n, _tree = sim.design(n_units=4, n_groups=2)
    answers = sim.simulate(units, mu, n, rng)
    quarter_start = {
        "2026Q1": "2026-02-01",
        "2026Q2": "2026-05-01",
        "2026Q3": "2026-08-01",
        "2026Q4": "2026-11-01",
    }
    answers["responded_at"] = answers["period"].map(quarter_start)
    answers["NPS"] = np.clip(answers["SAT1"], 0, 10)
    result = programme_index(
        answers,
        spec=SPEC,
        n_bootstrap=100,
        seed=1,
        items=MetricItems(nps="NPS", csat="SAT1", ces=None),
    )
    assert set(result.metrics) == {"csi", "nps", "csat"}
    assert len(result.table) == 16
    row = result.table.iloc[0]
    part = answers[(answers.unit == row["unit"]) & (answers.period == row["period"])]
    nps = 100 * ((part.NPS >= 9).mean() - (part.NPS <= 6).mean())
    assert row["nps"] == pytest.approx(nps)
    assert row["csat"] == pytest.approx(100 * (part.SAT1 >= 9).mean())
    scores = respondent_scores(part, pd.Series({"SAT1": 0.5, "SAT2": 0.25, "SAT3": 0.25}), (1, 10))
    assert scores["csi"].iloc[0] == pytest.approx(
        100
        * (
            0.5 * (part.SAT1.iloc[0] - 1)
            + 0.25 * (part.SAT2.iloc[0] - 1)
            + 0.25 * (part.SAT3.iloc[0] - 1)
        )
        / 9
    )
