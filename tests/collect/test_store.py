"""The store's schema on SQLite and PostgreSQL: constraints that later rooms rely on."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from patron.collect.store import session_scope
from patron.collect.store.db import session_factory
from patron.collect.store.models import Customer, Order, Preference, ScoreSnapshot


def test_customer_natural_key_is_unique(workspace) -> None:
    url = workspace.database_url
    with session_scope(url) as session:
        session.add(Customer(customer_id="C1", name="Chen"))
    with pytest.raises(IntegrityError):
        with session_scope(url) as session:
            session.add(Customer(customer_id="C1", name="Other"))
    with session_scope(url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_preferences_and_scores_roundtrip(workspace) -> None:
    url = workspace.database_url
    with session_scope(url) as session:
        customer = Customer(customer_id="G7", name="Mr Chen", birthday=dt.date(1960, 3, 4))
        session.add(customer)
        session.flush()
        session.add(Preference(customer_pk=customer.id, key="seat", value="window, 2nd floor"))
        session.add(
            ScoreSnapshot(
                customer_pk=customer.id, metric="clv", value=812.5, as_of=dt.date(2026, 1, 1)
            )
        )
        session.add(
            Order(
                customer_pk=customer.id,
                content_hash="h1",
                ordered_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
                amount=120.0,
            )
        )
    with session_scope(url) as session:
        customer = session.scalars(sa.select(Customer).where(Customer.customer_id == "G7")).one()
        assert [p.value for p in customer.preferences] == ["window, 2nd floor"]
        assert customer.birthday == dt.date(1960, 3, 4)
        score = session.scalars(sa.select(ScoreSnapshot)).one()
        assert score.value == pytest.approx(812.5)
    with pytest.raises(IntegrityError):
        with session_scope(url) as session:
            session.add(
                ScoreSnapshot(
                    customer_pk=customer.id, metric="clv", value=1.0, as_of=dt.date(2026, 1, 1)
                )
            )


def test_concurrent_edit_is_detected(workspace) -> None:
    url = workspace.database_url
    with session_scope(url) as session:
        session.add(Customer(customer_id="V1", name="A"))
    factory = session_factory(url)
    with factory() as first, factory() as second:
        a = first.scalars(sa.select(Customer)).one()
        b = second.scalars(sa.select(Customer)).one()
        a.name = "B"
        first.commit()
        b.name = "C"
        with pytest.raises(StaleDataError):
            second.commit()
    with session_scope(url) as session:
        assert session.scalars(sa.select(Customer)).one().name == "B"
