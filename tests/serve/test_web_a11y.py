"""Accessibility and looks, in a real browser: axe-core finds no serious or critical
violation on the pages, in English and Chinese, on a desktop and a phone; each page is
kept as a screenshot in test-artifacts/screenshots/ for a person to look at.

The pages come from the app's router (as in the crawler test), so a page added later is
checked too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from patron.core.workspace import Workspace

from .conftest import PASSWORD, make_service, serve_live
from .demo_site import demo_site
from .page_crawl import example_pages

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
]

#: Live analytics sections visited besides the one the router's example value names.
MORE_SECTIONS = ("/analytics/section/cohorts", "/analytics/section/comments")
# What shows that a page which draws itself in the browser has finished drawing.
READY = {"/docs": ".swagger-ui .info .title", "/redoc": ".api-content h1"}
# Screenshots on a desktop and a phone only when asked (PATRON_SCREENSHOTS=1): the
# accessibility check itself runs on the desktop layout and on the phone when asked.
DEVICES = (
    {"desktop": (1280, 800), "phone": (390, 844)}
    if os.environ.get("PATRON_SCREENSHOTS")
    else {"desktop": (1280, 800)}
)
AXE_DEVICES = ("desktop", "phone")
# Swagger UI's own markup nests a button in its operation summaries (upstream markup we
# ship unchanged); every other rule holds on /docs too.
KNOWN = {"/docs": ("nested-interactive",)}
LANGS = ("en", "zh_CN")
ENGLISH_MONTHS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        demo = demo_site(tmp_path_factory.mktemp("a11y"))
        workspace = Workspace.open(demo.root)
        service = make_service(workspace)
        pages = [  # downloads (CSV exports) are files, not pages
            *(p for p in example_pages(service.client.app, demo) if not p.endswith(".csv")),
            *MORE_SECTIONS,
        ]
        # Compute the manager's figures and the live sections once before the browser
        # asks (the process keeps them): the page loads then time only the rendering.
        from patron.core.i18n import language
        from patron.jobs.home import manager_home_for
        from patron.report.live import live_section

        for lang in LANGS:
            with language(lang):
                manager_home_for(workspace, "hotel")
            for path in pages:
                if path.startswith("/analytics/section/"):
                    live_section(workspace, path.rsplit("/", 1)[1], unit="hotel", lang=lang)
        with serve_live(service.client.app) as url:
            yield url, pages
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


def _sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious and critical axe-core violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _watch(page, host: str, outside: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Note every request ``page`` sends to another site."""
    page.set_default_timeout(120_000)

    def sent(request) -> None:  # type: ignore[no-untyped-def]
        if urlparse(request.url).netloc not in (host, ""):
            outside.append(request.url)

    def blocked(request) -> None:  # type: ignore[no-untyped-def]
        # Stopped by the page's own policy before it left the browser: not a request.
        if "csp" in (request.failure or "").lower() and request.url in outside:
            outside.remove(request.url)

    page.on("request", sent)
    page.on("requestfailed", blocked)


def check_pages(browser, base: str, paths, shots: Path | None) -> list[str]:  # type: ignore[no-untyped-def]
    """Visit ``paths`` in each language and device; return every blocking violation and
    every request that left this site; save screenshots into ``shots``."""
    problems: list[str] = []
    host = urlparse(base).netloc
    for device, (width, height) in DEVICES.items():
        # The staff pages' policy forbids inline scripts: the test injects axe anyway.
        # The API docs allow inline scripts and keep their own policy (it stops ReDoc's
        # logo from loading from another site), so they are visited as they are.
        viewport = {"width": width, "height": height}
        contexts = [
            browser.new_context(viewport=viewport, bypass_csp=True),
            browser.new_context(viewport=viewport),
        ]
        staff, docs = (c.new_page() for c in contexts)
        outside: list[str] = []
        for one in (staff, docs):
            _watch(one, host, outside)
        _sign_in(staff, base)
        for lang in LANGS:
            for path in paths:
                if path in READY and lang != LANGS[0]:
                    continue  # the API docs are the same in every language
                page = docs if path in READY else staff
                sep = "&" if "?" in path else "?"
                page.goto(f"{base}{path}{sep}lang={lang}", wait_until="networkidle")
                if page.locator(".chart[data-spec]").count():
                    page.wait_for_selector(".chart svg")
                    if lang != LANGS[0]:  # dates on the axes in the page's language
                        drawn = " ".join(page.locator(".chart svg text").all_text_contents())
                        problems += [
                            f"{path} [{lang}, {device}]: English month {m!r} on a chart"
                            for m in set(ENGLISH_MONTHS.findall(drawn))
                        ]
                ready = READY.get(path)
                if ready:  # the API viewers draw themselves after loading the schema
                    page.wait_for_selector(ready)
                if shots is not None:
                    name = path.strip("/").replace("/", "-") or "home"
                    page.screenshot(
                        path=str(shots / f"{name}-{lang}-{device}.png"),
                        full_page=path not in READY,  # ReDoc's one page is very long
                    )
                if device not in AXE_DEVICES:
                    continue
                for v in axe_violations(page):
                    if v["id"] in KNOWN.get(path, ()):
                        continue
                    problems.append(f"{path} [{lang}, {device}]: {v}")
        problems += [f"request to another site: {u}" for u in outside]
        for context in contexts:
            context.close()
    return problems


def test_pages_accessible_and_offline(live_site, browser, artifacts_dir) -> None:
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    base, pages = live_site
    assert {"/", "/analytics", "/customers", "/complaints", "/surveys", "/docs"} <= set(pages)
    problems = check_pages(browser, base, pages, shots)
    assert not problems, "\n".join(problems)
    # The home page was drawn (on a phone too when screenshots on phones were asked for).
    device = "phone" if "phone" in DEVICES else "desktop"
    assert (shots / f"home-zh_CN-{device}.png").stat().st_size > 10_000


def test_axe_finds_violations(live_site, browser) -> None:
    """The check can fail: an image without text and an unlabelled field are caught."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_site[0]}/login")
    page.evaluate(
        """() => { document.body.insertAdjacentHTML('beforeend',
           '<img src="/static/vendor/swagger-ui/favicon-32x32.png"><input type="text">'); }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found, found
    context.close()
