"""In a real browser (Debian's Chromium through Playwright): staff and a guest on a phone.

Signs in, finds the guest, sees the usual preferences and the timeline, opens and
resolves a complaint, then answers the follow-up question from its link on a
phone-sized screen in Chinese. Screenshots go to the test artifacts folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from patron.collect.store.db import session_scope
from patron.collect.store.models import SurveyResponse

from .conftest import PASSWORD, make_service, seed_guest, serve_live

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def live_service(sqlite_workspace):
    """The app served by uvicorn in a thread on a free loopback port."""
    svc = make_service(sqlite_workspace)
    seed_guest(svc)
    with serve_live(svc.client.app) as url:
        yield svc, url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


def test_staff_and_guest_journey(live_service, browser, artifacts_dir) -> None:
    svc, base = live_service
    staff = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = staff.new_page()
    page.set_default_timeout(10_000)

    # Sign in.
    page.goto(f"{base}/customers")
    assert page.url.startswith(f"{base}/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")

    # Find the guest: results arrive through HTMX while typing.
    page.fill("input[name=q]", "chen")
    page.wait_for_selector("text=Chen Wei")
    page.click("text=Chen Wei")
    page.wait_for_url(f"{base}/customers/H-ORIENTAL")
    usual = page.inner_text("#usual-preferences")
    assert "breakfast: sandwich, coffee, egg" in usual
    assert "seat: window, 2nd floor" in usual
    timeline = page.locator("#timeline li")
    assert timeline.count() == 5
    assert "Oriental Hotel" in page.inner_text("#timeline")
    page.screenshot(path=str(artifacts_dir / "service-customer-360.png"), full_page=True)

    # Open a complaint from the 360 page, assign it, resolve it.
    page.click("summary:has-text('Open a complaint')")
    page.fill("textarea[name=description]", "Room not ready at check-in")
    page.select_option("select[name=severity]", "critical")
    page.click("button:has-text('Open complaint')")
    page.wait_for_selector("#complaint-status")
    assert page.inner_text("#complaint-status") == "open"
    page.click("button:has-text('Assign')")
    page.wait_for_selector("#complaint-status:has-text('assigned')")
    page.fill("textarea[name=resolution]", "Upgraded to a suite, apologised")
    page.click("button:has-text('Resolve')")
    page.wait_for_selector("#followup-link")
    assert page.inner_text("#complaint-status") == "resolved"
    link = page.get_attribute("#followup-link", "href")
    page.screenshot(path=str(artifacts_dir / "service-complaint-resolved.png"), full_page=True)

    # The queue shows the remaining open complaint with its SLA colour.
    page.goto(f"{base}/complaints")
    assert page.locator("ul.queue li.sla-ok, ul.queue li.sla-due_soon").count() == 1
    page.screenshot(path=str(artifacts_dir / "service-complaint-queue.png"), full_page=True)
    staff.close()

    # The guest answers the follow-up on a phone; the guest's language is Chinese.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    mobile = phone.new_page()
    mobile.set_default_timeout(10_000)
    mobile.goto(link)
    assert "您对我们处理您投诉的方式满意吗？" in mobile.inner_text("legend")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    mobile.screenshot(path=str(artifacts_dir / "service-survey-phone-zh.png"), full_page=True)
    mobile.click("label.point:has-text('4')")
    mobile.fill("textarea[name=comment]", "谢谢，处理得很快")
    mobile.click("button:has-text('提交我的回答')")
    mobile.wait_for_selector("#done")
    assert mobile.inner_text("#done") == "谢谢您！"
    mobile.screenshot(path=str(artifacts_dir / "service-survey-done-zh.png"), full_page=True)
    # Going back and sending again is refused: the answer is stored once.
    mobile.goto(link)
    assert "已经使用" in mobile.inner_text("main")
    phone.close()

    with session_scope(svc.url) as session:
        rows = session.execute(
            sa.select(
                SurveyResponse.item_code, SurveyResponse.value, SurveyResponse.text_value
            ).order_by(SurveyResponse.item_code)
        ).all()
    assert rows == [("FU1", 4.0, None), ("comment", None, "谢谢，处理得很快")]
