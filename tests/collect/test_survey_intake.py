"""Surveys: presets, single-use links, answers stored exactly once even under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from patron.collect import customers, surveys
from patron.collect.errors import TokenError
from patron.collect.roles import Actor
from patron.collect.store.db import session_factory, session_scope
from patron.collect.store.models import SurveyInvitation, SurveyResponse
from patron.exceptions import InputError

ANALYST = Actor(username="ana", role="analyst")


def test_presets() -> None:
    assert [(i.code, i.scale_min, i.scale_max) for i in surveys.preset_items("NPS")] == [
        ("NPS", 0, 10)
    ]
    assert [i.code for i in surveys.preset_items("CSAT")] == ["CSAT"]
    assert [(i.code, i.scale_max) for i in surveys.preset_items("CES")] == [("CES", 7)]
    acsi = surveys.preset_items("ACSI")
    assert len(acsi) == 15 and acsi[0].code == "CE1" and acsi[0].construct == "expectations"
    assert acsi[0].text_zh and acsi[0].scale_max == 10
    with pytest.raises(InputError, match="unknown survey preset XYZ"):
        surveys.preset_items("XYZ")


def test_exactly_once_under_concurrent_submits(workspace) -> None:
    url, key = workspace.database_url, workspace.secret_key
    with session_scope(url) as s:
        customers.create_customer(s, ANALYST, customer_id="G1", name="G")
        surveys.create_survey(s, ANALYST, code="nps", name="NPS", kind="NPS")
        _inv, token = surveys.create_invitation(
            s, ANALYST, survey_code="nps", customer_id="G1", secret_key=key
        )
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def submit(value: int) -> None:
        session = session_factory(url)()
        try:
            barrier.wait()
            surveys.submit_response(session, token, {"NPS": value}, secret_key=key)
            outcomes.append("stored")
        except TokenError as exc:
            outcomes.append(exc.reason)
        finally:
            session.close()

    threads = [threading.Thread(target=submit, args=(v,)) for v in range(4, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stored"] + ["used"] * 5
    with session_scope(url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_expired_and_invalid_links(sqlite_workspace) -> None:
    url, key = sqlite_workspace.database_url, sqlite_workspace.secret_key
    with session_scope(url) as s:
        surveys.create_survey(s, ANALYST, code="ces", name="CES", kind="CES")
        inv, token = surveys.create_invitation(s, ANALYST, survey_code="ces", secret_key=key)
        s.execute(
            sa.update(SurveyInvitation)
            .where(SurveyInvitation.id == inv.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        s.commit()
        with pytest.raises(TokenError, match="expired") as expired:
            surveys.submit_response(s, token, {"CES": 3}, secret_key=key)
        assert expired.value.status == 410
        with pytest.raises(TokenError, match="not valid") as forged:
            surveys.open_invitation(s, token, secret_key="another key")
        assert forged.value.status == 404
        _inv, fresh = surveys.create_invitation(s, ANALYST, survey_code="ces", secret_key=key)
        with pytest.raises(InputError, match=r"question CES: answer 9 is outside 1–7"):
            surveys.submit_response(s, fresh, {"CES": 9}, secret_key=key)
        with pytest.raises(InputError, match="unknown question Q9 in survey ces"):
            surveys.submit_response(s, fresh, {"Q9": 1}, secret_key=key)
        # Refused answers do not use up the link.
        assert surveys.submit_response(s, fresh, {"CES": 2}, secret_key=key).startswith("inv-")
