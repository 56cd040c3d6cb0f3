"""Helpers for tests that visit every page: sign in, list the app's GET pages, read a page's text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from starlette.routing import Mount


def sign_in(client, username: str, password: str, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/login?lang={lang}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _flat_routes(routes):  # type: ignore[no-untyped-def]
    """(path, methods, endpoint) of every route, through included routers of any depth."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI ≥ 0.16x keeps included routers as one node
            for context in contexts():
                original = context.original_route
                yield context.path, getattr(original, "methods", None) or set(), context.endpoint
        elif isinstance(route, Mount):
            continue
        elif getattr(route, "methods", None):
            yield route.path, route.methods, getattr(route, "endpoint", None)


def page_routes(app) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """Every GET page of the app (path, endpoint): not the API, schema or static files."""
    out = []
    for path, methods, endpoint in _flat_routes(app.router.routes):
        if "GET" not in methods or path.startswith(("/api", "/openapi", "/static")):
            continue
        out.append((path, endpoint))
    return sorted(set(out), key=lambda r: r[0])


class PageText(HTMLParser):
    """The words a person reads on a page: text nodes and the titles, labels and
    placeholders of elements; scripts, styles and code samples left out."""

    SKIP = {"script", "style", "code", "pre", "template"}
    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.parts.append(value.strip())
            if (
                tag == "input"
                and name == "value"
                and dict(attrs).get("type")
                in (
                    "submit",
                    "button",
                )
            ):
                self.parts.append((value or "").strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def page_text(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return [p for p in parser.parts if p]


# Pages that answer something other than a page on purpose (file downloads, redirects).
NOT_PAGES = {"/analytics/report"}


def _path_values(demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "customer_id": demo.customer_id,
        "complaint_pk": str(demo.complaint_pk),
        "complaint_id": str(demo.complaint_pk),
        "token": demo.survey_token,
        "key": "loyalty",
        "name": "tasks",
        "code": demo.survey_code,
    }


def example_pages(app, demo) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET page of ``app`` with its path values filled from the demo site ``demo``."""
    values = _path_values(demo)
    paths = []
    for path, _endpoint in page_routes(app):
        if path in NOT_PAGES:
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{path}: add an example value for {missing} to _path_values"
        paths.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path))
    return paths
