"""A workspace whose warehouse holds the synthetic hotel (the layout `patron sync` writes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

CONSTRUCT_OF_PREFIX = {
    "CE": "expectations",
    "PQ": "quality",
    "PV": "value",
    "SAT": "satisfaction",
    "CC": "complaints",
    "CL": "loyalty",
}


def _construct(code: str) -> str | None:
    for prefix, name in CONSTRUCT_OF_PREFIX.items():
        if code.startswith(prefix):
            return name
    return None


def write_warehouse(data, warehouse: Path) -> None:
    """Write the HotelData frames as ``warehouse/<table>/part-000000.parquet``."""

    def put(name: str, frame: pd.DataFrame) -> None:
        folder = warehouse / name
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(folder / "part-000000.parquet", index=False)

    from patron.data.hotel import hotel_units

    # The hotel's units as the demo has them: the group (pk 1), one unit per property.
    units = pd.DataFrame(hotel_units())
    units["id"] = range(1, len(units) + 1)
    pk_of = dict(zip(units["code"], units["id"], strict=True))
    units["parent_pk"] = units["parent"].map(pk_of)
    units["path"] = [
        f"/{pk}/" if pd.isna(parent) else f"/{parent:.0f}/{pk}/"
        for pk, parent in zip(units["id"], units["parent_pk"], strict=True)
    ]
    put("units", units.drop(columns=["parent"]))
    guests = data.guests.copy()
    guests["dataset"] = "hotel"
    guests["unit_pk"] = pk_of["hotel"]
    put("customers", guests)
    stays = data.stays[
        ["order_id", "customer_id", "ordered_at", "amount", "cost", "discount", "quantity",
         "channel", "location", "status", "unit"]
    ].copy()  # fmt: skip
    stays["unit_pk"] = stays.pop("unit").map(pk_of)
    put("orders", stays)
    put("complaints", data.complaints.drop(columns=["order_id"], errors="ignore"))
    put("interactions", data.interactions)
    responses = data.responses.copy()
    responses["construct"] = responses["item_code"].map(_construct)
    responses["unit_pk"] = pk_of["hotel"]  # the group asks; answers are credited to the stay
    put("survey_responses", responses)


# A campaign's start: its outcomes are the store's orders in the 90 days after it.
CAMPAIGN_START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def add_campaign(workspace, code: str, *, p_control: float, p_treated: float, n: int, seed: int):
    """A campaign on ``n`` store customers, half held out, whose later orders follow the
    planted buying rates of each group (the way ``tests/act/test_campaigns.py`` does)."""
    import numpy as np
    import sqlalchemy as sa

    from patron.act import campaigns
    from patron.collect.store.db import open_store, session_scope
    from patron.collect.store.models import CampaignMember, Customer, Order

    url = workspace.database_url
    with session_scope(url) as session:
        people = [
            Customer(
                customer_id=f"{code}-{i:05d}",
                name=f"G{i}",
                email=f"{code}{i}@example.com",
                consent_email=True,
            )
            for i in range(n)
        ]
        session.add_all(people)
        session.flush()
        keys = {p.customer_id: p.id for p in people}
    campaigns.create_campaign(
        workspace,
        code,
        segment={"when": [{"field": "customer_id", "op": "contains", "value": code}]},
        action={"channel": "list"},
        control_share=0.5,
        window_days=90,
        scheduled_at=CAMPAIGN_START,
    )
    campaigns.assign(workspace, code, CAMPAIGN_START.date() - dt.timedelta(days=1))
    with open_store(url).connect() as conn:
        groups = dict(
            conn.execute(
                sa.select(CampaignMember.customer_pk, CampaignMember.group).where(
                    CampaignMember.customer_pk.in_(list(keys.values()))
                )
            ).all()
        )
    rng = np.random.default_rng(seed)
    orders = []
    for cid, pk in keys.items():
        p = p_treated if groups[pk] == "treatment" else p_control
        if rng.random() < p:
            orders.append(
                {
                    "order_id": f"O-{cid}",
                    "content_hash": f"h-{cid}",
                    "customer_pk": pk,
                    "ordered_at": CAMPAIGN_START + dt.timedelta(days=float(rng.uniform(1, 85))),
                    "amount": float(rng.gamma(2.0, 60.0)),
                }
            )
    with open_store(url).begin() as conn:
        conn.execute(sa.insert(Order), orders)
    return {
        "treatment": sum(g == "treatment" for g in groups.values()),
        "control": sum(g == "control" for g in groups.values()),
    }
