"""The importance–performance map ranks what to improve, with a chart."""

from __future__ import annotations

import pytest

from patron.analyze.csi import CSIModel
from patron.analyze.csi.ipma import ipma_notes


def test_ipma_on_mobi(mobi):
    model = CSIModel(spec="ecsi").fit(mobi)
    result = model.ipma_
    constructs = result.constructs
    assert set(constructs.index) == {"image", "expectation", "quality", "value"}
    # Importance on the 0–100 scale: the unstandardised total effect. Check it by
    # regressing 0–100 satisfaction on the 0–100 drivers along the paths.
    rescaled = {}
    w = model.unstandardized_weights()
    for construct in ("image", "expectation", "quality", "value", "satisfaction"):
        items = w[construct]
        rescaled[construct] = 100 * ((mobi[items.index] - 1) / 9) @ items
    import numpy as np

    x = np.column_stack(
        [rescaled[c] - rescaled[c].mean() for c in ("image", "expectation", "quality", "value")]
    )
    y = rescaled["satisfaction"] - rescaled["satisfaction"].mean()
    direct, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert direct[3] == pytest.approx(constructs.loc["value", "importance"], abs=1e-6)
    assert constructs.loc["value", "performance"] == pytest.approx(model.index_["value"])
    # Items: importance = construct importance × weight, performance = rescaled mean.
    items = result.items
    assert items.loc["PERV1", "importance"] == pytest.approx(
        constructs.loc["value", "importance"] * w[("value", "PERV1")]
    )
    assert items.loc["PERV1", "performance"] == pytest.approx(100 * (mobi["PERV1"].mean() - 1) / 9)
    ranked = result.improvement_list()
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked["priority"].is_monotonic_decreasing
    assert len(ipma_notes(result, 3)) == 3
    spec = result.chart().to_dict()
    assert "layer" in spec and spec["layer"][0]["mark"]["type"] == "circle"
    assert result.chart(level="items").to_dict()["layer"]


def test_other_charts_and_spec_export(mobi, tmp_path):
    import json

    from patron.analyze.csi import group_indices
    from patron.analyze.csi.plotting import plot_group_indices, plot_paths, save_chart

    model = CSIModel(spec="ecsi", n_bootstrap=100, random_state=0).fit(mobi)
    paths = plot_paths(model).to_dict()
    assert paths["layer"][0]["mark"]["type"] == "rule"  # the interval bars
    groups = group_indices(
        mobi.assign(g=["a", "b"] * 125), "g", spec="ecsi", n_permutations=20, seed=1
    )
    assert plot_group_indices(groups).to_dict()["mark"]["type"] == "bar"
    target = save_chart(model.ipma_.chart(), tmp_path / "ipma.json")
    assert json.loads(target.read_text(encoding="utf-8"))["layer"]
