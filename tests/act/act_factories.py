"""Tiny store fixtures for the actions tests: guests, stays, preferences, scores."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from patron.collect.store.db import session_scope
from patron.collect.store.models import Customer, ImportantDate, Order, Preference


def _hash(*parts: Any) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def add_customers(url: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert customers with optional ``orders`` [(date, amount)], ``preferences`` and
    ``dates`` [(kind, date)]; returns customer_id → store key."""
    keys = {}
    with session_scope(url) as session:
        for spec in rows:
            spec = dict(spec)
            orders = spec.pop("orders", [])
            prefs = spec.pop("preferences", [])
            dates = spec.pop("dates", [])
            customer = Customer(**spec)
            session.add(customer)
            session.flush()
            keys[customer.customer_id] = customer.id
            for n, (when, amount) in enumerate(orders):
                at = dt.datetime.combine(when, dt.time(12), dt.UTC)
                session.add(
                    Order(
                        order_id=f"{customer.customer_id}-{n}",
                        content_hash=_hash(customer.customer_id, n),
                        customer_pk=customer.id,
                        ordered_at=at,
                        amount=amount,
                    )
                )
            for key, value in prefs:
                session.add(Preference(customer_pk=customer.id, key=key, value=value))
            for kind, when in dates:
                session.add(ImportantDate(customer_pk=customer.id, kind=kind, date=when))
    return keys


def oriental_guest(as_of: dt.date) -> dict[str, Any]:
    """Chen Wei: valued, away three years, birthday five days after ``as_of``."""
    return {
        "customer_id": "H-ORIENTAL",
        "name": "Chen Wei",
        "email": "chen.wei@example.com",
        "language": "en",
        "consent_email": True,
        "birthday": dt.date(
            1975, (as_of + dt.timedelta(days=5)).month, (as_of + dt.timedelta(days=5)).day
        ),
        "orders": [
            (as_of - dt.timedelta(days=365 * 3 + 400), 1800.0),
            (as_of - dt.timedelta(days=365 * 3 + 20), 2400.0),
            (as_of - dt.timedelta(days=365 * 3), 2100.0),
        ],
        "preferences": [
            ("breakfast", "sandwich, coffee, egg"),
            ("seat", "window, 2nd floor"),
        ],
    }


def load_hotel(url: str, hotel: Any) -> dict[str, int]:
    """Load the generated hotel guests, preferences, dates, stays and complaints into the
    store (bulk inserts shaped like the importers' output); returns customer_id → key."""
    import pandas as pd
    import sqlalchemy as sa

    from patron.collect.store.db import open_store
    from patron.collect.store.models import Complaint

    def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
        out = frame[columns].astype(object).where(frame[columns].notna(), None)
        return out.to_dict("records")

    def plain_date(value: Any) -> Any:
        return None if value is None else pd.Timestamp(value).date()

    def moment(value: Any) -> Any:
        return None if value is None else pd.Timestamp(value).to_pydatetime()

    engine = open_store(url)
    guests = hotel.guests
    with engine.begin() as conn:
        rows = records(
            guests,
            [
                "customer_id",
                "name",
                "email",
                "phone",
                "birthday",
                "gender",
                "city",
                "region",
                "country",
                "language",
                "acquired_at",
                "acquisition_channel",
                "consent_email",
                "consent_sms",
                "consent_phone",
                "dataset",
            ],
        )
        for row in rows:
            row["birthday"] = plain_date(row["birthday"])
            row["acquired_at"] = plain_date(row["acquired_at"])
            row["attributes"] = {"dataset": row.pop("dataset")}
            for flag in ("consent_email", "consent_sms", "consent_phone"):
                row[flag] = bool(row[flag])
        conn.execute(sa.insert(Customer), rows)
        keys = dict(conn.execute(sa.select(Customer.customer_id, Customer.id)).all())
        prefs = records(
            hotel.preferences,
            ["customer_id", "key", "value", "observed_at", "source", "times_observed"],
        )
        for row in prefs:
            row["customer_pk"] = keys[row.pop("customer_id")]
            row["observed_at"] = moment(row["observed_at"])
            row["times_observed"] = int(row["times_observed"])
        conn.execute(sa.insert(Preference), prefs)
        dates = records(
            hotel.important_dates, ["customer_id", "kind", "date", "label", "recurring"]
        )
        for row in dates:
            row["customer_pk"] = keys[row.pop("customer_id")]
            row["date"] = plain_date(row["date"])
            row["recurring"] = bool(row["recurring"])
        conn.execute(sa.insert(ImportantDate), dates)
        stays = records(
            hotel.stays,
            [
                "order_id",
                "customer_id",
                "ordered_at",
                "amount",
                "cost",
                "discount",
                "quantity",
                "channel",
                "location",
                "status",
            ],
        )
        for row in stays:
            row["customer_pk"] = keys[row.pop("customer_id")]
            row["ordered_at"] = moment(row["ordered_at"])
            row["content_hash"] = _hash("stay", row["order_id"])
        conn.execute(sa.insert(Order), stays)
        complaints = records(
            hotel.complaints,
            [
                "complaint_id",
                "customer_id",
                "opened_at",
                "channel",
                "category",
                "severity",
                "status",
                "description",
                "sla_due_at",
                "resolved_at",
                "assigned_to",
                "resolution",
                "outcome",
            ],
        )
        for row in complaints:
            row["customer_pk"] = keys[row.pop("customer_id")]
            for key in ("opened_at", "sla_due_at", "resolved_at"):
                row[key] = moment(row[key])
            row["content_hash"] = _hash("complaint", row["complaint_id"])
        conn.execute(sa.insert(Complaint), complaints)
    return keys
