"""Serve the API's documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``) from the package.

Both pages load only files shipped in ``patron/serve/static/vendor/`` (see ``VENDOR.txt``),
so they work on a machine without internet access; a content security policy limited to
this site keeps the bundles from reaching any other host (ReDoc's footer logo included).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor"
# Inline scripts start each viewer; ReDoc runs its search in a worker built from a blob.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


def _with_policy(response: HTMLResponse) -> HTMLResponse:
    # Screen readers need the page's language; a few colours get enough contrast.
    body = bytes(response.body).replace(b"<html>", b'<html lang="en">', 1)
    body = body.replace(b"</head>", b'<link rel="stylesheet" href="/static/docs.css">\n</head>', 1)
    response = HTMLResponse(body.decode("utf-8"), status_code=response.status_code)
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: try the API from the browser."""
    return _with_policy(
        get_swagger_ui_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
            # Swagger UI would otherwise send the schema to an online validator.
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the API reference as one readable page."""
    return _with_policy(
        get_redoc_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
    )
