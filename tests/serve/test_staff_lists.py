"""Staff lists, customers and complaints in the web app: paging, filters, forms, merge, bulk."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from patron.collect import activity, complaints, customers, listing, staff_lists, surveys
from patron.collect.roles import SYSTEM, Actor
from patron.collect.store.db import session_scope
from patron.collect.store.models import (
    AuditLog,
    Complaint,
    Customer,
    CustomerTag,
    Interaction,
    Order,
    SurveyResponse,
)

from .conftest import make_service, seed_guest
from .test_staff_surveys import csrf_from, sign_in

ROW = r'<li><a href="/customers/([^"/]+)"><strong>'


def _page(svc, path: str, **params):  # type: ignore[no-untyped-def]
    return svc.client.get(path, params=params)


def _post(svc, path: str, data: dict, page: str = "/customers"):  # type: ignore[no-untyped-def]
    token = csrf_from(svc.client.get(page).text)
    return svc.client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


@pytest.fixture(scope="module")
def staff(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One service for the module (each test uses its own rows): setting one up is slow."""
    from patron.collect.workspace_setup import init_workspace

    mp = pytest.MonkeyPatch()
    mp.delenv("PATRON_DATABASE_URL", raising=False)
    svc = make_service(init_workspace(tmp_path_factory.mktemp("lists") / "ws"))
    with svc.client:
        yield _seed(svc)
    mp.undo()


def _seed(svc):  # type: ignore[no-untyped-def]
    seed_guest(svc)
    with session_scope(svc.url) as session:
        session.execute(
            sa.update(Customer).where(Customer.customer_id == "H-ORIENTAL").values(name_zh="陈伟")
        )
        session.commit()
        for i in range(24):
            customers.create_customer(
                session, SYSTEM, customer_id=f"B{i:02d}", name=f"Bulk Guest {i:02d}", city="Xi'an"
            )
        customers.create_customer(
            session, SYSTEM, customer_id="EVIL", name='=HYPERLINK("http://x")', city="Xi'an"
        )
        customers.add_tag(session, SYSTEM, "B03", "VIP")
    return svc


@pytest.fixture(autouse=True)
def _signed_out(request):  # type: ignore[no-untyped-def]
    if "staff" in request.fixturenames:
        request.getfixturevalue("staff").client.cookies.clear()


def test_parse_query_refuses_bad_parameters_by_name() -> None:
    spec = staff_lists.CUSTOMERS.spec
    q = listing.parse_query(spec, {"q": "chen", "sort": "-created", "size": "50", "page": "2"})
    assert (q.sort, q.descending, q.size, q.page, q.filters) == (
        "created",
        True,
        50,
        2,
        {"q": "chen"},
    )
    cases = {
        "colour": {"colour": "red"},
        "sort": {"sort": "password_hash"},
        "size": {"size": "100000"},
        "page": {"page": "0"},
    }
    for name, params in cases.items():
        with pytest.raises(listing.QueryParameterError, match=name):
            listing.parse_query(spec, params)
    with pytest.raises(listing.QueryParameterError, match="page"):
        listing.parse_query(spec, {"page": "5001", "size": "200"})  # beyond row 100 000
    with pytest.raises(listing.QueryParameterError, match="status"):
        listing.parse_query(staff_lists.COMPLAINTS.spec, {"status": "lost"})
    with pytest.raises(listing.QueryParameterError, match="given twice"):
        listing.parse_query(spec, [("q", "a"), ("q", "b")])


def test_customer_list_pages_sorts_filters_and_counts(staff) -> None:
    svc = staff
    sign_in(svc.client, "agent1")
    first = _page(svc, "/customers", city="Xi'an", size=20)
    assert first.status_code == 200
    assert "Rows 1–20 of 25" in first.text
    assert 'href="?city=Xi%27an&amp;sort=name&amp;size=50&amp;page=1"' in first.text  # page sizes
    assert 'name="csrf_token" value=""' not in first.text  # the macros see the page's context
    assert len(re.findall(ROW, first.text)) == 20
    second = _page(svc, "/customers", city="Xi'an", size=20, page=2)
    assert "Rows 21–25 of 25" in second.text and len(re.findall(ROW, second.text)) == 5
    desc = _page(svc, "/customers", city="Xi'an", sort="-id", size=20)
    ids = re.findall(ROW, desc.text)
    assert ids[:3] == ["EVIL", "B23", "B22"]
    tagged = _page(svc, "/customers", tag="VIP")
    assert re.findall(ROW, tagged.text) == ["B03"]
    bad = _page(svc, "/customers", sort="password_hash")
    assert bad.status_code == 400 and "sort" in bad.text
    assert _page(svc, "/customers", colour="red").status_code == 400


def test_search_by_chinese_name_phone_email_and_id(staff) -> None:
    svc = staff
    sign_in(svc.client, "agent1")
    for text in ("陈伟", "陈", "chen wei", "138 0000", "chen.wei@example", "H-ORIENTAL"):
        found = _page(svc, "/customers", q=text)
        assert re.findall(ROW, found.text) == ["H-ORIENTAL"], text
    page = svc.client.get("/customers/H-ORIENTAL")
    assert "Chen Wei" in page.text and "陈伟" in page.text  # both names on the 360


