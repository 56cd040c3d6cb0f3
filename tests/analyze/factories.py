"""Small, deterministic test data: CDNOW sample orders dressed with cost, channel, returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def dressed_orders(sample: pd.DataFrame) -> pd.DataFrame:
    """The CDNOW sample with every optional order column filled deterministically."""
    orders = sample.reset_index(drop=True).copy()
    i = np.arange(len(orders))
    orders["order_id"] = [f"O{k:06d}" for k in i]
    orders["cost"] = (orders["amount"] * 0.6).round(2)
    orders["discount"] = np.where(i % 7 == 0, (orders["amount"] * 0.3).round(2), 0.0)
    orders["channel"] = np.array(["web", "store", "phone", None], dtype=object)[i % 4]
    orders["location"] = np.array(["north", "south", "north", "east", "north"], dtype=object)[i % 5]
    orders["status"] = np.where(i % 23 == 0, "returned", "paid")
    return orders


def side_tables(orders: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Complaints, service interactions, order lines and survey answers for some customers."""
    ids = sorted(orders["customer_id"].unique(), key=int)
    complainers = ids[::9]
    complaints = pd.DataFrame(
        {
            "customer_id": complainers,
            "opened_at": pd.Timestamp("1997-03-15", tz="UTC"),
        }
    )
    interactions = pd.DataFrame(
        {
            "customer_id": ids[::5] + ids[::11],
            "occurred_at": pd.Timestamp("1997-04-01", tz="UTC"),
            "is_service": [True] * len(ids[::5]) + [False] * len(ids[::11]),
        }
    )
    lines = orders[["order_id", "customer_id", "ordered_at"]].copy()
    lines["category"] = np.array(["pop", "rock", "jazz", "classical"])[np.arange(len(lines)) % 4]
    surveyed = ids[::4]
    rows = []
    for k, cid in enumerate(surveyed):
        when = pd.Timestamp("1997-06-01", tz="UTC") + pd.Timedelta(days=k % 300)
        rows.append((cid, when, "SAT1", "satisfaction", float(1 + k % 10)))
        rows.append((cid, when, "NPS", "recommendation", float(k % 11)))
    responses = pd.DataFrame(
        rows, columns=["customer_id", "responded_at", "item_code", "construct", "value"]
    )
    return {
        "complaints": complaints,
        "interactions": interactions,
        "order_lines": lines,
        "survey_responses": responses,
    }


def write_parquet_set(sample: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """Write orders and the side tables as Parquet files; return their paths."""
    orders = dressed_orders(sample)
    tables = {"orders": orders, **side_tables(orders)}
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path
    return paths
