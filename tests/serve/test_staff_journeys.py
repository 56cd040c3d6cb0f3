"""Staff journeys in a real browser (Debian's Chromium): an agent and a manager, both languages.

The agent finds a guest by the Chinese name, edits them, logs a call, opens, assigns and
resolves a complaint. The manager builds a survey with a skip rule, invites a group,
a guest answers on a phone, and the manager sees the result. Each journey runs once on
a desktop and once on a 390×844 phone, one in English and one in Chinese. One browser
and one server for the module; screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from patron.collect import customers
from patron.collect.roles import SYSTEM
from patron.collect.store.db import session_scope
from patron.collect.store.models import Complaint, Customer, Interaction, SurveyResponse

from .conftest import PASSWORD, make_service, seed_guest, serve_live

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
]
DESKTOP = {"viewport": {"width": 1200, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def live(tmp_path_factory, artifacts_dir):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    from patron.collect.workspace_setup import init_workspace

    mp = pytest.MonkeyPatch()
    mp.delenv("PATRON_DATABASE_URL", raising=False)
    workspace = init_workspace(tmp_path_factory.mktemp("journeys") / "ws")
    svc = make_service(workspace)
    with svc.client:
        seed_guest(svc)
        with session_scope(svc.url) as session:
            session.execute(
                sa.update(Customer)
                .where(Customer.customer_id == "H-ORIENTAL")
                .values(name_zh="陈伟")
            )
            session.commit()
            for i in range(3):
                customers.create_customer(
                    session,
                    SYSTEM,
                    customer_id=f"BF{i}",
                    name=f"Breakfast guest {i}",
                    language="zh_CN",
                )
                customers.add_tag(session, SYSTEM, f"BF{i}", "breakfast")
        shots = artifacts_dir / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        with serve_live(svc.client.app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            )
            yield svc, base, browser, shots
            browser.close()
    mp.undo()


def _sign_in(browser, base: str, user: str, lang: str, device: dict):  # type: ignore[no-untyped-def]
    context = browser.new_context(**device, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login?lang={lang}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize(("lang", "size"), [("en", "desktop"), ("zh_CN", "phone")])
def test_agent_journey(live, lang: str, size: str) -> None:
    from playwright.sync_api import expect

    svc, base, browser, shots = live
    name = f"agent-{lang}-{size}"
    context, page = _sign_in(browser, base, "agent1", lang, DESKTOP if size == "desktop" else PHONE)

    # Find the guest by the Chinese name: results arrive through HTMX while typing.
    page.goto(f"{base}/customers")
    page.fill("input[name=q]", "陈伟")
    expect(page.locator("ul.results li")).to_have_count(1)
    # the answer to the last keystroke may still be on its way and replace the list the
    # click lands on (seen on a loaded CI machine): wait until HTMX is idle
    page.wait_for_load_state("networkidle")
    expect(page.locator("ul.results li")).to_have_count(1)
    assert page.locator("ul.results a[href='/customers/H-ORIENTAL']").count() == 1
    _fits(page)
    page.screenshot(path=str(shots / f"{name}-1-search.png"), full_page=True)
    page.click("ul.results a[href='/customers/H-ORIENTAL']")
    page.wait_for_url(f"{base}/customers/H-ORIENTAL")
    assert "陈伟" in page.inner_text("#guest-name") and "Chen Wei" in page.inner_text("#guest-name")

    # Edit: a bad e-mail is refused beside its field, then a good edit is saved.
    page.click("a[href='/customers/H-ORIENTAL/edit']")
    page.fill("input[name=email]", "chen@example")  # the browser accepts it, the server does not
    page.click("form button[type=submit].wide")
    page.wait_for_selector("#err-email")
    page.screenshot(path=str(shots / f"{name}-2-edit-error.png"), full_page=True)
    page.fill("input[name=email]", f"chen.wei+{lang}@example.cn")
    page.fill("input[name=city]", "上海" if lang == "zh_CN" else "Shanghai")
    page.click("form button[type=submit].wide")
    page.wait_for_url(f"{base}/customers/H-ORIENTAL")
    page.screenshot(path=str(shots / f"{name}-2b-saved.png"), full_page=True)
    assert f"chen.wei+{lang.lower()}@example.cn" in page.inner_text("main")  # stored lower-case

    # Log a call.
    page.select_option("#log-contact select[name=kind]", "call")
    page.fill("#log-contact textarea[name=summary]", f"Called about the late checkout ({lang})")
    page.click("#log-contact button[type=submit]")
    page.wait_for_selector(f"#timeline:has-text('late checkout ({lang})')")

    # Open a complaint from the 360, assign it to a colleague from the list, resolve it.
    page.click("details:has(form[action$='/complaints']) > summary")
    page.fill("form[action$='/complaints'] textarea[name=description]", f"Noisy room ({lang})")
    page.select_option("form[action$='/complaints'] select[name=severity]", "high")
    page.fill("form[action$='/complaints'] input[name=category]", "noise")
    page.click("form[action$='/complaints'] button[type=submit]")
    page.wait_for_selector("#complaint-status")
    complaint_url = page.url
    page.select_option("form[action$='/assign'] select[name=assignee]", "admin1")
    page.click("form[action$='/assign'] button[type=submit]")
    page.wait_for_url(complaint_url)
    page.fill("form[action$='/resolve'] textarea[name=resolution]", "Moved to a quiet room")
    page.click("form[action$='/resolve'] button[type=submit]")
    page.wait_for_selector("#followup-link")
    assert page.url == complaint_url  # redirected after the POST, not left on it
    _fits(page)
    page.screenshot(path=str(shots / f"{name}-3-complaint-resolved.png"), full_page=True)

    # The queue: filter by category, see it among the resolved ones.
    page.goto(f"{base}/complaints?status=resolved&category=noise")
    assert page.locator("ul.queue li").count() >= 1
    _fits(page)
    page.screenshot(path=str(shots / f"{name}-4-queue.png"), full_page=True)
    context.close()

    with session_scope(svc.url) as session:
        pk = int(complaint_url.rsplit("/", 1)[1])
        c = session.get(Complaint, pk)
        assert (c.status, c.assigned_to, c.severity, c.category) == (
            "resolved",
            "admin1",
            "high",
            "noise",
        )
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Interaction)
                .where(Interaction.summary == f"Called about the late checkout ({lang})")
            )
            == 1
        )


@pytest.mark.parametrize(("lang", "size"), [("zh_CN", "desktop"), ("en", "phone")])
def test_manager_journey(live, lang: str, size: str) -> None:
    svc, base, browser, shots = live
    name = f"manager-{lang}-{size}"
    code = f"bf-{lang}-{size}".replace("_", "")
    context, page = _sign_in(
        browser, base, "analyst1", lang, DESKTOP if size == "desktop" else PHONE
    )

    # Build: NPS plus a bilingual question asked only of detractors; the preview follows.
    page.goto(f"{base}/surveys/new")
    page.fill("input[name=name]", "Breakfast check" if lang == "en" else "早餐回访")
    page.fill("input[name=code]", code)
    page.fill("input[name='items.0.code']", "WHY")
    page.fill("input[name='items.0.text_en']", "What should we fix first?")
    page.fill("input[name='items.0.text_zh']", "我们应先改进什么？")
    page.fill("input[name='items.0.show_if_item']", "NPS")
    page.fill("input[name='items.0.show_if_max']", "6")
    page.check("input[name='items.0.required']")
    expected = "我们应先改进什么？" if lang == "zh_CN" else "What should we fix first?"
    page.wait_for_selector(f"#preview .phone-frame:has-text('{expected}')")
    page.screenshot(path=str(shots / f"{name}-1-builder.png"), full_page=True)
    page.click("#builder button[type=submit]")
    page.wait_for_url(f"{base}/surveys/{code}")

    # Invite the group tagged "breakfast": the personal links come as a CSV, once.
    page.fill("form[action$='/batch'] input[name=tag]", "breakfast")
    with page.expect_download() as download:
        page.click("form[action$='/batch'] button[type=submit]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["customer_id"] for r in rows] == ["BF0", "BF1", "BF2"]

    # A guest answers on a phone (a detractor, so the follow-up question appears).
    guest = browser.new_context(**PHONE)
    mobile = guest.new_page()
    mobile.set_default_timeout(15_000)
    mobile.goto(rows[0]["link"])
    assert mobile.locator("fieldset[data-show-if-item]").is_hidden()
    mobile.click("label.point:has(input[name=q_NPS][value='3'])")
    mobile.wait_for_selector("fieldset[data-show-if-item]", state="visible")
    assert "我们应先改进什么？" in mobile.inner_text("main")  # the guest's language
    mobile.click("label.point:has(input[name=q_WHY][value='2'])")
    _fits(mobile)
    mobile.screenshot(path=str(shots / f"{name}-2-guest-answers.png"), full_page=True)
    mobile.click("button[type=submit]")
    mobile.wait_for_selector("#done")
    guest.close()

    # The result, live: one response of three links, NPS −100, the answer to WHY.
    page.goto(f"{base}/surveys/{code}")
    headlines = page.inner_text("dl.headlines")
    assert "-100" in headlines.replace("−", "-") and "33" in headlines
    assert "2" in page.inner_text("#item-results")
    _fits(page)
    page.screenshot(path=str(shots / f"{name}-3-results.png"), full_page=True)
    page.goto(f"{base}/surveys")
    page.screenshot(path=str(shots / f"{name}-4-surveys.png"), full_page=True)
    context.close()

    with session_scope(svc.url) as session:
        answers = session.execute(
            sa.select(SurveyResponse.item_code, SurveyResponse.value)
            .where(SurveyResponse.response_id.like("inv-%"))
            .where(SurveyResponse.item_code.in_(["NPS", "WHY"]))
            .order_by(SurveyResponse.id.desc())
            .limit(2)
        ).all()
    assert sorted(tuple(a) for a in answers) == [("NPS", 3.0), ("WHY", 2.0)]