def test_count_stops_at_the_cap(staff) -> None:
    with session_scope(staff.url) as session:
        spec = staff_lists.CUSTOMERS.spec
        query = listing.parse_query(spec, {"city": "Xi'an", "size": "5"})
        found = listing.fetch_page(
            session, spec, query, staff_lists.CUSTOMERS.select(), row=lambda r: r[0], count_limit=10
        )
    assert (found.total, found.total_capped, len(found.items), found.has_next) == (
        10,
        True,
        5,
        True,
    )


def test_csv_export_neutralises_formulas_and_needs_the_right(staff) -> None:
    svc = staff
    sign_in(svc.client, "agent1")
    assert svc.client.get("/lists/customers.csv").status_code == 403
    svc.client.cookies.clear()
    sign_in(svc.client, "admin1")
    r = svc.client.get("/lists/customers.csv", params={"city": "Xi'an", "sort": "id"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["customer_id", "name", "name_zh"]
    assert len(rows) == 1 + 25
    evil = next(row for row in rows if row[0] == "EVIL")
    assert evil[1] == '\'=HYPERLINK("http://x")'
    with session_scope(svc.url) as session:
        exported = session.scalar(
            sa.select(sa.func.count()).where(
                AuditLog.action == "export", AuditLog.entity == "customers_list"
            )
        )
    assert exported == 1


def test_saved_filters_belong_to_their_user(staff) -> None:
    svc = staff
    sign_in(svc.client, "agent1")
    r = _post(
        svc,
        "/lists/customers/filters",
        {"name": "Xi'an guests", "query": "city=Xi%27an&sort=-id", "back": "/customers"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/customers?city=Xi%27an&sort=-id"
    assert "Xi&#39;an guests" in svc.client.get("/customers").text
    again = _post(svc, "/lists/customers/filters", {"name": "Xi'an guests", "query": ""})
    assert again.status_code == 409
    bad = _post(svc, "/lists/customers/filters", {"name": "x", "query": "sort=secret"})
    assert bad.status_code == 400
    svc.client.cookies.clear()
    sign_in(svc.client, "admin1")
    assert "Xi&#39;an guests" not in svc.client.get("/customers").text
    with session_scope(svc.url) as session:
        mine = listing.saved_filters(session, Actor("agent1", "agent"), "customers")
        assert [f.query for f in mine] == ["city=Xi%27an&sort=-id"]


def test_create_edit_and_log_a_call(staff) -> None:
    svc = staff
    sign_in(svc.client, "agent1")
    bad = _post(
        svc,
        "/customers/new",
        {"name": "", "name_zh": "", "email": "not-an-email", "birthday": "1990-13-40"},
    )
    assert bad.status_code == 422
    for field in ("name", "email", "birthday"):
        assert f'id="err-{field}"' in bad.text
    ok = _post(
        svc,
        "/customers/new",
        {"customer_id": "N1", "name_zh": "王芳", "email": "wang@example.cn", "consent_email": "on"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/customers/N1"
    edit = svc.client.get("/customers/N1/edit")
    version = re.search(r'name="version" value="(\d+)"', edit.text).group(1)
    saved = _post(
        svc,
        "/customers/N1/edit",
        {"name": "Wang Fang", "name_zh": "王芳", "email": "wang@example.cn", "version": version},
    )
    assert saved.status_code == 303
    stale = _post(svc, "/customers/N1/edit", {"name": "Someone", "version": version})
    assert stale.status_code == 422 and "changed by someone else" in stale.text
    call = _post(
        svc, "/customers/N1/contacts", {"kind": "call", "summary": "Asked for a quiet room"}
    )
    assert call.status_code == 303
    assert _post(svc, "/customers/N1/contacts", {"kind": "fax", "summary": "x"}).status_code == 422
    with session_scope(svc.url) as session:
        c = customers.get_customer(session, "N1")
        assert (c.name, c.name_zh, c.email, c.consent_email) == (
            "Wang Fang",
            "王芳",
            "wang@example.cn",
            False,
        )
        kinds = session.execute(
            sa.select(Interaction.kind, Interaction.channel, Interaction.staff).where(
                Interaction.customer_pk == c.id
            )
        ).all()
        assert kinds == [("call", "phone", "agent1")]
        updates = session.scalars(
            sa.select(AuditLog.detail).where(
                AuditLog.action == "update", AuditLog.entity_id == "N1"
            )
        ).all()
        assert updates and "name" in updates[0]["fields"]


def test_merge_moves_everything_once(staff) -> None:
    svc = staff
    with session_scope(svc.url) as session:
        dup = customers.create_customer(session, SYSTEM, customer_id="DUP", name="Chen W.")
        for i in range(3):
            activity.record_order(
                session,
                SYSTEM,
                customer_id="DUP",
                amount=100.0 + i,
                ordered_at=None,
                order_id=f"DUP-{i}",
            )
        activity.record_interaction(session, SYSTEM, customer_id="DUP", kind="call", summary="hi")
        complaints.open_complaint(session, SYSTEM, customer_id="DUP", description="noise")
        surveys.create_survey(session, SYSTEM, code="nps", name="NPS", kind="NPS")
        _inv, token = surveys.create_invitation(
            session,
            SYSTEM,
            survey_code="nps",
            customer_id="DUP",
            channel="web",
            secret_key=svc.workspace.secret_key,
        )
        surveys.submit_response(session, token, {"NPS": 9}, secret_key=svc.workspace.secret_key)
        customers.add_tag(session, SYSTEM, "DUP", "VIP")
        customers.add_tag(session, SYSTEM, "H-ORIENTAL", "VIP")
        customers.add_tag(session, SYSTEM, "DUP", "press")

        def counts() -> dict[str, int]:
            return {
                m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
                for m in (Order, Interaction, Complaint, SurveyResponse)
            }

        before = counts()
        dup_pk = dup.id
    sign_in(svc.client, "agent1")
    r = _post(svc, "/customers/H-ORIENTAL/merge", {"duplicate_id": "DUP"})
    assert r.status_code == 303
    with session_scope(svc.url) as session:
        after = {
            m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Order, Interaction, Complaint, SurveyResponse)
        }
        assert after == before  # no row lost or doubled
        survivor = customers.get_customer(session, "H-ORIENTAL")
        for model in (Order, Interaction, Complaint, SurveyResponse):
            assert (
                session.scalar(
                    sa.select(sa.func.count()).select_from(model).where(model.customer_pk == dup_pk)
                )
                == 0
            )
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Order)
                .where(Order.customer_pk == survivor.id)
            )
            == 6
        )
        assert customers.tags(session, survivor) == ["VIP", "press"]
        assert session.scalar(sa.select(sa.func.count()).select_from(CustomerTag)) == 3  # B03 too
        merged = session.scalar(sa.select(AuditLog.detail).where(AuditLog.action == "merge"))
        assert merged["duplicate"] == "DUP"


def test_complaints_assign_from_list_resolve_redirects_and_bulk(staff) -> None:
    svc = staff
    with session_scope(svc.url) as session:
        pks = [
            complaints.open_complaint(
                session,
                SYSTEM,
                customer_id=f"B{i:02d}",
                description=f"issue {i}",
                severity="low",
                category="noise",
            ).id
            for i in range(3)
        ]
        complaints.close_unresolved(session, SYSTEM, pks[2], "withdrawn")
    sign_in(svc.client, "agent1")
    queue = svc.client.get("/complaints", params={"category": "noise", "status": "all"})
    assert "Rows 1–3 of 3" in queue.text
    assert '<option value="agent1"' in queue.text and '<option value="analyst1"' not in queue.text
    page = f"/complaints/{pks[0]}"
    refused = _post(svc, f"{page}/assign", {"assignee": "somebody"}, page)
    assert refused.status_code == 422 and "assignee" in refused.text
    assert _post(svc, f"{page}/assign", {"assignee": "admin1"}, page).status_code == 303
    done = _post(svc, f"{page}/resolve", {"resolution": "Moved to a quiet room"}, page)
    assert done.status_code == 303 and done.headers["location"] == page
    shown = svc.client.get(page)
    assert 'id="followup-link"' in shown.text
    assert 'id="followup-link"' not in svc.client.get(page).text  # shown once
    bulk = svc.client.post(
        "/complaints/bulk",
        data={
            "pk": [str(p) for p in pks],
            "action": "assign",
            "assignee": "agent1",
            "back": "?status=all",
            "csrf_token": csrf_from(svc.client.get("/complaints").text),
        },
        follow_redirects=False,
    )
    assert bulk.status_code == 303 and bulk.headers["location"] == "/complaints?status=all"
    after = svc.client.get("/complaints?status=all")
    assert "1 complaints changed, 2 refused." in after.text
    with session_scope(svc.url) as session:
        rows = dict(
            session.execute(
                sa.select(Complaint.id, Complaint.assigned_to).where(Complaint.id.in_(pks))
            ).all()
        )
    assert rows == {pks[0]: "admin1", pks[1]: "agent1", pks[2]: None}
    mine = svc.client.get("/complaints", params={"assignee": "agent1"})
    assert f"#{pks[1]} " in mine.text and f"#{pks[0]} " not in mine.text


def test_erasure_blanks_the_chinese_name_and_tags(staff) -> None:
    from patron.collect.customer_privacy import erase_customer

    with session_scope(staff.url) as session:
        customers.create_customer(session, SYSTEM, customer_id="ER1", name="Li Na", name_zh="李娜")
        customers.add_tag(session, SYSTEM, "ER1", "allergy: nuts")
        erase_customer(session, SYSTEM, "ER1")
        gone = customers.get_customer(session, "ER1")
        assert (gone.name, gone.name_zh) == (None, None)
        assert customers.tags(session, gone) == []
