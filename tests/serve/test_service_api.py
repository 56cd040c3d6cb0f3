"""The REST API on SQLite and PostgreSQL: customers, 360, workflow, surveys, analytics, export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from patron.collect.scores import write_scores
from patron.collect.store.db import session_scope
from patron.collect.store.models import AuditLog, SurveyResponse

from .conftest import seed_guest


def test_customer_create_read_update_with_etag(service) -> None:
    seed_guest(service)
    c, agent = service.client, service.auth("agent")
    r = c.get("/api/customers/H-ORIENTAL", headers=agent)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert etag == '"v1"'
    # Two editors read version 1; the first update wins, the second is refused (412).
    r1 = c.patch(
        "/api/customers/H-ORIENTAL", headers={**agent, "If-Match": etag}, json={"city": "Beijing"}
    )
    assert r1.status_code == 200, r1.text
    assert r1.headers["ETag"] == '"v2"'
    r2 = c.patch(
        "/api/customers/H-ORIENTAL", headers={**agent, "If-Match": etag}, json={"city": "Xi'an"}
    )
    assert r2.status_code == 412
    body = r2.json()
    assert body["error"]["code"] == "version_conflict"
    assert body["error"]["detail"] == {"current_version": 2}
    # Without any version the update is refused too (428), and the body version works.
    assert (
        c.patch("/api/customers/H-ORIENTAL", headers=agent, json={"city": "X"}).status_code == 428
    )
    r3 = c.patch(
        "/api/customers/H-ORIENTAL", headers=agent, json={"city": "Hangzhou", "version": 2}
    )
    assert r3.status_code == 200 and r3.json()["city"] == "Hangzhou" and r3.json()["version"] == 3
    # A duplicate natural key is a 409 with the standard error body.
    dup = c.post("/api/customers", headers=agent, json={"customer_id": "H-ORIENTAL"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate"
    missing = c.get("/api/customers/NOPE", headers=agent)
    assert missing.status_code == 404 and set(missing.json()["error"]) == {
        "status",
        "code",
        "message",
        "detail",
    }


def test_search_by_name_email_phone_id_with_pages(service) -> None:
    c, agent = service.client, service.auth("agent")
    for i in range(25):
        r = c.post(
            "/api/customers",
            headers=agent,
            json={
                "customer_id": f"C{i:03d}",
                "name": f"Guest {i:02d}" if i != 7 else "Li Na",
                "email": f"g{i}@example.com",
                "phone": f"555-01{i:02d}",
                "city": "Paris" if i % 2 else "Lyon",
            },
        )
        assert r.status_code == 201
    page1 = c.get("/api/customers", params={"q": "guest", "page_size": 10}, headers=agent).json()
    assert page1["total"] == 24 and len(page1["items"]) == 10
    page3 = c.get(
        "/api/customers", params={"q": "guest", "page_size": 10, "page": 3}, headers=agent
    ).json()
    assert len(page3["items"]) == 4
    assert c.get("/api/customers", params={"q": "li na"}, headers=agent).json()["total"] == 1
    by_mail = c.get(
        "/api/customers", params={"q": "g7@example.com", "field": "email"}, headers=agent
    )
    assert [x["customer_id"] for x in by_mail.json()["items"]] == ["C007"]
    by_phone = c.get("/api/customers", params={"q": "555-0112", "field": "phone"}, headers=agent)
    assert [x["customer_id"] for x in by_phone.json()["items"]] == ["C012"]
    by_id = c.get("/api/customers", params={"q": "C003", "field": "id"}, headers=agent)
    assert [x["customer_id"] for x in by_id.json()["items"]] == ["C003"]
    paris = c.get("/api/customers", params={"q": "guest", "city": "paris"}, headers=agent).json()
    assert paris["total"] == 11  # odd i in 1..23 except 7


def test_customer_360_card_timeline_and_scores(service) -> None:
    seed = seed_guest(service)
    write_scores(
        service.workspace,
        pd.DataFrame(
            {
                "customer_id": ["H-ORIENTAL"] * 3,
                "metric": ["rfm_segment", "p_alive", "churn_risk"],
                "value": [float("nan"), 0.31, 0.72],
                "label": ["At risk", None, None],
            }
        ),
        as_of=dt.date(2026, 11, 1),
    )
    r = service.client.get("/api/customers/H-ORIENTAL/360", headers=service.auth("agent"))
    assert r.status_code == 200, r.text
    view = r.json()
    card = view["card"]
    assert card["name"] == "Chen Wei"
    assert {(u["key"], u["value"]) for u in card["usual_preferences"]} == {
        ("breakfast", "sandwich, coffee, egg"),
        ("seat", "window, 2nd floor"),
    }
    assert [u["times_observed"] for u in card["usual_preferences"]] == [2, 1]
    assert card["last_visit"].startswith("2023-10-20")  # the call came after the last stay
    today = seed["today"]
    expected_birthday = dt.date(today.year, 11, 6)
    if expected_birthday < today:
        expected_birthday = dt.date(today.year + 1, 11, 6)
    assert card["next_birthday"] == expected_birthday.isoformat()
    assert card["days_to_birthday"] == (expected_birthday - today).days
    assert [c["severity"] for c in card["open_complaints"]] == ["high"]
    assert view["stats"]["orders"] == 3
    assert abs(view["stats"]["spend"] - 1310.5) < 1e-9
    kinds = [e["kind"] for e in view["timeline"]]
    assert sorted(kinds) == ["complaint", "interaction", "order", "order", "order"]
    ats = [e["at"] for e in view["timeline"]]
    assert ats == sorted(ats, reverse=True)
    assert view["scores"]["rfm_segment"]["label"] == "At risk"
    assert abs(view["scores"]["churn_risk"]["value"] - 0.72) < 1e-12
    with session_scope(service.url) as session:
        reads = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "customer_360", AuditLog.actor == "agent1")
        )
    assert reads == 1


def test_complaint_workflow_and_followup_via_api(service) -> None:
    seed = seed_guest(service)
    c, agent = service.client, service.auth("agent")
    pk = seed["complaint"]["id"]
    assert seed["complaint"]["status"] == "open" and seed["complaint"]["sla"] in ("ok", "due_soon")
    r = c.post(f"/api/complaints/{pk}/assign", headers=agent, json={"assignee": "agent1"})
    assert r.json()["status"] == "assigned"
    stale = c.post(
        f"/api/complaints/{pk}/resolve", headers=agent, json={"resolution": "x", "version": 1}
    )
    assert stale.status_code == 412
    r = c.post(f"/api/complaints/{pk}/notes", headers=agent, json={"note": "Called the kitchen"})
    r = c.post(
        f"/api/complaints/{pk}/resolve",
        headers=agent,
        json={"resolution": "Apologised, free breakfast", "version": r.json()["version"]},
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "resolved" and done["outcome"] == "resolved"
    assert [e["kind"] for e in done["events"]] == [
        "opened",
        "assigned",
        "note",
        "resolved",
        "followup_sent",
    ]
    token = done["followup_link"].rsplit("/s/", 1)[1]
    again = c.post(f"/api/complaints/{pk}/close", headers=agent, json={"reason": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    q = c.get(f"/api/public/surveys/{token}", params={"lang": "zh_CN"}).json()
    assert q["questions"][0]["code"] == "FU1"
    assert q["questions"][0]["text"] == "您对我们处理您投诉的方式满意吗？"
    r = c.post(f"/api/public/surveys/{token}/responses", json={"answers": {"FU1": 4}})
    assert r.status_code == 201, r.text
    replay = c.post(f"/api/public/surveys/{token}/responses", json={"answers": {"FU1": 5}})
    assert replay.status_code == 410 and replay.json()["error"]["code"] == "invalid_token"
    with session_scope(service.url) as session:
        rows = session.execute(
            sa.select(SurveyResponse.item_code, SurveyResponse.value, SurveyResponse.source)
        ).all()
    assert rows == [("FU1", 4.0, "complaint-followup")]
    history = c.get(f"/api/complaints/{pk}", headers=agent).json()["events"]
    assert history[-1]["kind"] == "followup_answered" and history[-1]["note"] == "FU1=4"
    queue = c.get("/api/complaints", params={"status": "all"}, headers=agent).json()
    assert queue["total"] == 1 and queue["items"][0]["sla"] == "met"


def test_surveys_invitations_and_summary(service) -> None:
    seed_guest(service)
    c, analyst = service.client, service.auth("analyst")
    r = c.post(
        "/api/surveys", headers=analyst, json={"code": "nps-2026", "name": "NPS", "kind": "NPS"}
    )
    assert r.status_code == 201, r.text
    custom = c.post(
        "/api/surveys",
        headers=analyst,
        json={
            "code": "stay",
            "name": "Your stay",
            "items": [
                {
                    "code": "Q1",
                    "text_en": "Room cleanliness",
                    "text_zh": "房间清洁",
                    "construct": "quality",
                    "scale_min": 1,
                    "scale_max": 5,
                }
            ],
        },
    )
    assert custom.status_code == 201 and custom.json()["items"][0]["construct"] == "quality"
    scores = [10, 9, 8, 6, 10]
    for s in scores:
        inv = c.post(
            "/api/surveys/nps-2026/invitations", headers=analyst, json={"customer_id": "H-ORIENTAL"}
        )
        assert inv.status_code == 201
        token = inv.json()["token"]
        assert (
            c.post(
                f"/api/public/surveys/{token}/responses", json={"answers": {"NPS": s}}
            ).status_code
            == 201
        )
    bad = c.post("/api/surveys/nps-2026/invitations", headers=analyst, json={}).json()["token"]
    out_of_range = c.post(f"/api/public/surveys/{bad}/responses", json={"answers": {"NPS": 11}})
    assert out_of_range.status_code == 422
    summary = c.get("/api/surveys/nps-2026/summary", headers=analyst).json()
    assert summary["responses"] == 5 and summary["invitations"] == 6
    assert summary["invitations_used"] == 5
    assert abs(summary["nps"] - 100 * (3 - 1) / 5) < 1e-9
    assert abs(summary["items"]["NPS"]["mean"] - 8.6) < 1e-9
    forged = c.get("/api/public/surveys/not-a-real-token")
    assert forged.status_code == 404


def test_analytics_read_access(service) -> None:
    seed_guest(service)
    write_scores(
        service.workspace,
        pd.DataFrame({"customer_id": ["H-ORIENTAL"], "metric": ["clv"], "value": [1234.5]}),
        as_of=dt.date(2026, 11, 1),
    )
    analyst = service.auth("analyst")
    metrics = service.client.get("/api/analytics/metrics", headers=analyst).json()
    assert metrics == [
        {"metric": "clv", "as_of": "2026-11-01", "customers": 1, "mean": 1234.5, "labels": {}}
    ]
    rows = service.client.get("/api/analytics/scores", params={"metric": "clv"}, headers=analyst)
    assert rows.json()["items"][0]["customer_id"] == "H-ORIENTAL"


def test_merge_export_erase(service) -> None:
    seed_guest(service)
    c, admin = service.client, service.auth("admin")
    r = c.post(
        "/api/customers",
        headers=admin,
        json={
            "customer_id": "DUP-1",
            "name": "Wei Chen",
            "preferences": [{"key": "pillow", "value": "firm"}],
        },
    )
    c.post(
        "/api/orders",
        headers=admin,
        json={"customer_id": "DUP-1", "amount": 99.5, "order_id": "D1"},
    )
    r = c.post("/api/customers/H-ORIENTAL/merge", headers=admin, json={"duplicate_id": "DUP-1"})
    assert r.status_code == 200, r.text
    assert c.get("/api/customers/DUP-1", headers=admin).status_code == 404
    view = c.get("/api/customers/H-ORIENTAL/360", headers=admin).json()
    assert view["stats"]["orders"] == 4 and abs(view["stats"]["spend"] - 1410.0) < 1e-9
    assert "pillow" in {p["key"] for p in view["preferences"]}

    export = c.get("/api/customers/H-ORIENTAL/export", headers=admin)
    assert export.status_code == 200
    data = export.json()
    assert data["customer"]["name"] == "Chen Wei" and len(data["orders"]) == 4
    assert len(data["complaints"]) == 1 and "token_hash" not in str(data["survey_invitations"])

    assert c.post("/api/customers/H-ORIENTAL/erase", headers=admin).status_code == 422  # no confirm
    r = c.post("/api/customers/H-ORIENTAL/erase", params={"confirm": "H-ORIENTAL"}, headers=admin)
    assert r.status_code == 200, r.text
    erased = r.json()
    assert erased["name"] is None and erased["email"] is None and erased["phone"] is None
    assert erased["birthday"] is None and erased["erased_at"] is not None
    after = c.get("/api/customers/H-ORIENTAL/360", headers=admin).json()
    # The aggregates stay: same number of orders, same spend; personal text is gone.
    assert after["stats"]["orders"] == 4 and abs(after["stats"]["spend"] - 1410.0) < 1e-9
    assert after["preferences"] == [] and after["card"]["next_birthday"] is None
    assert all(e.get("detail") is None for e in after["timeline"])
    assert c.get("/api/customers", params={"q": "chen"}, headers=admin).json()["total"] == 0
    with session_scope(service.url) as session:
        actions = set(session.scalars(sa.select(AuditLog.action).where(AuditLog.actor == "admin1")))
    assert {"merge", "export", "erase", "read", "create"} <= actions


def test_import_upload(service, tmp_path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name,email\nU1,Ann,ann@example.com\nU2,Bob,bob@example.com\n")
    with path.open("rb") as handle:
        r = service.client.post(
            "/api/imports/customers",
            headers=service.auth("analyst"),
            files={"file": ("customers.csv", handle, "text/csv")},
        )
    assert r.status_code == 201, r.text
    summary = r.json()["summary"]
    assert summary["read"] == 2 and summary["imported"] == 2 and summary["rejected"] == 0
    found = service.client.get(
        "/api/customers", params={"q": "U2", "field": "id"}, headers=service.auth("agent")
    )
    assert found.json()["items"][0]["name"] == "Bob"
