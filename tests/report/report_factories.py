"""A workspace whose warehouse holds the synthetic hotel (the layout `patron sync` writes)."""

from __future__ import annotations

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

    guests = data.guests.copy()
    guests["dataset"] = "hotel"
    put("customers", guests)
    stays = data.stays[
        ["order_id", "customer_id", "ordered_at", "amount", "cost", "discount", "quantity",
         "channel", "location", "status"]
    ]  # fmt: skip
    put("orders", stays)
    put("complaints", data.complaints.drop(columns=["order_id"], errors="ignore"))
    put("interactions", data.interactions)
    responses = data.responses.copy()
    responses["construct"] = responses["item_code"].map(_construct)
    put("survey_responses", responses)
