"""Hand-made customer histories with known structure for the churn and linkage tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from patron.analyze.churn_data import CustomerHistory

START = pd.Timestamp("2023-01-01", tz="UTC")
END = pd.Timestamp("2026-10-31", tz="UTC")


def simulated_history(n: int = 2000, seed: int = 3) -> tuple[CustomerHistory, pd.DataFrame]:
    """Customers buy as a Poisson process until they leave; leaving is driven by their
    satisfaction (1–10 survey) and by an unresolved complaint. Returns the history and
    the per-customer truth (satisfaction, complaint kind, left_at)."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(n)]
    first = START + pd.to_timedelta(rng.uniform(0, 700, n), unit="D")
    rate = rng.gamma(4.0, 1.5, n)  # purchases a year
    sat = rng.integers(1, 11, n)
    complaint = rng.choice(["none", "resolved", "unresolved"], p=[0.6, 0.25, 0.15], size=n)
    complaint_at = first + pd.to_timedelta(rng.uniform(30, 300, n), unit="D")
    # Yearly leaving hazard: low satisfaction and unresolved complaints push it up.
    hazard = 0.08 + 0.07 * (10 - sat) / 9 * 4 + np.where(complaint == "unresolved", 1.2, 0.0)
    hazard -= np.where(complaint == "resolved", 0.05, 0.0)
    stay = rng.exponential(1.0 / np.clip(hazard, 0.02, None)) * 365
    left = first + pd.to_timedelta(stay, unit="D")
    unresolved_later = complaint == "unresolved"
    left = pd.DatetimeIndex(
        np.where(unresolved_later, np.minimum(left, complaint_at + pd.Timedelta(days=20)), left)
    )
    rows = []
    for i in range(n):
        t = first[i]
        end = min(left[i], END)
        while t <= end:
            rows.append((ids[i], t, float(rng.gamma(2.0, 60.0))))
            t = t + pd.Timedelta(days=float(rng.exponential(365.0 / rate[i])))
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    has = complaint != "none"
    complaints = pd.DataFrame(
        {
            "customer_id": np.array(ids)[has],
            "opened_at": complaint_at[has],
            "resolved_at": complaint_at[has] + pd.Timedelta(days=5),
            "outcome": complaint[has],
        }
    )
    survey_at = first + pd.Timedelta(days=10)
    responses = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, 2),
            "response_id": np.repeat([f"R{i}" for i in range(n)], 2),
            "responded_at": np.repeat(survey_at, 2),
            "item_code": np.tile(["SAT1", "NPS"], n),
            "construct": np.tile(["satisfaction", None], n),
            "value": np.column_stack([sat, np.clip(sat, 0, 10)]).ravel().astype(float),
        }
    )
    truth = pd.DataFrame(
        {"satisfaction": sat, "complaint": complaint, "left_at": left, "first": first},
        index=pd.Index(ids, name="customer_id"),
    )
    return (
        CustomerHistory(orders=orders, complaints=complaints, responses=responses),
        truth,
    )
