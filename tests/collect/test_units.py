"""Organisation units: the hierarchy, importing with a unit, and scopes that include what is below."""

from __future__ import annotations

import pytest

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
