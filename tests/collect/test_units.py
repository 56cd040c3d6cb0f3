"""Organisation units: the hierarchy, importing with a unit, scopes that include what is
below, the customer–unit pairs the database keeps, and the agent's birthdays by scope."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patron.collect.importers import import_file
from patron.collect.units import add_units, list_units, resolve_scope
from patron.collect.warehouse import sync
from patron.exceptions import InputError, PatronError


def _group(workspace) -> None:
    add_units(
        workspace,
        [
            {"code": "harbour", "name": "Harbour Hotels", "kind": "group"},
            {
                "code": "hb-sh",
                "name": "Harbour Shanghai",
                "parent": "harbour",
                "kind": "property",
                "name_zh": "海港上海",
            },
            {"code": "hb-bj", "name": "Harbour Beijing", "parent": "harbour", "kind": "property"},
            {"code": "shop", "name": "Gift shop", "kind": "store"},
        ],
    )


def test_hierarchy_and_scope(workspace) -> None:
    _group(workspace)
    _group(workspace)  # idempotent
    units = list_units(workspace)
    assert units["code"].tolist() == ["harbour", "hb-sh", "hb-bj", "shop"]
    assert units.set_index("code").loc["hb-sh", "depth"] == 1
    group = resolve_scope(workspace, "harbour")
    assert len(group.unit_pks) == 3
    assert resolve_scope(workspace, "hb-bj").unit_pks == (3,)
    assert resolve_scope(workspace, "all").is_everything
    with pytest.raises(PatronError, match="no unit 'nowhere'"):
        resolve_scope(workspace, "nowhere")


def test_moving_a_unit_is_refused(workspace) -> None:
    _group(workspace)
    with pytest.raises(InputError, match="another parent"):
        add_units(workspace, [{"code": "hb-sh", "parent": "shop"}])
    with pytest.raises(InputError, match="unit code"):
        add_units(workspace, [{"code": "bad code!"}])


def test_import_with_unit_column_and_default(workspace, tmp_path) -> None:
    import duckdb

    _group(workspace)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,amount,unit\n"
        "o1,c1,2024-01-01,10,hb-sh\n"
        "o2,c1,2024-02-01,20,hb-bj\n"
        "o3,c2,2024-03-01,30,\n"
        "o4,c3,2024-03-02,40,mars\n"
    )
    summary = import_file(workspace, "orders", orders, unit="shop", progress=False)
    assert (summary.imported, summary.rejected) == (3, 1)
    reject = open(summary.reject_file, encoding="utf-8").read()
    assert "mars" in reject and "no unit" in reject
    sync(workspace, progress=False)
    rows = duckdb.sql(
        f"SELECT o.order_id, u.code FROM read_parquet('{workspace.warehouse}/orders/*.parquet') o "
        f"JOIN read_parquet('{workspace.warehouse}/units/*.parquet') u ON u.id = o.unit_pk "
        "ORDER BY 1"
    ).fetchall()
    assert rows == [("o1", "hb-sh"), ("o2", "hb-bj"), ("o3", "shop")]


def test_import_refuses_an_unknown_default_unit(workspace, tmp_path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,ordered_at,amount\no1,c1,2024-01-01,10\n")
    with pytest.raises(PatronError, match="no unit 'nowhere'"):
        import_file(workspace, "orders", orders, unit="nowhere", progress=False)


def test_staff_lists_stop_at_the_users_units(workspace) -> None:
    """A user bound to a property sees its customers, complaints and tasks only; a user
    with no unit, and one bound to the group, see what is below them too."""
    import sqlalchemy as sa

    from patron.collect import complaints, customers, listing, staff_lists, users
    from patron.collect.roles import SYSTEM
    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Complaint, Customer, Task
    from patron.collect.units import unit_pk_for

    _group(workspace)
    with session_scope(workspace.database_url) as session:
        for code, unit in (("SH1", "hb-sh"), ("SH2", "hb-sh"), ("BJ1", "hb-bj"), ("NO1", None)):
            customer = customers.create_customer(session, SYSTEM, customer_id=code, name=code)
            customer.unit_pk = unit_pk_for(session, unit)
            complaint = complaints.open_complaint(
                session, SYSTEM, customer_id=code, description=f"cold room {code}"
            )
            complaint.unit_pk = customer.unit_pk
            session.add(Task(title=f"call {code}", customer_pk=customer.id, status="open"))
        session.commit()
        for name, unit in (("sh", "hb-sh"), ("group", "harbour"), ("boss", None)):
            users.create_user(
                session, SYSTEM, username=name, password="a-long-pass-1", role="admin", unit=unit
            )
        with pytest.raises(PatronError):
            users.create_user(
                session, SYSTEM, username="x", password="a-long-pass-1", role="agent", unit="nope"
            )
        assert users.user_unit(session, users.get_user(session, "sh")) == "hb-sh"

        def seen(username: str, name: str) -> list[str]:
            actor = users.actor_for(users.get_user(session, username))
            spec = staff_lists.LISTS[name].spec
            query = listing.parse_query(spec, {"size": "100"})
            page = staff_lists.page(session, actor, name, query)
            csv_rows = staff_lists.export(session, actor, name, query).strip().splitlines()
            assert len(csv_rows) - 1 == page.total == len(page.items)  # page = export
            return csv_rows[1:]

        ids = {
            u: {c for c in ("SH1", "SH2", "BJ1", "NO1") for r in seen(u, "customers") if c in r}
            for u in ("sh", "group", "boss")
        }
        assert ids == {
            "sh": {"SH1", "SH2"},
            "group": {"SH1", "SH2", "BJ1"},
            "boss": {"SH1", "SH2", "BJ1", "NO1"},
        }
        assert [len(seen(u, "complaints")) for u in ("sh", "group", "boss")] == [2, 3, 4]
        assert [len(seen(u, "tasks")) for u in ("sh", "group", "boss")] == [2, 3, 4]
        from patron.collect.customer_view import customer_360
        from patron.collect.errors import NotFoundError

        sh = users.actor_for(users.get_user(session, "sh"))
        url = workspace.database_url
        assert customer_360(session, sh, "SH1", store_url=url)["profile"]["customer_id"] == "SH1"
        with pytest.raises(NotFoundError, match="in your units"):
            customer_360(session, sh, "BJ1", store_url=url)
        beijing = session.scalar(sa.select(Complaint.id).where(Complaint.unit_pk == 3))
        with pytest.raises(NotFoundError, match="in your units"):
            complaints.complaint_detail(session, sh, beijing)
        users.update_user(session, SYSTEM, "sh", unit="all")
        assert len(seen("sh", "complaints")) == 4
        assert session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 4
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 4


def test_customer_units_follow_every_write(workspace) -> None:
    """``customer_units`` (kept by triggers) equals the definition asked of the fact tables
    — assigned to the unit, or an order, contact, complaint or answer there — after
    inserts, bulk inserts and moves, on both stores."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import (
        Complaint,
        Customer,
        CustomerUnit,
        Interaction,
        Order,
        SurveyResponse,
    )
    from patron.collect.units import MEMBERSHIP_TABLES, customer_in_scope

    _group(workspace)
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    sh, bj, shop = (resolve_scope(workspace, c).unit_pks[0] for c in ("hb-sh", "hb-bj", "shop"))
    with session_scope(workspace.database_url) as session:
        people = [Customer(customer_id=f"c{i}", unit_pk=sh if i == 0 else None) for i in range(6)]
        session.add_all(people)
        session.flush()
        c = [p.id for p in people]
        session.add(
            Order(customer_pk=c[1], unit_pk=bj, ordered_at=moment, amount=1, content_hash="o1")
        )
        session.add(
            Interaction(
                customer_pk=c[2],
                unit_pk=shop,
                occurred_at=moment,
                kind="call",
                channel="phone",
                content_hash="i1",
            )
        )
        session.add(Complaint(customer_pk=c[3], unit_pk=sh, opened_at=moment, content_hash="k1"))
        session.add(
            Order(
                customer_pk=c[5],
                unit_pk=None,
                ordered_at=moment,
                amount=1,
                content_hash="o2",
            )
        )
        session.flush()
        # a bulk insert (one statement, many rows) and moves
        session.execute(
            sa.insert(Order),
            [
                {
                    "customer_pk": c[4],
                    "unit_pk": sh,
                    "ordered_at": moment,
                    "amount": 2,
                    "content_hash": f"b{i}",
                }
                for i in range(3)
            ],
        )
        session.execute(
            sa.update(Complaint).where(Complaint.content_hash == "k1").values(unit_pk=bj)
        )
        session.execute(sa.update(Order).where(Order.content_hash == "o2").values(unit_pk=shop))
        session.execute(sa.update(Customer).where(Customer.id == c[2]).values(unit_pk=bj))
        session.add(  # anonymous: no pair
            SurveyResponse(
                customer_pk=None,
                unit_pk=sh,
                response_id="r1",
                responded_at=moment,
                item_code="NPS",
                value=9,
            )
        )
        session.flush()
        pairs = set(session.execute(sa.select(CustomerUnit.customer_pk, CustomerUnit.unit_pk)))
        assert pairs == {
            (c[0], sh),
            (c[1], bj),
            (c[2], shop),
            (c[2], bj),
            (c[3], bj),  # the complaint moved: sh no longer
            (c[4], sh),
            (c[5], shop),
        }
        # the same customers as the definition asked of the fact tables
        models = {m.__tablename__: m for m in (Order, Interaction, Complaint, SurveyResponse)}
        for code in ("harbour", "hb-sh", "hb-bj", "shop"):
            scope = resolve_scope(workspace, code)
            pks = list(scope.unit_pks)
            facts = [
                sa.select(models[t].customer_pk).where(models[t].unit_pk.in_(pks))
                for t in MEMBERSHIP_TABLES
            ]
            union = sa.union(sa.select(Customer.id).where(Customer.unit_pk.in_(pks)), *facts)
            expected = {r for (r,) in session.execute(union) if r is not None}
            got = set(
                session.scalars(sa.select(Customer.id).where(customer_in_scope(scope, Customer.id)))
            )
            assert got == expected, code


def test_birthdays_this_week_day_by_day(workspace) -> None:
    """The agent's "birthdays this week": in order of the days to come, by customer id,
    cut at the limit; 29 February counts on 28 February of a year without one; a date in
    ``important_dates`` counts once with the customer's own birthday."""
    from datetime import UTC, date, datetime

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Customer, ImportantDate
    from patron.collect.worklist import birthday_on, worklist

    assert birthday_on(date(2027, 2, 28)) == [228, 229]
    assert birthday_on(date(2028, 2, 28)) == [228]
    births = {
        "a": date(1980, 3, 2),  # in 2 days
        "b": date(1988, 2, 29),  # 28 Feb 2027: today
        "c": date(1985, 3, 1),  # tomorrow
        "d": date(1970, 2, 28),  # today
        "e": date(1975, 3, 7),  # in 7 days: outside the week
        "f": date(1960, 3, 1),  # tomorrow
    }
    with session_scope(workspace.database_url) as session:
        for cid, born in births.items():
            session.add(Customer(customer_id=cid, birthday=born))
        session.flush()
        f_pk = session.scalar(sa.select(Customer.id).where(Customer.customer_id == "f"))
        session.add(ImportantDate(customer_pk=f_pk, kind="birthday", date=date(1960, 3, 1)))
        session.flush()
        moment = datetime(2027, 2, 28, 9, tzinfo=UTC)
        days = worklist(session, "nobody", moment=moment).birthdays
        assert [(b["customer_id"], b["in_days"]) for b in days] == [
            ("b", 0),
            ("d", 0),
            ("c", 1),
            ("f", 1),
            ("a", 2),
        ]
        assert [
            b["customer_id"] for b in worklist(session, "x", moment=moment, limit=3).birthdays
        ] == [
            "b",
            "d",
            "c",
        ]
