"""The surveys pages: every kind of survey renders, with missing figures said in words."""

from __future__ import annotations

import re

import pytest

from patron.collect import complaints, surveys
from patron.collect.roles import SYSTEM
from patron.collect.store.db import session_scope

from .conftest import PASSWORD, seed_guest


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def answer(svc, code: str, answers: dict) -> None:  # type: ignore[no-untyped-def]
    with session_scope(svc.url) as session:
        _inv, token = surveys.create_invitation(
            session,
            SYSTEM,
            survey_code=code,
            customer_id=None,
            channel="web",
            secret_key=svc.workspace.secret_key,
        )
        surveys.submit_response(
            session, token, answers, secret_key=svc.workspace.secret_key, source="web"
        )


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_surveys_page_renders_every_kind(sqlite_service, lang: str) -> None:
    svc = sqlite_service
    seed = seed_guest(svc)
    with session_scope(svc.url) as session:
        for kind in ("ACSI", "ECSI", "NPS", "CSAT", "CES"):
            surveys.create_survey(session, SYSTEM, code=f"s-{kind.lower()}", name=kind, kind=kind)
        surveys.create_survey(
            session,
            SYSTEM,
            code="s-custom",
            name="Only a comment scale",
            kind="custom",
            items=[
                {"code": "Q1", "text_en": "Was the room quiet?", "scale_min": 1, "scale_max": 5}
            ],
        )
        # Resolving a complaint creates the follow-up survey (no NPS, CSAT or CES item).
        complaints.resolve(
            session,
            SYSTEM,
            seed["complaint"]["id"],
            "Fresh breakfast served",
            secret_key=svc.workspace.secret_key,
        )
    answer(svc, "s-nps", {"NPS": 10})
    answer(svc, "s-nps", {"NPS": 3})
    answer(svc, "s-nps", {"NPS": 9})
    answer(svc, "s-csat", {"CSAT": 5})
    answer(svc, "s-csat", {"CSAT": 2})
    answer(svc, "s-custom", {"Q1": 4})
    for user in ("analyst1", "admin1"):
        svc.client.cookies.clear()
        sign_in(svc.client, user)
        page = svc.client.get(f"/surveys?lang={lang}")
        assert page.status_code == 200, page.text[:500]
        for code in (
            "s-acsi",
            "s-ecsi",
            "s-nps",
            "s-csat",
            "s-ces",
            "s-custom",
            "complaint-followup",
        ):
            assert code in page.text
    with session_scope(svc.url) as session:
        nps = surveys.response_summary(session, "s-nps")
        csat = surveys.response_summary(session, "s-csat")
        ces = surveys.response_summary(session, "s-ces")
        followup = surveys.response_summary(session, "complaint-followup")
    # Two promoters, one detractor of three: (2 - 1) / 3.
    assert nps["nps"] == pytest.approx(100 / 3, abs=1e-9)
    assert csat["csat"] == pytest.approx(50.0)
    assert ces["ces"] is None and ces["has"]["CES"]
    assert followup["nps"] is None and not any(followup["has"].values())
    assert followup["invitations"] == 1 and followup["response_rate"] == 0.0
    if lang == "en":
        assert "no answers yet" in page.text  # the CES survey nobody answered
        assert "33" in page.text.split("s-nps")[1].split("</li>")[0]
