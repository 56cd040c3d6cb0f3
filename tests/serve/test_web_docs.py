"""The API documentation pages work offline: every asset they reference is served by Patron."""

from __future__ import annotations

import re

import pytest

PAGES = ("/docs", "/redoc")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
ASSET = re.compile(r"""(?:src|href)\s*=\s*["'](/[^"']+)["']|url:\s*["'](/[^"']+)["']""")


@pytest.mark.parametrize("path", PAGES)
def test_docs_reference_no_external_host(sqlite_service, path: str) -> None:
    page = sqlite_service.client.get(path)
    assert page.status_code == 200
    html = page.text
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "cdn." not in html and "fonts.googleapis" not in html
    # Swagger UI would send the schema to an online validator unless told not to.
    if path == "/docs":
        assert '"validatorUrl": null' in html
    assets = [a or b for a, b in ASSET.findall(html)]
    assert "/openapi.json" in html
    assert len(assets) >= 2, assets
    for asset in assets:
        response = sqlite_service.client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 100, asset
    # The policy keeps the bundles on this site (ReDoc's footer logo would come from a CDN).
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy
