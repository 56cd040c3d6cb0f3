"""Every role against every endpoint: the permission matrix, asserted allow or deny."""

from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD, seed_guest

# Who may do what, written out independently of the code's own table.
AGENT = {
    "customers:read",
    "customers:write",
    "customers:merge",
    "activity:write",
    "complaints:read",
    "complaints:write",
}
ANALYST = {"surveys:read", "surveys:write", "analytics:read", "imports:run"}
GRANTS = {"agent": AGENT, "analyst": ANALYST, "admin": None}  # None: everything

C = "/api/customers/H-ORIENTAL"
# (method, route path) -> (permission, concrete path, request kwargs)
ENDPOINTS: dict[tuple[str, str], tuple[str, str, dict]] = {
    ("GET", "/api/customers"): ("customers:read", "/api/customers?q=chen", {}),
    ("POST", "/api/customers"): ("customers:write", "/api/customers", {"json": {"name": "New"}}),
    ("GET", "/api/customers/{customer_id}"): ("customers:read", C, {}),
    ("PATCH", "/api/customers/{customer_id}"): (
        "customers:write",
        C,
        {"json": {"city": "X"}, "headers": {"If-Match": "*"}},
    ),
    ("GET", "/api/customers/{customer_id}/360"): ("customers:read", C + "/360", {}),
    ("POST", "/api/customers/{customer_id}/merge"): (
        "customers:merge",
        C + "/merge",
        {"json": {"duplicate_id": "NONE"}},
    ),
    ("POST", "/api/customers/{customer_id}/preferences"): (
        "customers:write",
        C + "/preferences",
        {"json": {"key": "tea", "value": "green"}},
    ),
    ("POST", "/api/customers/{customer_id}/important-dates"): (
        "customers:write",
        C + "/important-dates",
        {"json": {"kind": "birthday", "date": "1980-11-06"}},
    ),
    ("GET", "/api/customers/{customer_id}/export"): ("customers:export", C + "/export", {}),
    ("POST", "/api/customers/{customer_id}/erase"): (
        "customers:erase",
        C + "/erase?confirm=NOBODY",
        {},
    ),
    ("GET", "/api/interactions"): ("customers:read", "/api/interactions", {}),
    ("POST", "/api/interactions"): (
        "activity:write",
        "/api/interactions",
        {"json": {"customer_id": "H-ORIENTAL", "kind": "call"}},
    ),
    ("GET", "/api/orders"): ("customers:read", "/api/orders", {}),
    ("POST", "/api/orders"): (
        "activity:write",
        "/api/orders",
        {"json": {"customer_id": "H-ORIENTAL", "amount": 10}},
    ),
    ("GET", "/api/complaints"): ("complaints:read", "/api/complaints", {}),
    ("POST", "/api/complaints"): (
        "complaints:write",
        "/api/complaints",
        {"json": {"customer_id": "H-ORIENTAL", "description": "noise"}},
    ),
    ("POST", "/api/complaints/escalate-overdue"): (
        "complaints:write",
        "/api/complaints/escalate-overdue",
        {},
    ),
    ("GET", "/api/complaints/{complaint_pk}"): ("complaints:read", "/api/complaints/{pk}", {}),
    ("POST", "/api/complaints/{complaint_pk}/assign"): (
        "complaints:write",
        "/api/complaints/{pk}/assign",
        {"json": {"assignee": "x"}},
    ),
    ("POST", "/api/complaints/{complaint_pk}/notes"): (
        "complaints:write",
        "/api/complaints/{pk}/notes",
        {"json": {"note": "n"}},
    ),
    ("POST", "/api/complaints/{complaint_pk}/escalate"): (
        "complaints:write",
        "/api/complaints/{pk}/escalate",
        {"json": {}},
    ),
    ("POST", "/api/complaints/{complaint_pk}/resolve"): (
        "complaints:write",
        "/api/complaints/{pk}/resolve",
        {"json": {"resolution": "r", "version": 999}},
    ),
    ("POST", "/api/complaints/{complaint_pk}/close"): (
        "complaints:write",
        "/api/complaints/{pk}/close",
        {"json": {"reason": "r", "version": 999}},
    ),
    ("GET", "/api/surveys"): ("surveys:read", "/api/surveys", {}),
    ("POST", "/api/surveys"): (
        "surveys:write",
        "/api/surveys",
        {"json": {"code": "s-{role}", "name": "S", "kind": "CSAT"}},
    ),
    ("GET", "/api/surveys/{code}"): ("surveys:read", "/api/surveys/nps", {}),
    ("GET", "/api/surveys/{code}/summary"): ("surveys:read", "/api/surveys/nps/summary", {}),
    ("POST", "/api/surveys/{code}/invitations"): (
        "surveys:write",
        "/api/surveys/nps/invitations",
        {"json": {}},
    ),
    ("POST", "/api/imports/{kind}"): (
        "imports:run",
        "/api/imports/customers?dry_run=true",
        {"files": {"file": ("c.csv", b"customer_id,name\nZ1,Zed\n", "text/csv")}},
    ),
    ("GET", "/api/analytics/metrics"): ("analytics:read", "/api/analytics/metrics", {}),
    ("POST", "/api/text/score"): ("analytics:read", "/api/text/score", {"json": {"texts": ["好"]}}),
    ("GET", "/api/csi/programme"): ("analytics:read", "/api/csi/programme", {}),
    ("GET", "/api/analytics/scores"): ("analytics:read", "/api/analytics/scores?metric=clv", {}),
    ("GET", "/api/campaigns"): ("analytics:read", "/api/campaigns", {}),
    ("GET", "/api/campaigns/{code}/uplift"): (
        "analytics:read",
        "/api/campaigns/none/uplift",
        {},
    ),
    ("GET", "/api/users"): ("users:manage", "/api/users", {}),
    ("POST", "/api/users"): (
        "users:manage",
        "/api/users",
        {"json": {"username": "u-{role}", "password": "long enough", "role": "agent"}},
    ),
    ("PATCH", "/api/users/{username}"): (
        "users:manage",
        "/api/users/agent1",
        {"json": {"language": "zh_CN"}},
    ),
    ("POST", "/api/users/{username}/tokens"): (
        "users:manage",
        "/api/users/agent1/tokens",
        {"json": {"name": "t"}},
    ),
    ("GET", "/api/users/{username}/tokens"): ("users:manage", "/api/users/agent1/tokens", {}),
    ("DELETE", "/api/users/{username}/tokens/{name}"): (
        "users:manage",
        "/api/users/agent1/tokens/no-such-token",
        {},
    ),
    ("GET", "/api/audit"): ("audit:read", "/api/audit", {}),
}
PUBLIC = {
    ("GET", "/api/health"),
    ("GET", "/api/public/surveys/{token}"),
    ("POST", "/api/public/surveys/{token}/responses"),
}
WEB_PAGES = {
    "/customers": "customers:read",
    "/customers/H-ORIENTAL": "customers:read",
    "/complaints": "complaints:read",
    "/surveys": "surveys:read",
    "/analytics": "analytics:read",
    "/campaigns": "analytics:read",
    "/comments": "analytics:read",
    "/tokens": "users:manage",
}


