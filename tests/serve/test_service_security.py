"""Security: SQL injection, stored XSS, CSRF, survey token replay, brute-force lockout, cookies."""

from __future__ import annotations

import re

import sqlalchemy as sa

from patron.collect.store.db import session_scope
from patron.collect.store.models import Customer, SurveyResponse

from .conftest import PASSWORD, seed_guest


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_sql_injection_in_search_is_plain_text(service) -> None:
    seed_guest(service)
    c, agent = service.client, service.auth("agent")
    attacks = [
        "' OR '1'='1",
        "'; DROP TABLE customers; --",
        "%' UNION SELECT password_hash, 1, 1 FROM users --",
        '" OR 1=1 --',
        "%",
        "_",
        "\\",
    ]
    for attack in attacks:
        for field in (None, "name", "email", "phone", "id"):
            params = {"q": attack} | ({"field": field} if field else {})
            r = c.get("/api/customers", params=params, headers=agent)
            assert r.status_code == 200, (attack, field, r.text)
            assert r.json()["total"] == 0, (attack, field)
    with session_scope(service.url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_stored_xss_is_escaped_on_pages(service) -> None:
    c, agent = service.client, service.auth("agent")
    evil_name = "<script>alert('name')</script>"
    evil_text = '<img src=x onerror="alert(1)">Cold breakfast'
    c.post("/api/customers", headers=agent, json={"customer_id": "X1", "name": evil_name})
    r = c.post(
        "/api/complaints", headers=agent, json={"customer_id": "X1", "description": evil_text}
    )
    pk = r.json()["id"]
    assert sign_in(c, "agent1").status_code == 303
    pages = [
        c.get("/customers/X1"),
        c.get(f"/complaints/{pk}"),
        c.get("/complaints"),
        c.get("/customers", params={"q": "script"}),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in pages[0].text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Cold breakfast" in pages[1].text
    assert "script-src 'self'" in pages[0].headers["content-security-policy"]


def test_csrf_token_required_for_cookie_requests(service) -> None:
    seed = seed_guest(service)
    c = service.client
    assert sign_in(c, "agent1").status_code == 303
    pk = seed["complaint"]["id"]
    page = c.get(f"/complaints/{pk}")
    token = csrf_from(page.text)
    no_token = c.post(f"/complaints/{pk}/note", data={"note": "hi"}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = c.post(
        f"/complaints/{pk}/note",
        data={"note": "hi", "csrf_token": "0" * 64},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    # The API with the session cookie needs the header too; the bearer token needs none.
    api = c.post(f"/api/complaints/{pk}/notes", json={"note": "x"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
    api_ok = c.post(
        f"/api/complaints/{pk}/notes", json={"note": "x"}, headers={"X-CSRF-Token": token}
    )
    assert api_ok.status_code == 200
    ok = c.post(
        f"/complaints/{pk}/note", data={"note": "hi", "csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    # Sign-in itself needs the token of the visitor's anonymous session (login CSRF).
    c.cookies.clear()
    assert c.post("/login", data={"username": "agent1", "password": PASSWORD}).status_code == 403


def test_survey_link_replay_and_double_submit_refused(service) -> None:
    c = service.client
    c.post(
        "/api/surveys",
        headers=service.auth("analyst"),
        json={"code": "csat", "name": "CSAT", "kind": "CSAT"},
    )
    token = c.post(
        "/api/surveys/csat/invitations", headers=service.auth("analyst"), json={}
    ).json()["token"]
    page = c.get(f"/s/{token}", params={"lang": "zh_CN"})
    assert page.status_code == 200 and "总体而言，您对我们满意吗？" in page.text
    form = {"q_CSAT": "5", "csrf_token": csrf_from(page.text)}
    first = c.post(f"/s/{token}", data=form)
    assert first.status_code == 200 and "谢谢" in first.text
    second = c.post(f"/s/{token}", data=form)
    assert second.status_code == 410 and "已经使用" in second.text
    assert c.get(f"/s/{token}").status_code == 410
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert c.get(f"/s/{tampered}").status_code == 404
    with session_scope(service.url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_brute_force_sign_in_locks_the_account(sqlite_service) -> None:
    c = sqlite_service.client
    for _ in range(5):
        assert sign_in(c, "agent1", "wrong password").status_code == 401
    locked = sign_in(c, "agent1", PASSWORD)
    assert locked.status_code == 429
    assert "15" in locked.text or "16" in locked.text
    # Unknown users get the same answer as wrong passwords.
    unknown = sign_in(c, "nobody", "whatever")
    assert unknown.status_code == 401 and "wrong user name or password" in unknown.text
    assert sign_in(c, "admin1").status_code == 303


def test_session_cookie_flags_and_forgery(sqlite_service) -> None:
    c = sqlite_service.client
    r = sign_in(c, "agent1")
    cookie = r.headers["set-cookie"]
    assert "patron_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    c.cookies.set("patron_session", "forged.value.here")
    r = c.get("/customers", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # After sign-in, only local paths are followed.
    c.cookies.clear()
    token = csrf_from(c.get("/login").text)
    r = c.post(
        "/login",
        data={
            "username": "agent1",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_secure_cookie_over_https(sqlite_service) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(sqlite_service.client.app, base_url="https://testserver")
    token = csrf_from(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": "agent1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert "Secure" in r.headers["set-cookie"]
