"""The surveys pages: every kind of survey renders, with missing figures said in words."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from patron.collect import complaints, customers, surveys
from patron.collect.roles import SYSTEM
from patron.collect.store.db import session_scope
from patron.collect.store.models import SurveyInvitation, SurveyResponse
from patron.collect.times import now
from patron.exceptions import InputError

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


def test_surveys_page_renders_every_kind(sqlite_service) -> None:
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
    for user, lang in (("analyst1", "en"), ("admin1", "zh_CN"), ("analyst1", "zh_CN")):
        svc.client.cookies.clear()
        sign_in(svc.client, user)
        page = svc.client.get(f"/surveys?lang={lang}")
        assert page.status_code == 200, page.text[:500]
        assert ("Rows 1–7 of 7" if lang == "en" else "第 1–7 行，共 7 行") in page.text
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
        if lang == "en":
            assert "no answers yet" in page.text  # the CES survey nobody answered
            assert "33" in page.text.split('id="survey-s-nps"')[1].split("</li>")[0]
        else:
            assert "尚无回答" in page.text
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


def test_builder_skip_rules_batch_links_reminders_and_results(sqlite_service) -> None:
    svc = sqlite_service
    seed_guest(svc)
    with session_scope(svc.url) as session:
        for i in range(3):
            customers.create_customer(session, SYSTEM, customer_id=f"T{i}", name=f"Tagged {i}")
            customers.add_tag(session, SYSTEM, f"T{i}", "breakfast")
    sign_in(svc.client, "analyst1")
    token = csrf_from(svc.client.get("/surveys/new").text)
    form = {
        "csrf_token": token,
        "name": "Breakfast check",
        "code": "bf",
        "preset": ["NPS"],
        "items.0.code": "WHY",
        "items.0.text_en": "What should we fix first? (1 food … 5 staff)",
        "items.0.text_zh": "我们应先改进什么？",
        "items.0.scale_min": "1",
        "items.0.scale_max": "5",
        "items.0.required": "on",
        "items.0.show_if_item": "NPS",
        "items.0.show_if_max": "6",
    }
    preview = svc.client.post("/surveys/preview?lang=zh_CN", data=form)
    assert preview.status_code == 200 and "我们应先改进什么？" in preview.text
    bad = svc.client.post("/surveys/new", data={**form, "items.0.show_if_item": "LATER"})
    assert (
        bad.status_code == 422 and "跳转规则必须引用前面的问题" in bad.text
    )  # in the cookie's language
    made = svc.client.post("/surveys/new", data=form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/surveys/bf"
    page = svc.client.get("/surveys/bf")
    batch = svc.client.post(
        "/surveys/bf/batch", data={"csrf_token": csrf_from(page.text), "tag": "breakfast"}
    )
    assert batch.status_code == 200 and batch.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(batch.text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["T0", "T1", "T2"]
    links = [r[3] for r in rows[1:]]
    again = svc.client.post(
        "/surveys/bf/batch", data={"csrf_token": csrf_from(page.text), "tag": "breakfast"}
    )
    assert len(list(csv.reader(io.StringIO(again.text.lstrip("\ufeff"))))) == 1  # no one twice
    tokens = [link.rsplit("/s/", 1)[1] for link in links]
    answer_page = svc.client.get(f"/s/{tokens[0]}")
    assert 'data-show-if-item="NPS"' in answer_page.text
    with session_scope(svc.url) as session:
        key = svc.workspace.secret_key
        with pytest.raises(InputError, match="WHY must be answered"):
            surveys.submit_response(session, tokens[0], {"NPS": 3}, secret_key=key)
        surveys.submit_response(session, tokens[0], {"NPS": 3, "WHY": 1}, secret_key=key)
        # WHY is skipped for a promoter: its answer is not kept.
        surveys.submit_response(session, tokens[1], {"NPS": 10, "WHY": 5}, secret_key=key)
        kept = session.execute(
            sa.select(SurveyResponse.item_code, SurveyResponse.value).order_by(SurveyResponse.id)
        ).all()
        assert [tuple(r) for r in kept if r[0] in ("NPS", "WHY")][-3:] == [
            ("NPS", 3.0),
            ("WHY", 1.0),
            ("NPS", 10.0),
        ]
        # Invited "3 days ago": only T2 has not answered and gets a new link.
        session.execute(sa.update(SurveyInvitation).values(created_at=now() - timedelta(days=4)))
        session.commit()
    reminder = svc.client.post(
        "/surveys/bf/remind", data={"csrf_token": csrf_from(page.text), "after_days": "3"}
    )
    rows = list(csv.reader(io.StringIO(reminder.text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["T2"] and rows[1][3] != links[2]
    assert svc.client.get(f"/s/{tokens[2]}").status_code == 404  # the old link stops working
    results = svc.client.get("/surveys/bf?lang=en")
    table = results.text.split('id="item-results"')[1].split("</table>")[0]
    assert "What should we fix first?" in table and "Asked only when NPS" in table
    # NPS of (3, 10): one detractor, one promoter = 0; response rate 2 of 3 links.
    headlines = results.text.split('class="headlines"')[1].split("</dl>")[0]
    assert "<dd>0</dd>" in headlines and "67" in headlines
    link = svc.client.post(
        "/surveys/bf/link", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert link.status_code == 303
    shown = svc.client.get("/surveys/bf")
    assert 'id="new-link"' in shown.text and "<svg" in shown.text
    assert 'id="new-link"' not in svc.client.get("/surveys/bf").text


def test_survey_csi_from_stored_answers(sqlite_service) -> None:
    import numpy as np
    import pandas as pd

    from patron.jobs.context import AnalysisContext
    from patron.jobs.csi import csi
    from patron.jobs.survey_csi import MIN_RESPONDENTS, survey_csi

    svc = sqlite_service
    with session_scope(svc.url) as session:
        survey = surveys.create_survey(session, SYSTEM, code="acsi", name="ACSI", kind="ACSI")
        codes = [item.code for item in survey.items]
        assert survey_csi(session, "acsi").missing.startswith("the satisfaction index needs")
        rng = np.random.default_rng(3)
        rows = []
        for n in range(MIN_RESPONDENTS + 10):
            base = rng.integers(3, 9)
            for code in codes:
                value = int(np.clip(base + rng.integers(-2, 3), 1, 10))
                rows.append({"response_id": f"r{n}", "item_code": code, "value": float(value)})
        for row in rows:
            session.add(SurveyResponse(survey_pk=survey.id, responded_at=now(), **row))
        session.commit()
        found = survey_csi(session, "acsi", lang="en")
    expected = csi(AnalysisContext.from_tables({}), model="acsi", answers=pd.DataFrame(rows))
    assert found.model == "acsi" and found.respondents == MIN_RESPONDENTS + 10
    assert found.satisfaction_index == pytest.approx(
        expected.figures["satisfaction_index"], abs=1e-9
    )
    top = expected.tables["ipma"].iloc[0]
    assert found.drivers[0]["item"] == top["item"]
    assert found.drivers[0]["question"] != top["item"]  # the question's words, not its code
    sign_in(svc.client, "analyst1")
    # The survey's page loads the index into itself; opened on its own, the address
    # leads to that page.
    opened = svc.client.get("/surveys/acsi/csi?lang=en", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/surveys/acsi")
    page = svc.client.get("/surveys/acsi/csi?lang=en", headers={"HX-Request": "true"})
    assert f'id="csi-value">{expected.figures["satisfaction_index"]:.1f}<' in page.text
