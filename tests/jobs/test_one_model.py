"""Every room counts the same purchases: RFM, the CLV summary, the churn features and the
rule conditions agree, customer by customer, on a demo workspace with returns in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    """The demo's load steps (small hotel, CDNOW sample) plus orders that are not sales."""
    import os

    from patron.collect.importers import import_file
    from patron.collect.warehouse import sync
    from patron.demo import DEMO_STEPS, LOAD_STEPS, run_demo

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        steps = [s for s in DEMO_STEPS if s.name in LOAD_STEPS]
        result = run_demo(
            tmp_path_factory.mktemp("one") / "ws",
            n_guests=300,
            cdnow_sample=True,
            progress=False,
            steps=steps,
        )
        workspace = result.workspace
        stays = result.context.results["hotel_data"].stays
        # Late returns, refunds, cancellations and a void, in four spellings of case,
        # for guests who also bought: no room may count them as purchases or spend.
        buyers = stays["customer_id"].drop_duplicates().head(40).tolist()
        statuses = ["returned", "REFUNDED", "Cancelled", "void"]
        extra = pd.DataFrame(
            {
                "order_id": [f"X-{i}" for i in range(len(buyers))],
                "customer_id": buyers,
                "ordered_at": [f"2026-10-{1 + i % 28:02d}" for i in range(len(buyers))],
                "amount": [100.0 + i for i in range(len(buyers))],
                "status": [statuses[i % 4] for i in range(len(buyers))],
                "unit": ["bund"] * len(buyers),
            }
        )
        path = workspace.root / "not-sales.csv"
        extra.to_csv(path, index=False)
        summary = import_file(workspace, "orders", path, progress=False)
        assert (summary.imported, summary.rejected) == (len(buyers), 0)
        sync(workspace, progress=False)
        yield workspace, set(buyers)
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved


def test_a_sale_means_one_thing_in_every_room(loaded) -> None:
    from patron.act.evaluate import customer_features as rule_fields
    from patron.analyze.churn_data import churn_table
    from patron.analyze.clv.data import summarize_transactions
    from patron.jobs import customers as jobs
    from patron.jobs.context import AnalysisContext

    workspace, touched = loaded
    ctx = AnalysisContext.open(workspace, unit="hotel", as_of=AS_OF)
    rfm = jobs.features(ctx).frame.set_index("customer_id")
    assert int(rfm.loc[sorted(touched), "returns"].sum()) == len(touched)

    clv = summarize_transactions(ctx.reader.sales(), observation_end=AS_OF, con=ctx.con)
    clv = clv.set_index("customer_id")
    churn = churn_table(ctx.history(), AS_OF).set_index("customer_id")
    rules = rule_fields(workspace, AS_OF).set_index("customer_id")

    ids = rfm.index
    stays = ctx.run(ctx.reader.sales().select("customer_id").distinct())
    assert len(ids) == len(stays) > 250  # every hotel buyer
    assert set(ids) == set(clv.index) == set(churn.index)
    assert not any(i.startswith("CDNOW") for i in ids)  # the scope holds the hotel only
    rules = rules.loc[ids]
    # Purchases (orders that are sales), purchase days, spend, last purchase day.
    np.testing.assert_array_equal(rfm["orders"], churn.loc[ids, "purchases"].astype(int))
    np.testing.assert_array_equal(rfm["orders"], rules["orders_count"].astype(int))
    np.testing.assert_array_equal(rfm["purchase_days"], clv.loc[ids, "frequency"] + 1)
    np.testing.assert_allclose(rfm["revenue"], churn.loc[ids, "revenue"], atol=0.005)
    np.testing.assert_allclose(rfm["revenue"], rules["total_spend"], atol=0.005)
    last = pd.to_datetime(rfm["last_purchase"]).dt.date
    assert (last == pd.to_datetime(clv.loc[ids, "last_purchase"]).dt.date).all()
    assert (last == rules["last_order_at"].dt.date).all()
    days = churn.loc[ids, "days_since_last_purchase"].astype(int)
    assert ((AS_OF - last).map(lambda d: d.days) == days).all()


def test_a_parent_unit_is_the_sum_of_its_children(loaded) -> None:
    from patron.collect.units import list_units
    from patron.jobs import customers as jobs
    from patron.jobs.context import AnalysisContext

    workspace, _touched = loaded
    units = list_units(workspace)
    children = units.loc[units["parent"] == "hotel", "code"].tolist()
    assert len(children) == 4
    group = AnalysisContext.open(workspace, unit="hotel", as_of=AS_OF)
    sales = group.reader.sales()
    whole = group.run(sales.aggregate(n=sales.count(), revenue=sales.amount.sum()))
    parts = []
    for code in children:
        child = AnalysisContext.open(workspace, unit=code, as_of=AS_OF)
        part = child.reader.sales()
        parts.append(child.run(part.aggregate(n=part.count(), revenue=part.amount.sum())))
    total = pd.concat(parts)
    assert int(total["n"].sum()) == int(whole["n"].iloc[0])
    assert float(total["revenue"].sum()) == pytest.approx(float(whole["revenue"].iloc[0]), abs=1e-6)
    # Customers are a union, not a sum: a guest who stayed at two properties counts once.
    overview = jobs.overview(group).figures
    per_child = [
        jobs.overview(AnalysisContext.open(workspace, unit=c, as_of=AS_OF)).figures["customers"]
        for c in children
    ]
    assert max(per_child) <= overview["customers"] <= sum(per_child)
    cdnow = AnalysisContext.open(workspace, unit="cdnow", as_of=dt.date(1998, 6, 30))
    assert jobs.overview(cdnow).figures["customers"] == 2_357


def test_settings_change_what_a_sale_is(loaded, tmp_path: Path) -> None:
    """The vocabulary is configurable: counting refunds as sales changes every room alike."""
    import shutil

    from patron.core.workspace import Workspace
    from patron.jobs import customers as jobs
    from patron.jobs.context import AnalysisContext

    workspace, touched = loaded
    copy = tmp_path / "copy"
    shutil.copytree(workspace.root, copy)
    ws = Workspace.open(copy)
    ws.update_settings("vocabulary", {"not_sale_statuses": ["returned", "cancelled", "void"]})
    before = jobs.features(AnalysisContext.open(workspace, unit="hotel", as_of=AS_OF)).figures
    after = jobs.features(AnalysisContext.open(ws, unit="hotel", as_of=AS_OF)).figures
    refunded = sum(1 for i in range(len(touched)) if i % 4 == 1)
    assert after["purchases"] == before["purchases"] + refunded
    assert after["returns"] == before["returns"] - refunded
