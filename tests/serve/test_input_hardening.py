"""Attacks on the entry points: e-mail addresses (one address, no header) and strict answers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patron.collect import customers, surveys
from patron.collect.store.db import session_scope
from patron.collect.store.models import Customer, SurveyResponse
from patron.collect.users import SYSTEM
from patron.exceptions import InputError

from .test_service_security import csrf_from

BAD_ADDRESSES = [
    ("a@x.example\r\nBcc: evil@evil.example", "control character"),
    ("victim@x.example, attacker@evil.example", "more than one address"),
    ("Victim <victim@x.example>", "more than one address"),
    ("victim@x.example;attacker@evil.example", "more than one address"),
    ("not-an-address", "not a valid e-mail address"),
    ("a@b", "not a valid e-mail address"),
]


@pytest.mark.parametrize(("address", "reason"), BAD_ADDRESSES)
def test_api_refuses_anything_but_one_address(sqlite_service, address, reason) -> None:
    c, agent = sqlite_service.client, sqlite_service.auth("agent")
    created = c.post("/api/customers", headers=agent, json={"customer_id": "E1", "email": address})
    assert created.status_code == 422, created.text
    message = created.json()["error"]["message"]
    assert message.startswith(f"email: {address!r} is not one e-mail address") and reason in message
    ok = c.post("/api/customers", headers=agent, json={"customer_id": "E1", "email": "A@X.example"})
    assert ok.status_code == 201 and ok.json()["email"] == "a@x.example"
    changed = c.patch(
        "/api/customers/E1",
        headers={**agent, "If-Match": ok.headers["ETag"]},
        json={"email": address},
    )
    assert changed.status_code == 422 and reason in changed.text
    with session_scope(sqlite_service.url) as session:
        stored = session.scalars(sa.select(Customer.email)).all()
    assert stored == ["a@x.example"]  # nothing else was stored


def test_library_create_and_update_check_the_address(sqlite_workspace) -> None:
    with session_scope(sqlite_workspace.database_url) as session:
        with pytest.raises(InputError, match=r"email: 'a@x.example\\r\\nBcc: e@e.example'"):
            customers.create_customer(
                session, SYSTEM, customer_id="L1", email="a@x.example\r\nBcc: e@e.example"
            )
        session.rollback()
        customers.create_customer(session, SYSTEM, customer_id="L1", email=" Li@Example.com ")
        with pytest.raises(InputError, match="more than one address"):
            customers.update_customer(
                session, SYSTEM, "L1", {"email": "a@x.example,b@x.example"}, expected_version=None
            )
        session.rollback()
        assert customers.get_customer(session, "L1").email == "li@example.com"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(7.5, "not a whole number"), ("9", "not a number"), (True, "not a number")],
)
def test_api_refuses_answers_of_the_wrong_type(sqlite_service, answer, reason) -> None:
    c, analyst = sqlite_service.client, sqlite_service.auth("analyst")
    c.post("/api/surveys", headers=analyst, json={"code": "nps", "name": "NPS", "kind": "NPS"})
    token = c.post("/api/surveys/nps/invitations", headers=analyst, json={}).json()["token"]
    refused = c.post(f"/api/public/surveys/{token}/responses", json={"answers": {"NPS": answer}})
    assert refused.status_code == 422, refused.text
    # The link is still unused: a corrected answer is stored, once.
    stored = c.post(f"/api/public/surveys/{token}/responses", json={"answers": {"NPS": 9}})
    assert stored.status_code == 201, stored.text
    with session_scope(sqlite_service.url) as session:
        values = session.scalars(sa.select(SurveyResponse.value)).all()
    assert values == [9.0]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (7.5, "question NPS: 7.5 is not a whole number"),
        ("9", "question NPS: '9' is not a number"),
        (True, "question NPS: True is not a number"),
        (11, "outside 0–10"),
    ],
)
def test_library_refuses_answers_of_the_wrong_type(sqlite_workspace, answer, reason) -> None:
    key = "k" * 40
    with session_scope(sqlite_workspace.database_url) as session:
        surveys.create_survey(session, SYSTEM, code="nps", name="NPS", kind="NPS")
        _invitation, token = surveys.create_invitation(
            session, SYSTEM, survey_code="nps", secret_key=key
        )
        session.commit()
        with pytest.raises(InputError, match=reason):
            surveys.submit_response(session, token, {"NPS": answer}, secret_key=key)
        session.rollback()
        surveys.submit_response(session, token, {"NPS": 10}, secret_key=key)
        assert session.scalars(sa.select(SurveyResponse.value)).all() == [10.0]


def test_composed_and_decomposed_ids_are_one_customer(sqlite_workspace) -> None:
    with session_scope(sqlite_workspace.database_url) as session:
        customers.create_customer(session, SYSTEM, customer_id="CAF\u00c9", name="Cafe\u0301 Ltd")
        with pytest.raises(customers.DuplicateError):
            customers.create_customer(session, SYSTEM, customer_id="CAFE\u0301")
        session.rollback()
        found = customers.get_customer(session, "CAFE\u0301")
        assert found.customer_id == "CAF\u00c9" and found.name == "Caf\u00e9 Ltd"


@pytest.mark.parametrize(
    ("typed", "stored", "reason"),
    [("7.5", None, "not a whole number"), ("nine", None, "not a number"), (" 9 ", 9.0, None)],
)
def test_web_form_reads_numbers_and_refuses_the_rest(sqlite_service, typed, stored, reason) -> None:
    c, analyst = sqlite_service.client, sqlite_service.auth("analyst")
    c.post("/api/surveys", headers=analyst, json={"code": "nps", "name": "NPS", "kind": "NPS"})
    token = c.post("/api/surveys/nps/invitations", headers=analyst, json={}).json()["token"]
    page = c.get(f"/s/{token}")
    answered = c.post(f"/s/{token}", data={"q_NPS": typed, "csrf_token": csrf_from(page.text)})
    with session_scope(sqlite_service.url) as session:
        values = session.scalars(sa.select(SurveyResponse.value)).all()
    if reason is None:
        assert answered.status_code == 200 and values == [stored]
    else:
        assert answered.status_code == 422 and reason in answered.text and values == []
