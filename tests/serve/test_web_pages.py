"""Every page in words: each GET page of the web app, for each role and the public survey
page, in English and Chinese, shows no raw value code and no untranslated label.

The pages come from the app's router, so a page added later is visited too; a page whose
path needs a value this test does not know fails with a message saying which.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from patron.core.i18n import catalogue
from patron.report.labels import INTERACTION_KINDS, METRICS, concepts

from .conftest import PASSWORD, make_service
from .demo_site import demo_site
from .page_crawl import example_pages, page_text, sign_in

ROLES = ("admin", "analyst", "agent")
LANGS = ("en", "zh_CN")
# Words shown as they are in both languages (brand, language names, standards).
AS_IS = {"Patron", "English", "中文", "API", "NPS", "CSI", "CSV", "ID", "OK", "SLA"}


def _codes() -> set[str]:
    """Codes from the known vocabularies that a person should never read as they are."""
    codes = {code for table in concepts().values() for code in table if "_" in code}
    codes |= {code for code in METRICS if "_" in code}
    codes |= {code for code in INTERACTION_KINDS if "_" in code}
    return codes


CODES = _codes()
CODE_PATTERN = re.compile(
    r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, CODES))) + r")(?![\w/.-])"
)
# "decile 9", "CC1=8.0": a value or survey answer printed as its code.
RAW_PATTERNS = (re.compile(r"\bdecile \d+\b"), re.compile(r"\b[A-Z]{2,5}\d{1,2}=\d"))


def _english_labels() -> set[str]:
    """English texts the Chinese catalogue translates: seen on a Chinese page, untranslated."""
    out = set()
    for msgid, msgstr in catalogue("zh_CN").items():
        if isinstance(msgid, str) and isinstance(msgstr, str) and msgstr and msgstr != msgid:
            if "{" not in msgid and re.search("[a-z]{3}", msgid) and msgid not in AS_IS:
                out.add(msgid)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    import os

    from patron.core.workspace import Workspace

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    request.addfinalizer(
        lambda: saved is not None and os.environ.__setitem__("PATRON_DATABASE_URL", saved)
    )
    demo = demo_site(tmp_path_factory.mktemp("pages"))
    service = make_service(Workspace.open(demo.root))
    return demo, service


def _problems(path: str, lang: str, html: str, english: set[str]) -> list[str]:
    problems = []
    for text in page_text(html):
        for match in CODE_PATTERN.finditer(text):
            problems.append(f"{path} [{lang}]: raw code {match.group(1)!r} in {text[:80]!r}")
        for pattern in RAW_PATTERNS:
            if pattern.search(text):
                problems.append(f"{path} [{lang}]: code instead of words in {text[:80]!r}")
        if lang == "zh_CN" and text in english:
            problems.append(f"{path} [{lang}]: untranslated {text!r}")
    return problems


def test_every_page_in_words(site) -> None:
    demo, service = site
    english = _english_labels()
    app = service.client.app
    paths = example_pages(app, demo)
    assert {"/", "/analytics", "/campaigns", "/customers", "/login", "/docs"} <= set(paths)
    problems: list[str] = []
    visited = 0
    for role in ROLES:
        with TestClient(app, raise_server_exceptions=False) as client:
            sign_in(client, f"{role}1", PASSWORD)
            for lang in LANGS:
                for path in paths:
                    if path.startswith("/s/") or path in ("/docs", "/redoc"):
                        continue
                    sep = "&" if "?" in path else "?"
                    r = client.get(f"{path}{sep}lang={lang}")
                    assert r.status_code in (200, 403), f"{role} {path} [{lang}]: {r.status_code}"
                    visited += 1
                    problems += _problems(f"{role} {path}", lang, r.text, english)
    # The public pages, signed out: sign-in and the survey a guest answers.
    with TestClient(app, raise_server_exceptions=False) as guest:
        for lang in LANGS:
            for path in [p for p in paths if p.startswith("/s/")] + ["/login"]:
                r = guest.get(f"{path}?lang={lang}")
                assert r.status_code == 200, f"guest {path} [{lang}]: {r.status_code}"
                visited += 1
                problems += _problems(f"guest {path}", lang, r.text, english)
    assert visited >= 2 * len(ROLES) * 8
    assert not problems, "\n".join(sorted(set(problems))[:60])


def test_the_check_finds_codes() -> None:
    """The crawler's checks catch what they are for (a check that cannot fail proves nothing)."""
    english = _english_labels()
    html = "<p>won_back</p><p>decile 9</p><p>CC1=8.0 CE1=10.0</p><p>Customers</p>"
    found = _problems("/x", "zh_CN", html, english)
    assert any("won_back" in p for p in found)
    assert any("decile 9" in p for p in found)
    assert any("CC1=8.0" in p for p in found)
    assert any("untranslated 'Customers'" in p for p in found)
    assert not _problems("/x", "en", "<script>won_back</script><p>won back</p>", english)