def allowed(role: str, permission: str) -> bool:
    grants = GRANTS[role]
    return grants is None or permission in grants


def test_every_api_route_is_in_the_matrix(sqlite_service) -> None:
    paths = sqlite_service.client.app.openapi()["paths"]
    routes = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert routes == set(ENDPOINTS) | PUBLIC


def test_permission_matrix(sqlite_service) -> None:
    svc = sqlite_service
    seed = seed_guest(svc)
    svc.client.post(
        "/api/surveys",
        headers=svc.auth("admin"),
        json={"code": "nps", "name": "NPS", "kind": "NPS"},
    )
    pk = seed["complaint"]["id"]
    outcomes = {}
    for role in ("agent", "analyst", "admin"):
        for (method, route), (permission, path, kwargs) in ENDPOINTS.items():
            path = path.replace("{pk}", str(pk))
            kw = {k: (v.copy() if isinstance(v, dict) else v) for k, v in kwargs.items()}
            if "json" in kw:
                kw["json"] = {
                    k: (v.replace("{role}", role) if isinstance(v, str) else v)
                    for k, v in kw["json"].items()
                }
            headers = {**svc.auth(role), **kw.pop("headers", {})}
            r = svc.client.request(method, path, headers=headers, **kw)
            outcomes[(role, method, route)] = r.status_code
            if allowed(role, permission):
                assert r.status_code not in (401, 403) and r.status_code < 500, (
                    role,
                    method,
                    route,
                    r.text,
                )
            else:
                assert r.status_code == 403, (role, method, route, r.status_code, r.text)
                assert r.json()["error"]["code"] == "forbidden"
    # Every endpoint denies someone or is open to all three roles by design; none is left out.
    assert len(outcomes) == 3 * len(ENDPOINTS)
    # No credentials at all: 401 everywhere.
    for (method, _route), (_perm, path, _kw) in ENDPOINTS.items():
        r = svc.client.request(method, path.replace("{pk}", str(pk)))
        assert r.status_code == 401, (method, path, r.status_code)


@pytest.mark.parametrize("role", ["agent", "analyst", "admin"])
def test_web_pages_by_role(sqlite_service, role) -> None:
    svc = sqlite_service
    seed_guest(svc)
    client = svc.client
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": f"{role}1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    for path, permission in WEB_PAGES.items():
        r = client.get(path)
        expected = 200 if allowed(role, permission) else 403
        assert r.status_code == expected, (role, path, r.status_code)
    client.cookies.clear()
