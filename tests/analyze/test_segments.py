"""RFM, layers, tiers and the 20/80 view, checked against independent pandas computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from patron.analyze import engine, segments
from patron.analyze.features import customer_features


@pytest.fixture(scope="module")
def cdnow_features(cdnow_master, duck):
    """CDNOW features as an Ibis table (on DuckDB) and executed."""
    expr = customer_features(engine.read_table(cdnow_master))
    # Executed once; a memtable (DuckDB 1.5 with Ibis 12 cannot CREATE TABLE from Ibis).
    table = engine.read_table(engine.to_pyarrow(expr, duck))
    return table, engine.to_pandas(table, duck).set_index("customer_id").sort_index()


def pandas_score(values: pd.Series, *, descending: bool = False, bins: int = 5) -> pd.Series:
    """Exact min-rank quintile: floor(bins * (rank_min - 1) / n) + 1."""
    ranks = values.rank(method="min", ascending=not descending).astype(int) - 1
    return (ranks * bins // len(values) + 1).astype(int)


def test_rfm_scores_and_cutoffs_match_pandas(cdnow_features, duck) -> None:
    table, feats = cdnow_features
    scores = engine.to_pandas(segments.rfm(table), duck).set_index("customer_id").sort_index()
    assert len(scores) == 23_570
    expected_r = pandas_score(feats["days_since_last"], descending=True)
    expected_f = pandas_score(feats["purchase_days"])
    expected_m = pandas_score(feats["revenue"])
    assert (scores["r_score"] == expected_r).all()
    assert (scores["f_score"] == expected_f).all()
    assert (scores["m_score"] == expected_m).all()
    cut = engine.to_pandas(segments.rfm_cutoffs(segments.rfm(table)), duck)
    m = cut[cut["dimension"] == "M"].set_index("score")
    by_score = feats["revenue"].groupby(expected_m)
    assert m["low"].to_dict() == by_score.min().to_dict()
    assert m["high"].to_dict() == by_score.max().to_dict()
    assert m["customers"].sum() == 23_570
    # Ties share a score: the 12,054 one-day buyers all get F = 1, so F = 2 is empty.
    f = cut[cut["dimension"] == "F"].set_index("score")
    assert f.loc[1, "customers"] == 12_054 and 2 not in f.index
    counts = scores["rfm_segment"].value_counts()
    assert counts.sum() == 23_570
    assert set(counts.index) <= set(segments.SEGMENTS)


def test_every_grid_cell_has_its_segment(duck) -> None:
    grid = {
        (1, 1): "lost",
        (1, 2): "hibernating",
        (2, 1): "hibernating",
        (2, 2): "hibernating",
        (1, 3): "at_risk",
        (2, 4): "at_risk",
        (1, 5): "cannot_lose",
        (2, 5): "cannot_lose",
        (3, 1): "about_to_sleep",
        (3, 2): "about_to_sleep",
        (3, 3): "need_attention",
        (3, 4): "loyal",
        (4, 5): "loyal",
        (4, 1): "promising",
        (5, 1): "new",
        (4, 2): "potential_loyalists",
        (5, 3): "potential_loyalists",
        (5, 4): "champions",
        (5, 5): "champions",
    }
    cells = pd.DataFrame([(r, fm) for r in range(1, 6) for fm in range(1, 6)], columns=["r", "fm"])
    t = engine.read_table(cells)
    out = engine.to_pandas(t.mutate(seg=segments._segment_of(t.r, t.fm)), duck)
    got = {(r, fm): s for r, fm, s in out[["r", "fm", "seg"]].itertuples(index=False)}
    assert len(set(got.values())) == 11
    for cell, name in grid.items():
        assert got[cell] == name, cell


def test_pareto_curve_and_gini_match_pandas(cdnow_features, duck) -> None:
    table, feats = cdnow_features
    curve = engine.to_pandas(segments.pareto_curve(table, measure="revenue"), duck)
    ordered = feats.reset_index().sort_values(["revenue", "customer_id"], ascending=[False, True])
    cents = np.round(ordered["revenue"].to_numpy() * 100).astype(np.int64)
    share = np.cumsum(cents) / cents.sum()
    assert curve["customer_id"].tolist() == ordered["customer_id"].tolist()
    np.testing.assert_allclose(curve["value_share"], share, rtol=0, atol=1e-12)
    summary = engine.to_pandas(
        segments.pareto_summary(table, measure="revenue", top_shares=(0.2, 0.1)), duck
    ).iloc[0]
    n = len(cents)
    top20 = cents[: int(np.ceil(0.2 * n))].sum() / cents.sum()
    x = np.sort(cents).astype(float)
    gini = 2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n
    assert summary["customers"] == 23_570
    assert summary["total"] == pytest.approx(2_500_315.63, abs=0.005)
    assert summary["top_20pct_share"] == pytest.approx(top20, abs=1e-12)
    assert summary["gini"] == pytest.approx(gini, abs=1e-12)
    assert summary["top_20pct_share"] == pytest.approx(0.677774, abs=1e-6)
    assert summary["gini"] == pytest.approx(0.634571, abs=1e-6)


def test_profit_deciles_and_tiers(cdnow_features, duck) -> None:
    table, feats = cdnow_features
    deciles = engine.to_pandas(segments.profit_deciles(table), duck)
    assert deciles["customers"].tolist() == [2357] * 10
    assert deciles["gross_margin"].sum() == pytest.approx(feats["gross_margin"].sum(), abs=0.01)
    assert deciles["margin_share"].sum() == pytest.approx(1.0)
    assert deciles["min_margin"].is_monotonic_decreasing
    tiers = engine.to_pandas(segments.value_tiers(table, measure="revenue"), duck)
    counts = tiers["value_tier"].value_counts().to_dict()
    assert counts == {"platinum": 1178, "gold": 3536, "silver": 7071, "bronze": 11785}


def test_layers_follow_their_rules(duck) -> None:
    scores = pd.DataFrame(
        {
            "customer_id": ["one", "regular_recent", "regular_gone", "two"],
            "frequency": [1, 5, 5, 2],
            "r_score": [5, 4, 1, 5],
        }
    )
    out = engine.to_pandas(segments.layers(engine.read_table(scores)), duck)
    assert dict(zip(out["customer_id"], out["layer"], strict=True)) == {
        "one": "potential",
        "regular_recent": "loyal",
        "regular_gone": "floating",
        "two": "floating",
    }


def test_money_losers_with_their_reason(duck) -> None:
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    orders = pd.DataFrame(
        {
            # "returns" bought once and sent a second order back (a return is not a
            # purchase: a customer who only returned never bought).
            "customer_id": ["service", "discount", "returns", "returns", "below", "fine"],
            "ordered_at": [t0] * 6,
            "amount": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
            "cost": [60.0, 60.0, 60.0, 80.0, 130.0, 60.0],
            "discount": [0.0, 50.0, 0.0, 0.0, 0.0, 0.0],
            "status": ["paid", "paid", "paid", "returned", "paid", "paid"],
        }
    )
    complaints = pd.DataFrame({"customer_id": ["service"] * 3, "opened_at": [t0] * 3})
    feats = customer_features(
        engine.read_table(orders),
        complaints=engine.read_table(complaints),
        cost_per_complaint=20.0,
    )
    losers = engine.to_pandas(segments.money_losers(feats), duck).set_index("customer_id")
    assert losers["loss_reason"].to_dict() == {
        "returns": "returns",
        "below": "below_cost",
        "service": "service_cost",
        "discount": "discounts",
    }
    assert losers.loc["service", "gross_margin"] == -20.0
    text = segments.loss_reason_text(losers.reset_index().iloc[0].to_dict())
    assert "returns" in text and "80.00" in text
