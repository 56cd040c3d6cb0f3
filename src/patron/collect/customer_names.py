"""What customers are called: their names (and Chinese names) for a list of ids, so that
reports and pages name people as well as numbering them."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from patron.collect.store.db import open_store
from patron.collect.store.models import Customer
from patron.collect.worklist import NAME_ZH


def customer_names(database_url: str | None, ids: Iterable[object]) -> dict[str, str]:
    """``customer_id`` → "name · id" ("name 名字 · id" with a Chinese name); an id the
    store does not know (or a store-less run) keeps the id alone."""
    wanted = sorted({str(i) for i in ids if i is not None})
    found: dict[str, str] = {}
    if database_url and wanted:
        with open_store(database_url).connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(Customer.customer_id, Customer.name, NAME_ZH).where(
                        Customer.customer_id.in_(wanted[start : start + 500])
                    )
                ).all()
                for customer_id, name, name_zh in rows:
                    shown = " ".join(n for n in (name, name_zh) if n)
                    if shown:
                        found[customer_id] = f"{shown} · {customer_id}"
    return {i: found.get(i, i) for i in wanted}
