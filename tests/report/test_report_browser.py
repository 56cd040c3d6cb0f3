"""The report in a real browser (Debian's Chromium), with the network cut off."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def test_every_chart_draws_offline(hotel_report, artifacts_dir):
    from playwright.sync_api import sync_playwright

    messages: list[str] = []
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on(
                "console",
                lambda m: messages.append(f"{m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))

            def only_the_file(route):
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_file)
            page.goto(hotel_report.path.as_uri())
            charts = page.locator("[data-chart]")
            expected = sum(len(s.charts) for s in hotel_report.sections)
            assert charts.count() == expected >= 18
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-chart]'))"
                ".every(d => d.getAttribute('data-drawn'))",
                timeout=30_000,
            )
            states = page.evaluate(
                "() => Array.from(document.querySelectorAll('[data-chart]')).map(d => "
                "[d.id, d.getAttribute('data-drawn'), d.querySelectorAll('svg, canvas').length])"
            )
            assert all(state == "yes" and drawn >= 1 for _id, state, drawn in states), states
            # Each section is on the page, with its command beside the figures.
            assert page.locator("section[data-status=ok]").count() == len(hotel_report.sections)
            assert page.locator("code.command").count() == len(hotel_report.sections)
            page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)
        finally:
            browser.close()
    assert messages == []
    assert blocked == []  # the page asked for nothing beyond itself
